#!/usr/bin/python3
"""The numpy side of `dotnet run -c Release --project tests/Benchmarks -- compare`, used when the shared peer
script (../shared/bench/numpy_sdpa.py) is not there. Same work, same output lines:

  sdpa float32 n=1024 d=64: 9.700 ms (27.7 GFLOP/s)  causal 12.000 ms
  softmax f32 4096x4096: 85.0 ms (...)
  pe table 4096x512 f64: 37.0 ms
  sgemm 2048^3: 86.0 GFLOP/s

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 numpy_peer.py [--quick] [n ...]
--quick shrinks the softmax, table and sgemm sizes so a smoke run takes a second."""
import sys
import time

import numpy as np


def attention(q, k, v, causal=False):
    """softmax(q·kᵀ/√d)·v the way a numpy user writes it: the full n×n score matrix."""
    scores = (q @ k.T) * q.dtype.type(1 / np.sqrt(q.shape[1]))
    if causal:
        scores[np.triu_indices(scores.shape[0], 1, scores.shape[1])] = -np.inf
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores @ v


def row_softmax(x):
    y = x - x.max(axis=1, keepdims=True)
    np.exp(y, out=y)
    y /= y.sum(axis=1, keepdims=True)
    return y


def sinusoidal(positions, d):
    angle = np.arange(positions)[:, None] * np.power(10000.0, -np.arange(0, d, 2) / d)[None, :]
    table = np.empty((positions, d))
    table[:, 0::2] = np.sin(angle)
    table[:, 1::2] = np.cos(angle[:, : d // 2])
    return table


def median_seconds(work, runs):
    work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main(argv):
    quick = "--quick" in argv
    lengths = [int(a) for a in argv if a != "--quick"] or [1024, 2048, 4096]
    d = 64
    rng = np.random.default_rng(1)
    for dtype in (np.float32, np.float64):
        for n in lengths:
            q, k, v = (rng.standard_normal((n, d)).astype(dtype) for _ in range(3))
            runs = max(3, min(50, int(2e8 / (n * n * d))))
            full = median_seconds(lambda: attention(q, k, v), runs)
            causal = median_seconds(lambda: attention(q, k, v, True), runs)
            print(f"sdpa {np.dtype(dtype).name} n={n} d={d}: {full * 1e3:.3f} ms ({4 * n * n * d / full / 1e9:.1f} GFLOP/s)  causal {causal * 1e3:.3f} ms")
    side = 256 if quick else 4096
    x = rng.standard_normal((side, side)).astype(np.float32)
    t = median_seconds(lambda: row_softmax(x), 5)
    print(f"softmax f32 {side}x{side}: {t * 1e3:.3f} ms ({x.nbytes * 3 / t / 1e9:.2f} GB/s incl. copy)")
    positions, width = (256, 64) if quick else (4096, 512)
    t = median_seconds(lambda: sinusoidal(positions, width), 5)
    print(f"pe table {positions}x{width} f64: {t * 1e3:.3f} ms")
    size = 256 if quick else 2048
    a = rng.standard_normal((size, size)).astype(np.float32)
    t = median_seconds(lambda: a @ a, 3)
    print(f"sgemm {size}^3: {2 * size ** 3 / t / 1e9:.1f} GFLOP/s")


if __name__ == "__main__":
    main(sys.argv[1:])

"""The numpy peer of Attention.Training.Seq2SeqTransformer (notebook 11's encoder-decoder), in float64.

Every operation records how to send its gradient back (a small reverse-mode tape), and the whole batch is one array
[examples, rows, features], as a numpy programmer would write it. Modes:

  transformer_peer.py --grad in.json out.json
      the mean loss over the batch's real output tokens and the gradient of every parameter, for the weights and the
      batch in in.json (tests/Attention.Tests/TransformerPeerTests.cs writes it: settings, every parameter by name as rows, cols and
      row-major data, and the padded batch)
  transformer_peer.py --bench in.json --steps N --threads T
      times N training steps (forward, backward, gradient clipping to norm 1, Adam with beta2 = 0.98) on that batch
      and prints {"seconds_per_step": ..., "loss": ...} as JSON; T sets the BLAS threads (the script re-executes itself
      with OPENBLAS_NUM_THREADS and friends set before numpy loads).
  transformer_peer.py --train in.json out.json
      the training steps of in.json's "training" entry ({"learningRates": [one per step], "clipNorm": c}) on its batch:
      writes {"losses": [the mean loss before each step], "parameters": {name: [row-major]}} (the parameters after the
      last step), so a test can check that a step here is the same step as ours, Adam and clipping included
  transformer_peer.py --selfcheck
      checks this file's backward pass against central differences of its own loss on a tiny model (every parameter
      tensor, several entries each, in the four wirings pre-norm, post-norm, no norm and pre-norm without residual);
      prints the largest error per wiring and exits 1 if any is above 1e-7 (numpy only).
"""
import json
import os
import sys
import time


def _threads_from_argv():
    if "--threads" in sys.argv:
        return sys.argv[sys.argv.index("--threads") + 1]
    return "1"


_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
if __name__ == "__main__" and any(os.environ.get(v) != _threads_from_argv() for v in _VARS):
    env = dict(os.environ)
    for v in _VARS:
        env[v] = _threads_from_argv()
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import numpy as np  # noqa: E402  (after the thread variables are set)


class Node:
    """A value on the tape: its array, its gradient, and how to pass the gradient to its inputs."""
    __slots__ = ("value", "grad", "inputs", "backward")

    def __init__(self, value, inputs=(), backward=None):
        self.value, self.grad, self.inputs, self.backward = value, None, inputs, backward


def _accumulate(node, g):
    node.grad = g if node.grad is None else node.grad + g


def backprop(root):
    order, seen = [], set()

    def visit(n):
        if id(n) in seen:
            return
        seen.add(id(n))
        for i in n.inputs:
            visit(i)
        order.append(n)
    sys.setrecursionlimit(10000)
    visit(root)
    root.grad = np.ones_like(root.value)
    for n in reversed(order):
        if n.backward is not None and n.grad is not None:
            for i, g in zip(n.inputs, n.backward(n.grad)):
                if g is not None:
                    _accumulate(i, g)


def matmul(x, w):
    """x [..., k] times a weight [k, m]."""
    def back(g):
        gx = g @ w.value.T
        gw = x.value.reshape(-1, x.value.shape[-1]).T @ g.reshape(-1, g.shape[-1])
        return gx, gw
    return Node(x.value @ w.value, (x, w), back)


def bmm(a, b):
    """Batched a @ b over the leading axes (both from the tape)."""
    def back(g):
        return g @ np.swapaxes(b.value, -1, -2), np.swapaxes(a.value, -1, -2) @ g
    return Node(a.value @ b.value, (a, b), back)


def add(a, b):
    """a + b where b may be a [1, m] row (a bias or a gain) broadcast over a's rows."""
    def back(g):
        gb = g.reshape(-1, g.shape[-1]).sum(axis=0, keepdims=True) if b.value.shape != g.shape else g
        return g, gb
    return Node(a.value + b.value, (a, b), back)


def relu(x):
    on = x.value > 0
    return Node(np.where(on, x.value, 0.0), (x,), lambda g: (g * on,))


def layer_norm(x, gain, bias, eps=1e-5):
    mu = x.value.mean(axis=-1, keepdims=True)
    xc = x.value - mu
    inv = 1.0 / np.sqrt((xc * xc).mean(axis=-1, keepdims=True) + eps)
    xhat = xc * inv

    def back(g):
        gg = g * gain.value
        dx = inv * (gg - gg.mean(axis=-1, keepdims=True) - xhat * (gg * xhat).mean(axis=-1, keepdims=True))
        flat = lambda a: a.reshape(-1, a.shape[-1]).sum(axis=0, keepdims=True)
        return dx, flat(g * xhat), flat(g)
    return Node(xhat * gain.value + bias.value, (x, gain, bias), back)


def split_heads(x, heads):
    b, t, d = x.value.shape
    v = x.value.reshape(b, t, heads, d // heads).transpose(0, 2, 1, 3)
    return Node(v, (x,), lambda g: (g.transpose(0, 2, 1, 3).reshape(b, t, d),))


def merge_heads(x):
    b, h, t, dh = x.value.shape
    v = x.value.transpose(0, 2, 1, 3).reshape(b, t, h * dh)
    return Node(v, (x,), lambda g: (g.reshape(b, t, h, dh).transpose(0, 2, 1, 3),))


def transpose_last(x):
    return Node(np.swapaxes(x.value, -1, -2), (x,), lambda g: (np.swapaxes(g, -1, -2),))


def scale(x, c):
    return Node(x.value * c, (x,), lambda g: (g * c,))


def masked_softmax(s, allowed):
    """Softmax over the last axis; entries where allowed is False get weight exactly 0 (scores of minus infinity)."""
    z = np.where(allowed, s.value, -np.inf)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    a = e / e.sum(axis=-1, keepdims=True)
    return Node(a, (s,), lambda g: (a * (g - (a * g).sum(axis=-1, keepdims=True)),))


def attention(xq, xkv, p, name, heads, allowed):
    q = split_heads(matmul(xq, p[name + ".Wq"]), heads)
    k = split_heads(matmul(xkv, p[name + ".Wk"]), heads)
    v = split_heads(matmul(xkv, p[name + ".Wv"]), heads)
    dh = q.value.shape[-1]
    a = masked_softmax(scale(bmm(q, transpose_last(k)), 1.0 / np.sqrt(dh)), allowed[:, None, :, :])
    return matmul(merge_heads(bmm(a, v)), p[name + ".Wo"])


def feed_forward(x, p, name):
    h = relu(add(matmul(x, p[name + ".in.W"]), p[name + ".in.b"]))
    return add(matmul(h, p[name + ".out.W"]), p[name + ".out.b"])


def embed(table, ids, factor, pe):
    def back(g):
        # rows of g summed per token id: a one-hot [tokens, V] product (np.add.at is several times slower here)
        onehot = np.zeros((ids.size, table.value.shape[0]))
        onehot[np.arange(ids.size), ids.reshape(-1)] = factor
        return (onehot.T @ g.reshape(-1, g.shape[-1]),)
    return Node(table.value[ids] * factor + pe[None, : ids.shape[1], :], (table,), back)


def sinusoidal(positions, d, base=10000.0):
    pe = np.zeros((positions, d))
    pos = np.arange(positions)[:, None]
    freq = base ** (-np.arange(0, d, 2) / d)
    pe[:, 0::2] = np.sin(pos * freq)
    pe[:, 1::2] = np.cos(pos * freq)
    return pe


def sublayer(x, f, p, norm_name, norm, residual):
    """The wiring of spec: pre-norm x + f(LN(x)), post-norm LN(x + f(x)), none x + f(x); without residual f replaces x."""
    inp = layer_norm(x, p[norm_name + ".gain"], p[norm_name + ".bias"]) if norm == "pre" else x
    out = f(inp)
    s = add(x, out) if residual else out
    return layer_norm(s, p[norm_name + ".gain"], p[norm_name + ".bias"]) if norm == "post" else s


def loss_of(p, settings, batch):
    d, heads, layers = settings["dModel"], settings["heads"], settings["layers"]
    norm, residual = settings["norm"], settings["residual"]
    src, src_len = np.array(batch["src"]), np.array(batch["srcLen"])
    tin, tout = np.array(batch["tgtIn"]), np.array(batch["tgtOut"])
    b, s_rows = src.shape
    t_rows = tin.shape[1]
    pe = sinusoidal(max(s_rows, t_rows), d)
    key_ok_src = np.arange(s_rows)[None, :] < src_len[:, None]                      # [B, S]
    tgt_len = (tout >= 0).sum(axis=1)
    key_ok_tgt = np.arange(t_rows)[None, :] < tgt_len[:, None]
    enc_mask = np.broadcast_to(key_ok_src[:, None, :], (b, s_rows, s_rows))
    cross_mask = np.broadcast_to(key_ok_src[:, None, :], (b, t_rows, s_rows))
    causal = np.tril(np.ones((t_rows, t_rows), dtype=bool))
    dec_mask = causal[None, :, :] & key_ok_tgt[:, None, :]

    x = embed(p["embedding"], src, np.sqrt(d), pe)
    for l in range(layers):
        n = f"encoder.{l}"
        x = sublayer(x, lambda a, n=n: attention(a, a, p, n + ".selfAttention", heads, enc_mask), p, n + ".norm1", norm, residual)
        x = sublayer(x, lambda a, n=n: feed_forward(a, p, n + ".feedForward"), p, n + ".norm2", norm, residual)
    if norm == "pre":
        x = layer_norm(x, p["encoder.norm.gain"], p["encoder.norm.bias"])
    memory = x
    y = embed(p["embedding"], tin, np.sqrt(d), pe)
    for l in range(layers):
        n = f"decoder.{l}"
        y = sublayer(y, lambda a, n=n: attention(a, a, p, n + ".selfAttention", heads, dec_mask), p, n + ".norm1", norm, residual)
        y = sublayer(y, lambda a, n=n: attention(a, memory, p, n + ".crossAttention", heads, cross_mask), p, n + ".norm2", norm, residual)
        y = sublayer(y, lambda a, n=n: feed_forward(a, p, n + ".feedForward"), p, n + ".norm3", norm, residual)
    if norm == "pre":
        y = layer_norm(y, p["decoder.norm.gain"], p["decoder.norm.bias"])
    logits = add(matmul(y, p["output.W"]), p["output.b"])

    scored = tout >= 0
    count = scored.sum()
    z = logits.value - logits.value.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    safe = np.where(scored, tout, 0)
    picked = np.take_along_axis(logp, safe[..., None], axis=-1)[..., 0]
    loss = -(picked * scored).sum() / count

    def back(g):
        prob = np.exp(logp)
        onehot = np.zeros_like(prob)
        np.put_along_axis(onehot, safe[..., None], 1.0, axis=-1)
        return ((prob - onehot) * scored[..., None] * (g / count),)
    return Node(np.array(loss), (logits,), back)


def load(path):
    with open(path) as f:
        doc = json.load(f)
    params = {name: Node(np.array(e["data"], dtype=np.float64).reshape(e["rows"], e["cols"]))
              for name, e in doc["parameters"].items()}
    return doc["settings"], params, doc["batch"]


def gradients(settings, params, batch):
    for node in params.values():
        node.grad = None
    loss = loss_of(params, settings, batch)
    backprop(loss)
    return float(loss.value), {k: (v.grad if v.grad is not None else np.zeros_like(v.value)) for k, v in params.items()}


def train_steps(settings, params, batch, steps, lr=1e-3, beta1=0.9, beta2=0.98, eps=1e-8, clip=1.0, losses=None):
    """steps Adam steps (the C# Adam: bias-corrected, beta2 0.98) after clipping the gradient's norm to clip; lr is a
    number or a list with one rate per step."""
    m = {k: np.zeros_like(v.value) for k, v in params.items()}
    s = {k: np.zeros_like(v.value) for k, v in params.items()}
    loss = None
    for t in range(1, steps + 1):
        rate = lr[t - 1] if isinstance(lr, (list, tuple)) else lr
        loss, grads = gradients(settings, params, batch)
        if losses is not None:
            losses.append(loss)
        norm = np.sqrt(sum(float((g * g).sum()) for g in grads.values()))
        factor = clip / norm if norm > clip else 1.0
        for k, node in params.items():
            g = grads[k] * factor
            m[k] = beta1 * m[k] + (1 - beta1) * g
            s[k] = beta2 * s[k] + (1 - beta2) * g * g
            node.value -= rate * (m[k] / (1 - beta1 ** t)) / (np.sqrt(s[k] / (1 - beta2 ** t)) + eps)
    return loss


def tiny_model(norm, residual, seed=5, vocabulary=7, d=8, heads=2, hidden=12, layers=2):
    """Random weights (gains and biases away from 1 and 0, so their gradients are not special) and a padded batch of
    three examples of different lengths, for the self-check."""
    rng = np.random.default_rng(seed)
    shapes = {"embedding": (vocabulary, d), "output.W": (d, vocabulary), "output.b": (1, vocabulary)}

    def norm_shapes(n):
        if norm != "none":
            shapes[n + ".gain"], shapes[n + ".bias"] = (1, d), (1, d)

    def attention_shapes(n):
        for w in ("Wq", "Wk", "Wv", "Wo"):
            shapes[f"{n}.{w}"] = (d, d)

    def ffn_shapes(n):
        shapes.update({n + ".in.W": (d, hidden), n + ".in.b": (1, hidden),
                       n + ".out.W": (hidden, d), n + ".out.b": (1, d)})
    for l in range(layers):
        norm_shapes(f"encoder.{l}.norm1"), attention_shapes(f"encoder.{l}.selfAttention")
        norm_shapes(f"encoder.{l}.norm2"), ffn_shapes(f"encoder.{l}.feedForward")
        norm_shapes(f"decoder.{l}.norm1"), attention_shapes(f"decoder.{l}.selfAttention")
        norm_shapes(f"decoder.{l}.norm2"), attention_shapes(f"decoder.{l}.crossAttention")
        norm_shapes(f"decoder.{l}.norm3"), ffn_shapes(f"decoder.{l}.feedForward")
    if norm == "pre":
        norm_shapes("encoder.norm"), norm_shapes("decoder.norm")
    params = {}
    for name, shape in shapes.items():
        v = rng.normal(0.0, 1.0 / np.sqrt(shape[0] if shape[0] > 1 else d), shape)
        params[name] = Node(1.0 + 0.3 * v if name.endswith(".gain") else v)
    sources = [[3, 4, 5, 6, 3], [5, 3], [4, 6, 6, 5]]
    targets = [s[::-1] for s in sources]
    s_rows, t_rows = max(map(len, sources)), max(map(len, targets)) + 1
    batch = {"src": [s + [0] * (s_rows - len(s)) for s in sources], "srcLen": [len(s) for s in sources],
             "tgtIn": [[1] + t + [0] * (t_rows - 1 - len(t)) for t in targets],
             "tgtOut": [t + [2] + [-1] * (t_rows - 1 - len(t)) for t in targets]}
    settings = {"vocabulary": vocabulary, "dModel": d, "heads": heads, "hidden": hidden, "layers": layers,
                "norm": norm, "residual": residual}
    return settings, params, batch


def self_check(per_tensor=6, h=1e-5, bound=1e-7):
    """Central differences of the mean loss against the backward pass; returns the largest error per wiring."""
    worst = {}
    for norm, residual in (("pre", True), ("post", True), ("none", True), ("pre", False)):
        settings, params, batch = tiny_model(norm, residual)
        _, grads = gradients(settings, params, batch)
        rng = np.random.default_rng(11)
        err = 0.0
        for name, node in params.items():
            flat = node.value.reshape(-1)
            for i in rng.choice(flat.size, size=min(per_tensor, flat.size), replace=False):
                keep = flat[i]
                flat[i] = keep + h
                up = float(loss_of(params, settings, batch).value)
                flat[i] = keep - h
                down = float(loss_of(params, settings, batch).value)
                flat[i] = keep
                numeric = (up - down) / (2 * h)
                err = max(err, abs(numeric - grads[name].reshape(-1)[i]) / max(1.0, abs(numeric)))
        worst[f"{norm}{'' if residual else ', no residual'}"] = err
    return worst, all(e <= bound for e in worst.values())


def main(argv):
    if argv[:1] == ["--selfcheck"]:
        worst, ok = self_check()
        print(json.dumps({"max_error": worst, "bound": 1e-7, "ok": ok}))
        return 0 if ok else 1
    if len(argv) >= 3 and argv[0] == "--grad":
        settings, params, batch = load(argv[1])
        loss, grads = gradients(settings, params, batch)
        with open(argv[2], "w") as f:
            json.dump({"loss": loss, "gradients": {k: g.reshape(-1).tolist() for k, g in grads.items()}}, f)
        return 0
    if len(argv) >= 3 and argv[0] == "--train":
        settings, params, batch = load(argv[1])
        with open(argv[1]) as f:
            training = json.load(f)["training"]
        rates, losses = training["learningRates"], []
        train_steps(settings, params, batch, len(rates), lr=rates, clip=training["clipNorm"], losses=losses)
        with open(argv[2], "w") as f:
            json.dump({"losses": losses, "parameters": {k: v.value.reshape(-1).tolist() for k, v in params.items()}}, f)
        return 0
    if len(argv) >= 2 and argv[0] == "--bench":
        settings, params, batch = load(argv[1])
        steps = int(argv[argv.index("--steps") + 1]) if "--steps" in argv else 20
        train_steps(settings, params, batch, 2)  # warm up
        start = time.perf_counter()
        loss = train_steps(settings, params, batch, steps)
        elapsed = time.perf_counter() - start
        print(json.dumps({"seconds_per_step": elapsed / steps, "loss": loss, "threads": _threads_from_argv(),
                          "numpy": np.__version__}))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

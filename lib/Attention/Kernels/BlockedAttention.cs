using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Attention;

/// <summary>
/// The fast kernel under <see cref="ScaledDotProductAttention"/>'s span and matrix overloads, which must also
/// return the <c>[queries, keys]</c> weights. Queries are taken in blocks of rows; for each block, on one thread:
/// <list type="number">
/// <item><description>scores: the block of <c>Q·Kᵀ/√d_k</c> is written straight into its rows of the weights
/// (register-blocked products against K packed once per call);</description></item>
/// <item><description>softmax: each of those rows, still in cache, gets the bias and mask and the fused row softmax;</description></item>
/// <item><description>weighted sum: the block's output rows are the product of those weights with V (read in
/// place), in chunks of keys that fit in L1.</description></item>
/// </list>
/// The block size depends only on the number of keys, never on the thread count, so results do not depend on it.
/// </summary>
internal static class BlockedAttention
{
    /// <summary>Phase timings (Stopwatch ticks summed over threads) while <see cref="Profile"/> is set; for the benchmark.</summary>
    internal sealed class Phases
    {
        public long Scores, Softmax, WeightedSum, Packing;
    }

    /// <summary>When not null, the kernels add their per-phase times to it. Costs two timestamps per block and phase.</summary>
    internal static Phases? Profile;

    /// <summary>Runs the fast kernel if this machine has vector hardware; returns false (nothing done) otherwise.</summary>
    public static bool TryRun<T>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, Span<T> output, Span<T> weights,
        int n, int m, int dk, int dv, ReadOnlySpan<bool> mask, ReadOnlySpan<T> bias)
        where T : IFloatingPointIeee754<T>
    {
        if (!Simd.Use256) return false;
        if (typeof(T) == typeof(float))
        {
            if (Simd.Use512)
                Run<float, Vector512<float>, Simd512F>(C<T, float>(q), C<T, float>(k), C<T, float>(v), C<T, float>(output), C<T, float>(weights), n, m, dk, dv, mask, C<T, float>(bias));
            else
                Run<float, Vector256<float>, Simd256F>(C<T, float>(q), C<T, float>(k), C<T, float>(v), C<T, float>(output), C<T, float>(weights), n, m, dk, dv, mask, C<T, float>(bias));
            return true;
        }
        if (typeof(T) == typeof(double))
        {
            if (Simd.Use512)
                Run<double, Vector512<double>, Simd512D>(C<T, double>(q), C<T, double>(k), C<T, double>(v), C<T, double>(output), C<T, double>(weights), n, m, dk, dv, mask, C<T, double>(bias));
            else
                Run<double, Vector256<double>, Simd256D>(C<T, double>(q), C<T, double>(k), C<T, double>(v), C<T, double>(output), C<T, double>(weights), n, m, dk, dv, mask, C<T, double>(bias));
            return true;
        }
        return false;
    }

    private static ReadOnlySpan<TTo> C<TFrom, TTo>(ReadOnlySpan<TFrom> s) => RowSoftmax.Cast<TFrom, TTo>(s);

    private static Span<TTo> C<TFrom, TTo>(Span<TFrom> s) => RowSoftmax.Cast<TFrom, TTo>(s);

    /// <summary>Query rows per block: a multiple of 6 whose score rows fill about 1 MB (they stay in L2 between the phases).</summary>
    internal static int RowsPerBlock<T>(int keys) where T : unmanaged
    {
        long bytes = (long)Math.Max(1, keys) * Unsafe.SizeOf<T>();
        int rows = (int)Math.Clamp((1 << 20) / bytes, Gemm.MR, 96);
        return rows / Gemm.MR * Gemm.MR;
    }

    /// <summary>Keys per chunk of the weighted sum: a chunk of a V panel is about 32 KB (L1).</summary>
    internal static int KeysPerChunk<T>(int nr) where T : unmanaged => Math.Max(16, 32768 / (nr * Unsafe.SizeOf<T>()));

    private static unsafe void Run<T, V, S>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, Span<T> output, Span<T> weights,
        int n, int m, int dk, int dv, ReadOnlySpan<bool> mask, ReadOnlySpan<T> bias)
        where T : unmanaged, IFloatingPointIeee754<T> where V : struct where S : struct, ISimd<T, V>
    {
        if (n == 0) return;
        if (m == 0) { output.Clear(); return; } // no keys: nothing to attend to, zero outputs
        var profile = Profile;
        long t0 = Stopwatch.GetTimestamp();
        int nr = 2 * S.Count;
        var kPacked = Gemm.AllocatePacked<T>(Gemm.PackedLength(m, dk, nr), "The packed keys");
        Gemm.PackTransposed(k, dk, 0, m, dk, nr, kPacked);
        bool vInPlace = dv % nr == 0;
        T[]? vPacked = null;
        if (!vInPlace && dv > 0)
        {
            vPacked = Gemm.AllocatePacked<T>(Gemm.PackedColumnsLength(m, dv, nr), "The packed values");
            Gemm.PackColumns(v, dv, 0, m, dv, nr, vPacked);
        }
        bool vFinite = Finite.All<T, V, S>(v);
        if (profile is not null) Interlocked.Add(ref profile.Packing, Stopwatch.GetTimestamp() - t0);

        T scale = Scores.InverseSqrt<T>(dk);
        int mb = RowsPerBlock<T>(m);
        int chunk = KeysPerChunk<T>(nr);
        int blocks = (n + mb - 1) / mb;
        bool hasMask = !mask.IsEmpty, hasBias = !bias.IsEmpty;
        fixed (T* pq = q, pv = v, po = output, pw = weights, pb = bias, pk = kPacked, pvp = vPacked)
        fixed (bool* pm = mask)
        {
            T* qp = pq, vp = pv, op = po, wp = pw, bp = pb, kp = pk, vpp = pvp;
            bool* mp = pm;
            Simd.For(blocks, 2.0 * n * m * (dk + dv), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (int block) =>
            {
                int i0 = block * mb, rows = Math.Min(mb, n - i0);
                long s0 = profile is null ? 0 : Stopwatch.GetTimestamp();
                ref T w0 = ref Unsafe.AsRef<T>(wp + (long)i0 * m);
                Gemm.Block<T, V, S>(ref Unsafe.AsRef<T>(qp + (long)i0 * dk), dk, rows, dk, ref Unsafe.AsRef<T>(kp), nr, dk * nr, m,
                    ref w0, m, scale, accumulate: false);
                long s1 = profile is null ? 0 : Stopwatch.GetTimestamp();
                for (int r = 0; r < rows; r++)
                {
                    long at = (long)(i0 + r) * m;
                    var row = new Span<T>(wp + at, m);
                    if (hasBias) System.Numerics.Tensors.TensorPrimitives.Add(row, new ReadOnlySpan<T>(bp + at, m), row);
                    if (hasMask)
                    {
                        bool* allowed = mp + at;
                        for (int j = 0; j < m; j++) if (!allowed[j]) row[j] = T.NegativeInfinity;
                    }
                    RowSoftmax.Row<T, V, S>(row, row, T.One);
                }
                long s2 = profile is null ? 0 : Stopwatch.GetTimestamp();
                if (dv > 0)
                {
                    if (vFinite)
                    {
                        T* b = vInPlace ? vp : vpp;
                        int ldb = vInPlace ? dv : nr, panelStride = vInPlace ? nr : nr * m;
                        for (int j0 = 0; j0 < m; j0 += chunk)
                            Gemm.Block<T, V, S>(ref Unsafe.Add(ref w0, j0), m, rows, Math.Min(chunk, m - j0),
                                ref Unsafe.AsRef<T>(b + (long)j0 * ldb), ldb, panelStride, dv,
                                ref Unsafe.AsRef<T>(op + (long)i0 * dv), dv, T.One, accumulate: j0 > 0);
                    }
                    else
                        // A V with ±∞ or NaN: weights that are exactly 0 must contribute nothing (0·∞ would be NaN).
                        ScaledDotProductAttention.WeightedSum<T>(new ReadOnlySpan<T>(wp + (long)i0 * m, rows * m),
                            new ReadOnlySpan<T>(vp, m * dv), new Span<T>(op + (long)i0 * dv, rows * dv), rows, m, dv);
                }
                if (profile is not null)
                {
                    long s3 = Stopwatch.GetTimestamp();
                    Interlocked.Add(ref profile.Scores, s1 - s0);
                    Interlocked.Add(ref profile.Softmax, s2 - s1);
                    Interlocked.Add(ref profile.WeightedSum, s3 - s2);
                }
            });
        }
    }
}

/// <summary>Whether a span holds only finite values, by vectors.</summary>
internal static class Finite
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool All<T, V, S>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> where V : struct where S : struct, ISimd<T, V>
    {
        int n = x.Length, w = S.Count, i = 0;
        ref T p = ref MemoryMarshal.GetReference(x);
        V bad = S.Zero;
        for (; i <= n - w; i += w)
        {
            V v = S.Load(ref Unsafe.Add(ref p, i));
            bad = S.Or(bad, S.NaNLanes(S.Sub(v, v))); // x − x is NaN exactly for ±∞ and NaN
        }
        if (S.Any(bad)) return false;
        for (; i < n; i++) if (!T.IsFinite(Unsafe.Add(ref p, i))) return false;
        return true;
    }
}

using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Attention;

/// <summary>
/// The fast kernel under <see cref="LocalAttention"/>: a block of query rows needs only the keys from
/// <c>i₀ − window</c> to <c>i₁ + window</c>, so its scores are one small product of the block's queries with that
/// slice of K (packed once per call); each row's window gets the fused softmax and is copied to the band; the block's
/// outputs are one product of those weights (zero outside each window) with the same slice of V. Time
/// <c>O(n · (block + 2·window) · d)</c>, extra memory O(n·d) plus a block of scores per thread.
/// </summary>
internal static class BandedAttention
{
    public static bool TryRun<T>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, Span<T> output, Span<T> band,
        int n, int dk, int dv, int window, bool causal)
        where T : IFloatingPointIeee754<T>
    {
        if (!Simd.Use256) return false;
        if (typeof(T) == typeof(float))
        {
            var qf = RowSoftmax.Cast<T, float>(q);
            var kf = RowSoftmax.Cast<T, float>(k);
            var vf = RowSoftmax.Cast<T, float>(v);
            var of = RowSoftmax.Cast<T, float>(output);
            var bf = RowSoftmax.Cast<T, float>(band);
            if (Simd.Use512) Run<float, Vector512<float>, Simd512F>(qf, kf, vf, of, bf, n, dk, dv, window, causal);
            else Run<float, Vector256<float>, Simd256F>(qf, kf, vf, of, bf, n, dk, dv, window, causal);
            return true;
        }
        if (typeof(T) == typeof(double))
        {
            var qd = RowSoftmax.Cast<T, double>(q);
            var kd = RowSoftmax.Cast<T, double>(k);
            var vd = RowSoftmax.Cast<T, double>(v);
            var od = RowSoftmax.Cast<T, double>(output);
            var bd = RowSoftmax.Cast<T, double>(band);
            if (Simd.Use512) Run<double, Vector512<double>, Simd512D>(qd, kd, vd, od, bd, n, dk, dv, window, causal);
            else Run<double, Vector256<double>, Simd256D>(qd, kd, vd, od, bd, n, dk, dv, window, causal);
            return true;
        }
        return false;
    }

    /// <summary>Query rows per block: about half the window (so the keys a block needs are not much more than
    /// one row's window), a multiple of 6, between 6 and 48.</summary>
    internal static int RowsPerBlock(int window) => (int)Math.Clamp((window / 2 + Gemm.MR - 1) / Gemm.MR * Gemm.MR, Gemm.MR, 48);

    private static unsafe void Run<T, V, S>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, Span<T> output, Span<T> band,
        int n, int dk, int dv, int window, bool causal)
        where T : unmanaged, IFloatingPointIeee754<T> where V : struct where S : struct, ISimd<T, V>
    {
        if (n == 0) return;
        int width = LocalAttention.BandWidth(window, causal);
        int nr = 2 * S.Count;
        var kPacked = Gemm.AllocatePacked<T>(Gemm.PackedLength(n, dk, nr), "The packed keys");
        Gemm.PackTransposed(k, dk, 0, n, dk, nr, kPacked);
        bool vInPlace = dv % nr == 0;
        T[]? vPacked = null;
        if (!vInPlace && dv > 0)
        {
            vPacked = Gemm.AllocatePacked<T>(Gemm.PackedColumnsLength(n, dv, nr), "The packed values");
            Gemm.PackColumns(v, dv, 0, n, dv, nr, vPacked);
        }
        bool vFinite = Finite.All<T, V, S>(v);
        T scale = Scores.InverseSqrt<T>(dk);
        int mb = RowsPerBlock(window);
        int blocks = (n + mb - 1) / mb;
        // Keys one block can need: its rows plus the window on each side (one side when causal), plus alignment to a panel.
        int maxCols = (int)Math.Min(n + nr, (long)mb + (causal ? 1L : 2L) * window + nr);
        double work = 2.0 * n * Math.Min(n, (long)mb + 2L * window) * (dk + dv);
        fixed (T* pq = q, pv = v, po = output, pband = band, pk = kPacked, pvp = vPacked)
        {
            T* qp = pq, vp = pv, op = po, bandp = pband, kp = pk, vpp = pvp;
            Simd.For(blocks, work, () => new T[mb * maxCols], [MethodImpl(MethodImplOptions.AggressiveOptimization)] (int block, T[] scores) =>
            {
                int i0 = block * mb, rows = Math.Min(mb, n - i0);
                int first = Math.Max(0, i0 - window);
                int last = causal ? i0 + rows - 1 : (int)Math.Min(n - 1L, (long)i0 + rows - 1 + window);
                int j0 = first / nr * nr, cols = last - j0 + 1;
                Gemm.Block<T, V, S>(ref Unsafe.AsRef<T>(qp + (long)i0 * dk), dk, rows, dk, ref Unsafe.AsRef<T>(kp + (long)(j0 / nr) * dk * nr),
                    nr, dk * nr, cols, ref scores[0], maxCols, scale, accumulate: false);
                for (int r = 0; r < rows; r++)
                {
                    int i = i0 + r;
                    var (fi, li) = LocalAttention.KeyRange(i, n, window, causal);
                    var row = scores.AsSpan(r * maxCols, cols);
                    var weights = row.Slice(fi - j0, li - fi + 1);
                    RowSoftmax.Row<T, V, S>(weights, weights, T.One);
                    row[..(fi - j0)].Clear();
                    row[(li - j0 + 1)..].Clear();
                    var bandRow = new Span<T>(bandp + (long)i * width, width);
                    bandRow.Clear();
                    weights.CopyTo(bandRow[(fi - (i - window))..]);
                }
                if (dv == 0) return;
                if (vFinite)
                {
                    T* b = vInPlace ? vp + (long)j0 * dv : vpp + (long)j0 * nr;
                    Gemm.Block<T, V, S>(ref scores[0], maxCols, rows, cols, ref Unsafe.AsRef<T>(b), vInPlace ? dv : nr, vInPlace ? nr : nr * n, dv,
                        ref Unsafe.AsRef<T>(op + (long)i0 * dv), dv, T.One, accumulate: false);
                }
                else
                    // ±∞ or NaN in V: zero weights must contribute nothing, so the plain weighted sum, row by row.
                    for (int r = 0; r < rows; r++)
                        ScaledDotProductAttention.WeightedSum<T>(scores.AsSpan(r * maxCols, cols), new ReadOnlySpan<T>(vp + (long)j0 * dv, cols * dv),
                            new Span<T>(op + (long)(i0 + r) * dv, dv), 1, cols, dv);
            });
        }
    }
}

using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Attention;

/// <summary>The fast <c>scores = scale·Q·Kᵀ</c> under <see cref="Scores"/>' span kernels: K packed once, blocks of
/// query rows against every key panel with the register-blocked micro-kernel, blocks spread over threads.</summary>
internal static class ScoreProduct
{
    public static bool TryRun<T>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, Span<T> scores, int n, int m, int dk, T scale)
        where T : IFloatingPointIeee754<T>
    {
        if (!Simd.Use256) return false;
        if (typeof(T) == typeof(float))
        {
            var qf = RowSoftmax.Cast<T, float>(q);
            var kf = RowSoftmax.Cast<T, float>(k);
            var sf = RowSoftmax.Cast<T, float>(scores);
            float a = float.CreateTruncating(scale);
            if (Simd.Use512) Run<float, Vector512<float>, Simd512F>(qf, kf, sf, n, m, dk, a);
            else Run<float, Vector256<float>, Simd256F>(qf, kf, sf, n, m, dk, a);
            return true;
        }
        if (typeof(T) == typeof(double))
        {
            var qd = RowSoftmax.Cast<T, double>(q);
            var kd = RowSoftmax.Cast<T, double>(k);
            var sd = RowSoftmax.Cast<T, double>(scores);
            double a = double.CreateTruncating(scale);
            if (Simd.Use512) Run<double, Vector512<double>, Simd512D>(qd, kd, sd, n, m, dk, a);
            else Run<double, Vector256<double>, Simd256D>(qd, kd, sd, n, m, dk, a);
            return true;
        }
        return false;
    }

    private static unsafe void Run<T, V, S>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, Span<T> scores, int n, int m, int dk, T scale)
        where T : unmanaged, IFloatingPointIeee754<T> where V : struct where S : struct, ISimd<T, V>
    {
        if (n == 0 || m == 0) return;
        int nr = 2 * S.Count;
        var kPacked = Gemm.AllocatePacked<T>(Gemm.PackedLength(m, dk, nr), "The packed keys");
        Gemm.PackTransposed(k, dk, 0, m, dk, nr, kPacked);
        int mb = BlockedAttention.RowsPerBlock<T>(m);
        int blocks = (n + mb - 1) / mb;
        fixed (T* pq = q, ps = scores, pk = kPacked)
        {
            T* qp = pq, sp = ps, kp = pk;
            Simd.For(blocks, 1.0 * n * m * dk, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (int block) =>
            {
                int i0 = block * mb, rows = Math.Min(mb, n - i0);
                Gemm.Block<T, V, S>(ref Unsafe.AsRef<T>(qp + (long)i0 * dk), dk, rows, dk, ref Unsafe.AsRef<T>(kp), nr, dk * nr, m,
                    ref Unsafe.AsRef<T>(sp + (long)i0 * m), m, scale, accumulate: false);
            });
        }
    }
}

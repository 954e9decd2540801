using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Attention;

/// <summary>
/// Row-major matrix products for the training engine on the register-blocked micro-kernel of <see cref="Gemm"/>:
/// <c>C (+)= A·B</c> with A read in place and B in place (when its width is a multiple of the panel) or packed. One
/// thread; every entry of C is one sum over the inner dimension in order, so results do not depend on threads.
/// </summary>
internal static class RowGemm
{
    /// <summary>Below this many multiply-adds the plain row loop is as fast (packing and tiles do not pay).</summary>
    public const long MinWork = 64L * 32 * 32;

    /// <summary>Whether the fast path runs on this machine for a product of this size.</summary>
    public static bool Applies(int n, int k, int m) => Simd.Use256 && (long)n * k * m >= MinWork && k > 0;

    /// <summary><c>C = A·B</c> or <c>C += A·B</c>: A <c>[n, k]</c>, B <c>[k, m]</c>, C <c>[n, m]</c>, all row-major.</summary>
    public static void Multiply(double[] a, int n, int k, double[] b, int m, double[] c, bool accumulate)
    {
        if (Simd.Use512) Run<Vector512<double>, Simd512D>(a, n, k, b, m, c, accumulate, transposedB: false);
        else Run<Vector256<double>, Simd256D>(a, n, k, b, m, c, accumulate, transposedB: false);
    }

    /// <summary><c>C = A·Bᵀ</c>: A <c>[n, k]</c>, B <c>[m, k]</c>, C <c>[n, m]</c>.</summary>
    public static void MultiplyTransposed(double[] a, int n, int k, double[] b, int m, double[] c)
    {
        if (Simd.Use512) Run<Vector512<double>, Simd512D>(a, n, k, b, m, c, accumulate: false, transposedB: true);
        else Run<Vector256<double>, Simd256D>(a, n, k, b, m, c, accumulate: false, transposedB: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<V, S>(double[] a, int n, int k, double[] b, int m, double[] c, bool accumulate, bool transposedB)
        where V : struct where S : struct, ISimd<double, V>
    {
        if (n == 0 || m == 0) return;
        int nr = 2 * S.Count;
        double[] panels;
        double[]? rented = null;
        int ldb, panelStride;
        // Packed panels come from the shared pool: the packing writes every value the micro-kernel reads (padding
        // included), so a rented array's old contents never matter, and training steps stop allocating one per product.
        if (transposedB)
        {
            panels = rented = ArrayPool<double>.Shared.Rent(checked((int)Gemm.PackedLength(m, k, nr)));
            Gemm.PackTransposed<double>(b, k, 0, m, k, nr, panels);
            ldb = nr;
            panelStride = k * nr;
        }
        else if (m % nr == 0)
        {
            panels = b;
            ldb = m;
            panelStride = nr;
        }
        else
        {
            panels = rented = ArrayPool<double>.Shared.Rent(checked((int)Gemm.PackedColumnsLength(k, m, nr)));
            Gemm.PackColumns<double>(b, m, 0, k, m, nr, panels);
            ldb = nr;
            panelStride = nr * k;
        }
        Gemm.Block<double, V, S>(ref a[0], k, n, k, ref panels[0], ldb, panelStride, m, ref c[0], m, 1.0, accumulate);
        if (rented is not null) ArrayPool<double>.Shared.Return(rented);
    }
}

using System.Numerics;
using System.Runtime.Intrinsics;
using Attention;
using MathNet.Numerics.LinearAlgebra;

namespace Benchmarks;

/// <summary>
/// The work the comparison times, each as "build the inputs for size n (untimed), return the action to time", the
/// shape <see cref="ScalingMeasurements.Time"/> takes. Inputs are standard-normal like numpy's, d = 64.
/// </summary>
internal static class Workloads
{
    public const int D = 64;

    public static T[] Normal<T>(int count, int seed) where T : IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        var a = new T[count];
        for (int i = 0; i < count; i += 2)
        {
            double u = 1 - rng.NextDouble(), v = rng.NextDouble(), r = Math.Sqrt(-2 * Math.Log(u));
            a[i] = T.CreateTruncating(r * Math.Cos(2 * Math.PI * v));
            if (i + 1 < count) a[i + 1] = T.CreateTruncating(r * Math.Sin(2 * Math.PI * v));
        }
        return a;
    }

    /// <summary><see cref="ScaledDotProductAttention"/>'s span kernel: output and the n×n weights (the same work numpy does).</summary>
    public static Action Blocked<T>(int n) where T : IFloatingPointIeee754<T>
    {
        var (q, k, v) = (Normal<T>(n * D, 1), Normal<T>(n * D, 2), Normal<T>(n * D, 3));
        var (o, w) = (new T[n * D], new T[n * n]);
        return () => ScaledDotProductAttention.Kernel<T>(q, k, v, o, w, n, n, D, D, default, default);
    }

    /// <summary><see cref="StreamingAttention"/>: the output only, O(n·d) memory.</summary>
    public static Action Streaming<T>(int n, bool causal = false) where T : IFloatingPointIeee754<T>
    {
        var (q, k, v) = (Normal<T>(n * D, 1), Normal<T>(n * D, 2), Normal<T>(n * D, 3));
        var o = new T[n * D];
        return () => StreamingAttention.Kernel<T>(q, k, v, o, n, n, D, D, 1, causal, default);
    }

    /// <summary>The kernel before this work: one <c>TensorPrimitives.Dot</c> per score, the plain row softmax, one row of V at a time.</summary>
    public static Action Simple<T>(int n) where T : IFloatingPointIeee754<T>
    {
        var (q, k, v) = (Normal<T>(n * D, 1), Normal<T>(n * D, 2), Normal<T>(n * D, 3));
        var (o, w) = (new T[n * D], new T[n * n]);
        return () => ScaledDotProductAttention.KernelSimple<T>(q, k, v, o, w, n, n, D, D, default, default);
    }

    /// <summary>The obvious triple loops in double (the tests' reference).</summary>
    public static Action Loops(int n)
    {
        var (q, k, v) = (Normal<double>(n * D, 1), Normal<double>(n * D, 2), Normal<double>(n * D, 3));
        return () => Attention.Tests.Reference.Attention(q, k, v, n, n, D, D);
    }

    /// <summary>What a MathNet user writes: <c>Sᵀ = K·Qᵀ</c> (so its column-major storage is S row-major), our row softmax at
    /// temperature √d on that storage, <c>O = Sᵀᵀ·V</c>; the two products are MathNet's (managed provider).</summary>
    public static Action MathNet<T>(int n) where T : struct, IFloatingPointIeee754<T>
    {
        var q = Matrix<T>.Build.Dense(n, D, Normal<T>(n * D, 1));
        var k = Matrix<T>.Build.Dense(n, D, Normal<T>(n * D, 2));
        var v = Matrix<T>.Build.Dense(n, D, Normal<T>(n * D, 3));
        return () =>
        {
            var st = k.TransposeAndMultiply(q);
            var data = ((global::MathNet.Numerics.LinearAlgebra.Storage.DenseColumnMajorMatrixStorage<T>)st.Storage).Data;
            Softmax.RowsKernel<T>(data, data, n, T.CreateTruncating(Math.Sqrt(D)));
            st.TransposeThisAndMultiply(v);
        };
    }

    public static Action SoftmaxRows(int side, bool simple)
    {
        var x = Normal<float>(side * side, 4);
        var y = new float[x.Length];
        return simple ? () => Softmax.RowsKernelSimple<float>(x, y, side, 1f) : () => Softmax.Rows(x, y, side);
    }

    public static Action Table(int positions, int width, bool simple)
    {
        var table = new double[positions * width];
        return simple ? () => PositionalEncoding.FillSimple<double>(table, positions, width, 10000.0)
                      : () => PositionalEncoding.Sinusoidal(table, positions, width);
    }

    public static Action MathNetSgemm(int size)
    {
        var a = Matrix<float>.Build.Dense(size, size, Normal<float>(size * size, 5));
        return () => a.Multiply(a);
    }

    /// <summary>A general row-major <c>C = A·B</c> on the attention kernels' micro-kernel (B packed per call, blocks of
    /// 96 rows × 256 of the inner dimension), to compare the micro-kernel with numpy's sgemm on the same problem.</summary>
    public static Action OurSgemm(int size)
    {
        var a = Normal<float>(size * size, 5);
        var c = new float[size * size];
        return () =>
        {
            if (Simd.Use512) Multiply<Vector512<float>, Simd512F>(a, a, c, size);
            else Multiply<Vector256<float>, Simd256F>(a, a, c, size);
        };
    }

    private static void Multiply<V, S>(float[] a, float[] b, float[] c, int size) where V : struct where S : struct, ISimd<float, V>
    {
        int nr = 2 * S.Count, mb = 96, kc = 256;
        var packed = GC.AllocateUninitializedArray<float>(((size + nr - 1) / nr) * nr * size);
        Gemm.PackColumns<float>(b, size, 0, size, size, nr, packed);
        Simd.For((size + mb - 1) / mb, 2.0 * size * size * size, block =>
        {
            int i0 = block * mb, rows = Math.Min(mb, size - i0);
            for (int k0 = 0; k0 < size; k0 += kc)
                Gemm.Block<float, V, S>(ref a[i0 * size + k0], size, rows, Math.Min(kc, size - k0), ref packed[k0 * nr], nr, nr * size, size,
                    ref c[i0 * size], size, 1f, accumulate: k0 > 0);
        });
    }
}

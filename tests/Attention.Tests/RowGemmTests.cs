using Attention.Training;

namespace Attention.Tests;

/// <summary>The training engine's products on the micro-kernel (large enough products) against the plain triple loop.</summary>
public class RowGemmTests
{
    private static RowMatrix Naive(RowMatrix a, RowMatrix b)
    {
        var y = new RowMatrix(a.Rows, b.Cols);
        for (int i = 0; i < a.Rows; i++)
            for (int j = 0; j < b.Cols; j++)
            {
                double s = 0;
                for (int k = 0; k < a.Cols; k++) s += a[i, k] * b[k, j];
                y[i, j] = s;
            }
        return y;
    }

    private static RowMatrix Transpose(RowMatrix a)
    {
        var t = new RowMatrix(a.Cols, a.Rows);
        for (int i = 0; i < a.Rows; i++) for (int k = 0; k < a.Cols; k++) t[k, i] = a[i, k];
        return t;
    }

    /// <summary>Entries are sums of k products of numbers below 1 in size: each differs from the loop's by at most
    /// k·2⁻⁵² of the sum of |products| (a different order and fused multiply-adds), ≤ 1e-13 here.</summary>
    [Theory]
    [InlineData(64, 32, 32)]   // panels read in place (32 is a multiple of the panel width)
    [InlineData(200, 32, 13)]  // a vocabulary-wide output: packed columns with a partial panel
    [InlineData(97, 64, 40)]   // an edge tile in both directions
    [InlineData(7, 300, 50)]   // few rows, long inner dimension
    public void Products_equal_the_plain_loop(int n, int k, int m)
    {
        Assert.True(RowGemm.Applies(n, k, m) || !System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated, "the fast path is what is tested");
        var rng = new Random(n * 1000 + m);
        var a = TrainingGradientTests.Random(rng, n, k);
        var b = TrainingGradientTests.Random(rng, k, m);
        var expected = Naive(a, b);
        Approx.Equal(expected.Data, RowOps.MatMul(a, b).Data, abs: 1e-13, because: "a·b");
        Approx.Equal(expected.Data, RowOps.MatMulTransposeB(a, Transpose(b)).Data, abs: 1e-13, because: "a·(bᵀ)ᵀ");
        var y = TrainingGradientTests.Random(rng, k, m);
        var before = (double[])y.Data.Clone();
        var c = TrainingGradientTests.Random(rng, n, m);
        RowOps.MatMulTransposeAAdd(a, c, y);
        var atc = Naive(Transpose(a), c);
        for (int i = 0; i < before.Length; i++) before[i] += atc.Data[i];
        Approx.Equal(before, y.Data, abs: 1e-13, because: "y + aᵀ·c");
    }

    /// <summary>The row loop of small products (attention's per-head blocks) adds each scaled row inline; it must give
    /// exactly what <c>TensorPrimitives.MultiplyAdd</c> gave (multiply, then add), so trained models do not move.</summary>
    [Theory]
    [InlineData(12, 12, 8)]    // one head of width 8: whole vectors
    [InlineData(9, 7, 13)]     // a remainder after the vectors
    [InlineData(5, 3, 3)]      // shorter than one vector
    public void Small_products_are_bit_for_bit_the_multiply_then_add_loop(int n, int k, int m)
    {
        Assert.False(RowGemm.Applies(n, k, m), "the row loop is what is tested");
        var rng = new Random(n * 100 + k * 10 + m);
        var a = TrainingGradientTests.Random(rng, n, k);
        var b = TrainingGradientTests.Random(rng, k, m);
        var expected = new RowMatrix(n, m);
        for (int i = 0; i < n; i++)
            for (int t = 0; t < k; t++)
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b.Row(t), a[i, t], expected.Row(i), expected.Row(i));
        Assert.Equal(expected.Data, RowOps.MatMul(a, b).Data);

        var c = TrainingGradientTests.Random(rng, n, m);
        var y = TrainingGradientTests.Random(rng, k, m);
        var expectedY = y.Clone();
        for (int i = 0; i < n; i++)
            for (int t = 0; t < k; t++)
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(c.Row(i), a[i, t], expectedY.Row(t), expectedY.Row(t));
        RowOps.MatMulTransposeAAdd(a, c, y);
        Assert.Equal(expectedY.Data, y.Data);
    }

    /// <summary>Scratch comes from the shared array pool and results go into existing matrices: neither what a pooled
    /// array held before nor what the destination held may reach the result.</summary>
    [Theory]
    [InlineData(64, 32, 32)]
    [InlineData(200, 32, 13)]
    [InlineData(12, 12, 8)]
    public void Pooled_scratch_and_reused_destinations_do_not_leak_old_values(int n, int k, int m)
    {
        var rng = new Random(n + 7 * m);
        var a = TrainingGradientTests.Random(rng, n, k);
        var b = TrainingGradientTests.Random(rng, k, m);
        var expected = Naive(a, b);
        for (int size = 16; size <= 1 << 16; size *= 2)
        {
            // Poison what the pool will hand out next on this thread.
            var junk = System.Buffers.ArrayPool<double>.Shared.Rent(size);
            Array.Fill(junk, double.NaN);
            System.Buffers.ArrayPool<double>.Shared.Return(junk);
        }
        var y = new RowMatrix(n, m);
        Array.Fill(y.Data, double.NaN);
        RowOps.MatMulInto(a, b, y);
        Approx.Equal(expected.Data, y.Data, abs: 1e-13, because: "a·b into a matrix that held NaN");
        Array.Fill(y.Data, double.NaN);
        RowOps.MatMulTransposeBInto(a, Transpose(b), y);
        Approx.Equal(expected.Data, y.Data, abs: 1e-13, because: "a·(bᵀ)ᵀ into a matrix that held NaN");
        // aᵀ·(a·b): sums of n products of entries up to about k in size, so rounding stays near n·k·2⁻⁵² (≤ 1e-12 here).
        var g = new RowMatrix(k, m);
        RowOps.MatMulTransposeAAdd(a, expected, g);
        Approx.Equal(Naive(Transpose(a), expected).Data, g.Data, abs: 1e-11, because: "aᵀ·(a·b) with a pooled transposed copy");
    }
}

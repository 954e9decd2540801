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
}

using MathNet.Numerics.LinearAlgebra;

namespace Attention.Tests;

internal static class Helpers
{
    /// <summary>Sizes that do and do not fill a SIMD lane.</summary>
    public static readonly int[] Sizes = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65];

    public static int Size(Random rng, int max = 65)
    {
        int s;
        do s = Sizes[rng.Next(Sizes.Length)]; while (s > max);
        return s;
    }

    public static double[] RandomArray(Random rng, int length, double scale = 1.0)
    {
        var a = new double[length];
        for (int i = 0; i < length; i++) a[i] = scale * (2 * rng.NextDouble() - 1);
        return a;
    }

    public static bool[] RandomMask(Random rng, int length, double pAllowed = 0.7)
    {
        var a = new bool[length];
        for (int i = 0; i < length; i++) a[i] = rng.NextDouble() < pAllowed;
        return a;
    }

    public static float[] ToFloat(double[] a) => Array.ConvertAll(a, x => (float)x);
    public static double[] ToDouble(float[] a) => Array.ConvertAll(a, x => (double)x);

    public static double[] RowMajor(Matrix<double> m) => m.ToRowMajorArray();

    public static Matrix<double> M(int rows, int cols, double[] rowMajor) => Matrix<double>.Build.DenseOfRowMajor(rows, cols, rowMajor);

    public static Matrix<double> M(double[,] a) => Matrix<double>.Build.DenseOfArray(a);

    public static void Close(double[] expected, double[] actual, double tol, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double scale = Math.Max(1.0, Math.Abs(expected[i]));
            if (!(Math.Abs(expected[i] - actual[i]) <= tol * scale))
                Assert.Fail($"{what} index {i}: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tol})");
        }
    }

    public static void Close(double[] expected, float[] actual, double tol, string what = "") => Close(expected, ToDouble(actual), tol, what);

    public static void Close(Matrix<double> expected, Matrix<double> actual, double tol, string what = "")
    {
        Assert.Equal(expected.RowCount, actual.RowCount);
        Assert.Equal(expected.ColumnCount, actual.ColumnCount);
        Close(RowMajor(expected), RowMajor(actual), tol, what);
    }

    public static void Throws<TException>(Action act, params string[] fragments) where TException : Exception
    {
        var ex = Assert.ThrowsAny<TException>(act);
        foreach (var f in fragments) Assert.Contains(f, ex.Message);
    }
}

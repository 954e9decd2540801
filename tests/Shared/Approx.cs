using System.Globalization;
using Xunit;

namespace TestSupport;

/// <summary>
/// Tolerance comparisons for computed floating-point values: <c>|actual − expected| ≤ abs + rel·|expected|</c>.
/// Every test that compares computed doubles goes through here (or states its own bound), never through xunit's
/// <c>Assert.Equal(double, double, int precision)</c>, which rounds both sides to <c>precision</c> decimals and so
/// fails for two values a few ulps apart that straddle a rounding boundary. Failures print both values, the
/// difference and the tolerance. NaN equals NaN only when <c>nanEqual</c> is set; an infinity equals only the same
/// infinity. Compiled into every test project that needs it (linked from tests/Shared).
/// </summary>
internal static class Approx
{
    /// <summary>Machine epsilon of <see cref="double"/>, 2⁻⁵²: the spacing of doubles just above 1, so <c>rel: k * Eps</c>
    /// allows about k roundings (k ulps) of the expected value.</summary>
    public const double Eps = 1.0 / (1L << 52);

    /// <summary>Fails unless <paramref name="actual"/> is within <paramref name="abs"/> + <paramref name="rel"/>·|<paramref name="expected"/>| of <paramref name="expected"/>.</summary>
    public static void Equal(double expected, double actual, double abs, double rel = 0, string? because = null, bool nanEqual = false)
    {
        CheckTolerance(abs, rel);
        if (!Within(expected, actual, abs, rel, nanEqual))
            Assert.Fail(Describe(expected, actual, abs, rel, because));
    }

    /// <summary>Element by element, after checking the lengths; the message names the worst index and how many failed.</summary>
    public static void Equal(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double abs, double rel = 0, string? because = null, bool nanEqual = false)
    {
        CheckTolerance(abs, rel);
        if (expected.Length != actual.Length)
            Assert.Fail($"{Prefix(because)}expected {expected.Length} values, got {actual.Length}");
        var (failures, worst) = Worst(expected, actual, abs, rel, nanEqual);
        if (failures > 0)
            Assert.Fail($"{failures} of {expected.Length} values out of tolerance; worst at index {worst}: "
                        + Describe(expected[worst], actual[worst], abs, rel, because));
    }

    /// <summary>Element by element over two sequences (materialised first).</summary>
    public static void Equal(IEnumerable<double> expected, IEnumerable<double> actual, double abs, double rel = 0, string? because = null, bool nanEqual = false)
        => Equal((ReadOnlySpan<double>)expected.ToArray(), actual.ToArray(), abs, rel, because, nanEqual);

    /// <summary>Element by element over two matrices of the same shape; the message gives the worst (row, column).</summary>
    public static void Equal(double[,] expected, double[,] actual, double abs, double rel = 0, string? because = null, bool nanEqual = false)
    {
        CheckTolerance(abs, rel);
        int rows = expected.GetLength(0), cols = expected.GetLength(1);
        if (rows != actual.GetLength(0) || cols != actual.GetLength(1))
            Assert.Fail($"{Prefix(because)}expected a {rows}×{cols} matrix, got {actual.GetLength(0)}×{actual.GetLength(1)}");
        var e = new double[rows * cols];
        var a = new double[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) (e[r * cols + c], a[r * cols + c]) = (expected[r, c], actual[r, c]);
        var (failures, worst) = Worst(e, a, abs, rel, nanEqual);
        if (failures > 0)
            Assert.Fail($"{failures} of {e.Length} entries out of tolerance; worst at ({worst / cols}, {worst % cols}): "
                        + Describe(e[worst], a[worst], abs, rel, because));
    }

    /// <summary>How many pairs are out of tolerance, and the index of the one furthest past its own tolerance
    /// (mismatched NaNs and infinities count as infinitely far).</summary>
    private static (int Failures, int Worst) Worst(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double abs, double rel, bool nanEqual)
    {
        int worst = -1, failures = 0;
        double worstExcess = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (Within(expected[i], actual[i], abs, rel, nanEqual)) continue;
            failures++;
            double excess = Math.Abs(actual[i] - expected[i]) / Tolerance(expected[i], abs, rel);
            if (double.IsNaN(excess)) excess = double.PositiveInfinity;
            if (worst < 0 || excess > worstExcess) (worst, worstExcess) = (i, excess);
        }
        return (failures, worst);
    }

    /// <summary>Whether <paramref name="actual"/> is within tolerance of <paramref name="expected"/> (the rule <see cref="Equal(double, double, double, double, string?, bool)"/> asserts).</summary>
    public static bool Within(double expected, double actual, double abs, double rel = 0, bool nanEqual = false)
    {
        if (double.IsNaN(expected) || double.IsNaN(actual)) return nanEqual && double.IsNaN(expected) && double.IsNaN(actual);
        if (double.IsInfinity(expected) || double.IsInfinity(actual)) return expected == actual;
        return Math.Abs(actual - expected) <= Tolerance(expected, abs, rel);
    }

    private static double Tolerance(double expected, double abs, double rel) => abs + rel * Math.Abs(expected);

    private static void CheckTolerance(double abs, double rel)
    {
        if (!(abs >= 0) || double.IsInfinity(abs))
            throw new ArgumentOutOfRangeException(nameof(abs), abs, "The absolute tolerance must be finite and ≥ 0; pass 0 to rely on rel alone.");
        if (!(rel >= 0) || double.IsInfinity(rel))
            throw new ArgumentOutOfRangeException(nameof(rel), rel, "The relative tolerance must be finite and ≥ 0; pass 0 to rely on abs alone.");
    }

    private static string Prefix(string? because) => string.IsNullOrEmpty(because) ? "" : because + ": ";

    private static string Describe(double expected, double actual, double abs, double rel, string? because)
    {
        string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        return $"{Prefix(because)}expected {R(expected)}, actual {R(actual)}, difference {R(Math.Abs(actual - expected))} "
               + $"exceeds tolerance {R(Tolerance(expected, abs, rel))} (abs {R(abs)} + rel {R(rel)}·|expected|)";
    }
}

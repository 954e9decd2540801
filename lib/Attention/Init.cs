using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>
/// Deterministic random matrices. Each uses <c>new System.Random(seed)</c> (whose seeded sequence is
/// fixed across machines and .NET versions) and the Box–Muller transform for normals, filling the
/// matrix row by row, so the same seed gives the same matrix everywhere.
/// </summary>
public static class Init
{
    /// <summary>A <c>[rows, cols]</c> matrix of independent normal samples with mean 0.</summary>
    /// <param name="rows">Number of rows.</param>
    /// <param name="cols">Number of columns.</param>
    /// <param name="seed">Seed for <see cref="System.Random"/>.</param>
    /// <param name="std">Standard deviation (≥ 0).</param>
    /// <returns>The matrix.</returns>
    public static Matrix<double> Normal(int rows, int cols, int seed, double std = 1.0)
    {
        Check.NonNegative(rows, nameof(rows));
        Check.NonNegative(cols, nameof(cols));
        if (!(std >= 0) || double.IsInfinity(std))
            throw new ArgumentOutOfRangeException(nameof(std), std, $"The standard deviation must be finite and ≥ 0, but it is {std}.");
        var data = Check.Allocate<double>(rows, cols, nameof(rows), "The matrix");
        FillNormal(new Random(seed), data, std);
        return Layout.FromRowMajor(data, rows, cols);
    }

    /// <summary>A <c>[rows, cols]</c> matrix of independent uniform samples in <c>[min, max)</c>.</summary>
    /// <param name="rows">Number of rows.</param>
    /// <param name="cols">Number of columns.</param>
    /// <param name="seed">Seed for <see cref="System.Random"/>.</param>
    /// <param name="min">Lower bound (inclusive).</param>
    /// <param name="max">Upper bound (exclusive); must be ≥ <paramref name="min"/>.</param>
    /// <returns>The matrix.</returns>
    public static Matrix<double> Uniform(int rows, int cols, int seed, double min = -1.0, double max = 1.0)
    {
        Check.NonNegative(rows, nameof(rows));
        Check.NonNegative(cols, nameof(cols));
        if (!double.IsFinite(min) || !double.IsFinite(max) || max < min)
            throw new ArgumentOutOfRangeException(nameof(max), $"The range [{min}, {max}) must be finite with min ≤ max.");
        var rng = new Random(seed);
        var data = Check.Allocate<double>(rows, cols, nameof(rows), "The matrix");
        for (int i = 0; i < data.Length; i++) data[i] = min + (max - min) * rng.NextDouble();
        return Layout.FromRowMajor(data, rows, cols);
    }

    /// <summary>
    /// A <c>[fanIn, fanOut]</c> weight matrix (applied as <c>X·W</c>) with Xavier/Glorot-normal scale
    /// <c>std = √(2 / (fanIn + fanOut))</c>, which keeps activations and gradients at a similar scale.
    /// </summary>
    /// <param name="fanIn">Input size (rows).</param>
    /// <param name="fanOut">Output size (columns).</param>
    /// <param name="seed">Seed for <see cref="System.Random"/>.</param>
    /// <returns>The matrix.</returns>
    public static Matrix<double> Glorot(int fanIn, int fanOut, int seed)
    {
        Check.Positive(fanIn, nameof(fanIn));
        Check.Positive(fanOut, nameof(fanOut));
        return Normal(fanIn, fanOut, seed, Math.Sqrt(2.0 / (fanIn + fanOut)));
    }

    /// <summary>Fills <paramref name="data"/> with normal samples (Box–Muller, both outputs used).</summary>
    internal static void FillNormal(Random rng, Span<double> data, double std)
    {
        for (int i = 0; i < data.Length; i += 2)
        {
            double u1 = 1.0 - rng.NextDouble(); // (0, 1], so the log is finite
            double u2 = rng.NextDouble();
            double radius = Math.Sqrt(-2.0 * Math.Log(u1));
            double angle = 2.0 * Math.PI * u2;
            data[i] = std * radius * Math.Cos(angle);
            if (i + 1 < data.Length) data[i + 1] = std * radius * Math.Sin(angle);
        }
    }
}

using System.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>
/// Rotary position embedding (RoPE, Su et al. 2021, RoFormer): rotate each pair of features
/// <c>(2i, 2i+1)</c> of the token at position <c>pos</c> by the angle <c>pos · base^(−2i/d)</c>.
/// Applied to queries and keys (not values), it makes <c>⟨R(q, m), R(k, n)⟩</c> depend only on
/// <c>m − n</c>: the relative position enters the scores directly.
/// </summary>
/// <remarks>Uses the interleaved pairing of the paper, (0,1), (2,3), …; some libraries pair
/// (i, i + d/2) instead, which is a permutation of the features.</remarks>
public static class Rotary
{
    /// <summary>Returns a rotated copy of <paramref name="x"/>; row r is the token at position
    /// <c>startPosition + r</c>.</summary>
    /// <param name="x">Tokens <c>[n, d]</c>, d even.</param>
    /// <param name="startPosition">Position of the first row (e.g. the cache length when decoding).</param>
    /// <param name="base">The frequency base; 10000 in RoFormer.</param>
    /// <returns>The rotated tokens, same shape.</returns>
    public static Matrix<double> Apply(Matrix<double> x, int startPosition = 0, double @base = 10000.0)
    {
        Check.NotNull(x, nameof(x));
        CheckArgs(x.ColumnCount, startPosition, @base, $"x is {Check.Shape(x)}");
        var data = Layout.ToRowMajor(x);
        Kernel<double>(data, data, x.RowCount, x.ColumnCount, startPosition, @base);
        return Layout.FromRowMajor(data, x.RowCount, x.ColumnCount);
    }

    /// <summary>Rotates row-major <c>[rows, cols]</c> tokens into <paramref name="y"/> (in place allowed).
    /// Angles are computed in double.</summary>
    /// <param name="x">Tokens, row-major.</param>
    /// <param name="y">Destination, same length.</param>
    /// <param name="rows">Number of tokens.</param>
    /// <param name="cols">Features per token (even).</param>
    /// <param name="startPosition">Position of the first row.</param>
    /// <param name="base">The frequency base.</param>
    public static void Apply(ReadOnlySpan<float> x, Span<float> y, int rows, int cols, int startPosition = 0, double @base = 10000.0)
    {
        CheckSpans(x.Length, y.Length, rows, cols, startPosition, @base);
        Kernel(x, y, rows, cols, startPosition, @base);
    }

    /// <inheritdoc cref="Apply(ReadOnlySpan{float}, Span{float}, int, int, int, double)"/>
    public static void Apply(ReadOnlySpan<double> x, Span<double> y, int rows, int cols, int startPosition = 0, double @base = 10000.0)
    {
        CheckSpans(x.Length, y.Length, rows, cols, startPosition, @base);
        Kernel(x, y, rows, cols, startPosition, @base);
    }

    private static void CheckSpans(int xLength, int yLength, int rows, int cols, int startPosition, double @base)
    {
        Check.Span(xLength, rows, cols, "x");
        Check.Span(yLength, rows, cols, "y");
        CheckArgs(cols, startPosition, @base, $"x is {Check.Shape(rows, cols)}");
    }

    private static void CheckArgs(int cols, int startPosition, double @base, string shape)
    {
        if (cols % 2 != 0 || cols == 0)
            throw new ArgumentException(
                $"{shape}: rotary embedding rotates pairs of features, so the feature count must be even and at least 2, but it is {cols}.", "x");
        Check.NonNegative(startPosition, nameof(startPosition));
        Check.Base(@base);
    }

    private static void Kernel<T>(ReadOnlySpan<T> x, Span<T> y, int rows, int cols, int startPosition, double @base)
        where T : IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            long pos = (long)startPosition + r;
            int o = r * cols;
            for (int c = 0; c < cols; c += 2)
            {
                double angle = pos * Math.Pow(@base, -(double)c / cols);
                T cos = T.CreateChecked(Math.Cos(angle)), sin = T.CreateChecked(Math.Sin(angle));
                T a = x[o + c], b = x[o + c + 1];
                y[o + c] = a * cos - b * sin;
                y[o + c + 1] = a * sin + b * cos;
            }
        }
    }
}

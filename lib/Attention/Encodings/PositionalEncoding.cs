using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>
/// Fixed positional encodings: the sinusoidal table of Vaswani et al. 2017, the rotation that shifts it,
/// and the article's (erroneous) formula read literally, for comparison.
/// </summary>
/// <remarks>
/// Sinusoidal: <c>PE[pos, 2i] = sin(pos / base^(2i/d_model))</c>, <c>PE[pos, 2i+1] = cos(pos / base^(2i/d_model))</c>,
/// rows are positions, columns are dimensions. Each pair (2i, 2i+1) is a point on a circle turning at its own
/// frequency <c>ω_i = base^(−2i/d_model)</c>, so moving k positions is a fixed rotation of every pair
/// (see <see cref="RotationFor(int, int, double)"/>).
/// </remarks>
public static class PositionalEncoding
{
    /// <summary>The sinusoidal encoding table <c>[positions, dModel]</c>. An odd <paramref name="dModel"/> is
    /// allowed: the last column is then a sine with no cosine partner.</summary>
    /// <param name="positions">Number of positions (rows), starting at 0.</param>
    /// <param name="dModel">Model width (columns).</param>
    /// <param name="base">The wavelength base; 10000 in the Transformer.</param>
    /// <returns>The table.</returns>
    public static Matrix<double> Sinusoidal(int positions, int dModel, double @base = 10000.0)
    {
        var data = new double[CheckTable(positions, dModel, @base)];
        if (data.Length > 0) Fill<double>(data, positions, dModel, @base);
        return Layout.FromRowMajor(data, positions, dModel);
    }

    /// <summary>Writes the sinusoidal table row-major into <paramref name="dest"/> (<c>positions × dModel</c> values).
    /// Angles are computed in double and rounded once.</summary>
    /// <param name="dest">Destination, row-major <c>[positions, dModel]</c>.</param>
    /// <param name="positions">Number of positions.</param>
    /// <param name="dModel">Model width.</param>
    /// <param name="base">The wavelength base.</param>
    public static void Sinusoidal(Span<float> dest, int positions, int dModel, double @base = 10000.0)
    {
        Check.Span(dest.Length, positions, dModel, nameof(dest));
        CheckTable(positions, dModel, @base);
        Fill(dest, positions, dModel, @base);
    }

    /// <inheritdoc cref="Sinusoidal(Span{float}, int, int, double)"/>
    public static void Sinusoidal(Span<double> dest, int positions, int dModel, double @base = 10000.0)
    {
        Check.Span(dest.Length, positions, dModel, nameof(dest));
        CheckTable(positions, dModel, @base);
        Fill(dest, positions, dModel, @base);
    }

    /// <summary>The angular frequency of column <paramref name="column"/>: <c>base^(−2i/dModel)</c> with <c>i = column / 2</c>.</summary>
    /// <param name="column">Dimension index (0-based).</param>
    /// <param name="dModel">Model width.</param>
    /// <param name="base">The wavelength base.</param>
    /// <returns>Radians per position; the wavelength is <c>2π / frequency</c>.</returns>
    public static double Frequency(int column, int dModel, double @base = 10000.0)
        => Math.Pow(@base, -2.0 * (column / 2) / dModel);

    /// <summary>
    /// The article's formula (erratum 1) read literally: <c>PE(i, d) = sin(1000^(−2i/d) / 1000)</c> for even
    /// <c>d</c> and <c>cos(…)</c> for odd <c>d</c>, with i = position (row) and d = dimension index (column).
    /// Every sine is within 0.001 of 0 and every cosine within 1e-6 of 1: it carries almost no position
    /// information. <b>Column 0 is NaN</b>: <c>d = 0</c> divides by zero, and rather than pick a value we
    /// return NaN for the whole column so the problem stays visible. For teaching; use <see cref="Sinusoidal(int, int, double)"/>.
    /// </summary>
    /// <param name="positions">Number of positions (rows).</param>
    /// <param name="dModel">Number of dimensions (columns).</param>
    /// <returns>The table <c>[positions, dModel]</c>.</returns>
    public static Matrix<double> ArticleFormula(int positions, int dModel)
    {
        CheckTable(positions, dModel, 1000);
        return Matrix<double>.Build.Dense(positions, dModel, (i, d) =>
        {
            if (d == 0) return double.NaN;
            double arg = Math.Pow(1000.0, -2.0 * i / d) / 1000.0;
            return d % 2 == 0 ? Math.Sin(arg) : Math.Cos(arg);
        });
    }

    /// <summary>
    /// The block-diagonal rotation <c>M_k</c> that moves the sinusoidal encoding <paramref name="offset"/> positions:
    /// as column vectors <c>PE[pos + k]ᵀ = M_k · PE[pos]ᵀ</c> for every pos, i.e. in our row layout
    /// <c>PE[pos + k] = PE[pos] · M_kᵀ</c>. Block i acts on the pair (sin, cos) of column 2i, 2i+1 as
    /// <c>[[cos kω_i, sin kω_i], [−sin kω_i, cos kω_i]]</c>. It depends on k only, not on pos.
    /// <paramref name="dModel"/> must be even: an unpaired sine cannot be shifted linearly.
    /// </summary>
    /// <param name="offset">The shift k (may be negative).</param>
    /// <param name="dModel">Model width (even).</param>
    /// <param name="base">The wavelength base.</param>
    /// <returns>A <c>[dModel, dModel]</c> orthogonal matrix.</returns>
    public static Matrix<double> RotationFor(int offset, int dModel, double @base = 10000.0)
    {
        Check.Positive(dModel, nameof(dModel));
        Check.Base(@base);
        if (dModel % 2 != 0)
            throw new ArgumentException(
                $"d_model = {dModel} is odd: the last sine column has no cosine partner, so no fixed matrix shifts it. Use an even d_model.",
                nameof(dModel));
        Check.Elements(dModel, dModel, nameof(dModel), "The rotation (d_model × d_model)");
        var m = Matrix<double>.Build.Dense(dModel, dModel);
        for (int c = 0; c < dModel; c += 2)
        {
            double angle = offset * Frequency(c, dModel, @base);
            double cos = Math.Cos(angle), sin = Math.Sin(angle);
            m[c, c] = cos; m[c, c + 1] = sin;
            m[c + 1, c] = -sin; m[c + 1, c + 1] = cos;
        }
        return m;
    }

    private static int CheckTable(int positions, int dModel, double @base)
    {
        Check.NonNegative(positions, nameof(positions));
        Check.Positive(dModel, nameof(dModel));
        Check.Base(@base);
        return Check.Elements(positions, dModel, nameof(positions), "The encoding table (positions × d_model)");
    }

    /// <summary>The table, row by row: the angles <c>pos·ω_c</c> in double, then four columns (two sin–cos pairs) at a time with
    /// the vector <c>SinCos</c>, rows spread over threads; the plain per-value loop without vector hardware.</summary>
    internal static void Fill<T>(Span<T> dest, int positions, int dModel, double @base) where T : IFloatingPointIeee754<T>
    {
        if (!Simd.Use256 || positions == 0) FillSimple(dest, positions, dModel, @base);
        else if (typeof(T) == typeof(double)) FillFast(RowSoftmax.Cast<T, double>(dest), positions, dModel, @base);
        else if (typeof(T) == typeof(float)) FillFast(RowSoftmax.Cast<T, float>(dest), positions, dModel, @base);
        else FillSimple(dest, positions, dModel, @base);
    }

    private static unsafe void FillFast<T>(Span<T> dest, int positions, int dModel, double @base) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var freq = new double[dModel];
        for (int c = 0; c < dModel; c++) freq[c] = Frequency(c, dModel, @base);
        int rowsPerBlock = Math.Max(1, 8192 / dModel);
        int blocks = (positions + rowsPerBlock - 1) / rowsPerBlock;
        fixed (T* pd = dest)
        {
            T* dp = pd;
            Simd.For(blocks, 40.0 * positions * dModel, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (int b) =>
            {
                int p0 = b * rowsPerBlock, p1 = Math.Min(positions, p0 + rowsPerBlock);
                Span<double> row = dModel <= 1024 ? stackalloc double[dModel] : new double[dModel];
                for (int pos = p0; pos < p1; pos++)
                {
                    SinCosRow(freq, pos, row);
                    var to = new Span<T>(dp + (long)pos * dModel, dModel);
                    if (typeof(T) == typeof(double)) row.CopyTo(RowSoftmax.Cast<T, double>(to));
                    else for (int c = 0; c < dModel; c++) to[c] = T.CreateTruncating(row[c]);
                }
            });
        }
    }

    /// <summary>One row: the angles of four column pairs at a time, one vector <c>SinCos</c> for all of them, then the
    /// sines and cosines interleaved into columns (2i, 2i + 1).</summary>
    private static void SinCosRow(double[] freq, int pos, Span<double> row)
    {
        int pairs = row.Length / 2, i = 0;
        var p = Vector256.Create((double)pos);
        for (; i + 4 <= pairs; i += 4)
        {
            var angle = p * Vector256.Create(freq[2 * i], freq[2 * i + 2], freq[2 * i + 4], freq[2 * i + 6]);
            var (sin, cos) = Vector256.SinCos(angle);
            if (System.Runtime.Intrinsics.X86.Avx.IsSupported)
            {
                var low = System.Runtime.Intrinsics.X86.Avx.UnpackLow(sin, cos);   // s0 c0 | s2 c2
                var high = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(sin, cos); // s1 c1 | s3 c3
                System.Runtime.Intrinsics.X86.Avx.Permute2x128(low, high, 0x20).CopyTo(row[(2 * i)..]);
                System.Runtime.Intrinsics.X86.Avx.Permute2x128(low, high, 0x31).CopyTo(row[(2 * i + 4)..]);
            }
            else
                for (int j = 0; j < 4; j++) { row[2 * (i + j)] = sin[j]; row[2 * (i + j) + 1] = cos[j]; }
        }
        for (; i < pairs; i++)
        {
            double angle = pos * freq[2 * i];
            row[2 * i] = Math.Sin(angle);
            row[2 * i + 1] = Math.Cos(angle);
        }
        if (row.Length % 2 == 1) row[^1] = Math.Sin(pos * freq[^1]); // an odd width ends with an unpaired sine
    }

    /// <summary>The plain per-value loop the fast fill replaced; the reference it is tested and measured against.</summary>
    internal static void FillSimple<T>(Span<T> dest, int positions, int dModel, double @base) where T : IFloatingPointIeee754<T>
    {
        Span<double> freq = dModel <= 1024 ? stackalloc double[dModel] : new double[dModel];
        for (int c = 0; c < dModel; c++) freq[c] = Frequency(c, dModel, @base);
        for (int pos = 0; pos < positions; pos++)
        {
            var row = dest.Slice(pos * dModel, dModel);
            for (int c = 0; c < dModel; c++)
            {
                double angle = pos * freq[c];
                row[c] = T.CreateChecked(c % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        }
    }
}

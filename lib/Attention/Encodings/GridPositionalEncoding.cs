using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>
/// Two-dimensional sinusoidal positional encoding for a grid of image patches (as in DETR, Carion et al. 2020):
/// the first half of each vector is the 1-D sinusoidal encoding of the patch's <b>row</b>, the second half that
/// of its <b>column</b>, each of width <c>d_model / 2</c>. Patch <c>(r, c)</c> of a <c>rows × cols</c> grid is
/// row <c>p = r · cols + c</c> of the table (row-major reading order, the way patches are flattened into tokens).
/// </summary>
/// <remarks>
/// Because each half is a sinusoidal encoding, the dot product of two patches' encodings depends only on
/// their row offset and their column offset: <c>PE(r,c)·PE(r',c') = f(r − r') + f(c − c')</c> with
/// <c>f(k) = Σ_i cos(k·ω_i)</c>. A 1-D encoding of the flattened index <c>p</c> instead makes a patch's
/// neighbour below look <c>cols</c> positions away.
/// </remarks>
public static class GridPositionalEncoding
{
    /// <summary>The table <c>[rows · cols, dModel]</c>: row <c>r · cols + c</c> is
    /// <c>[Sinusoidal(r) | Sinusoidal(c)]</c> with <see cref="PositionalEncoding.Sinusoidal(int, int, double)"/> of width <c>dModel / 2</c>.</summary>
    /// <param name="rows">Patch rows of the grid (≥ 1).</param>
    /// <param name="cols">Patch columns of the grid (≥ 1).</param>
    /// <param name="dModel">Model width; a multiple of 4, so each half has whole (sin, cos) pairs.</param>
    /// <param name="base">The wavelength base of both halves.</param>
    /// <returns>The table, one row per patch in reading order.</returns>
    public static Matrix<double> Sinusoidal(int rows, int cols, int dModel, double @base = 10000.0)
    {
        Check.Positive(rows, nameof(rows));
        Check.Positive(cols, nameof(cols));
        Check.Positive(dModel, nameof(dModel));
        if (dModel % 4 != 0)
            throw new ArgumentException(
                $"d_model = {dModel}: the 2-D encoding gives half the width to rows and half to columns, each made of (sin, cos) pairs, so d_model must be a multiple of 4.",
                nameof(dModel));
        Check.Elements((long)rows * cols, dModel, nameof(rows), "The table (patches × d_model)");
        int half = dModel / 2;
        var rowCodes = PositionalEncoding.Sinusoidal(rows, half, @base);
        var colCodes = PositionalEncoding.Sinusoidal(cols, half, @base);
        return Matrix<double>.Build.Dense(rows * cols, dModel, (p, d) =>
            d < half ? rowCodes[p / cols, d] : colCodes[p % cols, d - half]);
    }

    /// <summary>Labels <c>"r,c"</c> for the patches in reading order, e.g. for heatmap axes.</summary>
    /// <param name="rows">Patch rows.</param>
    /// <param name="cols">Patch columns.</param>
    /// <returns><c>rows · cols</c> labels.</returns>
    public static string[] PatchLabels(int rows, int cols)
    {
        Check.Positive(rows, nameof(rows));
        Check.Positive(cols, nameof(cols));
        return Enumerable.Range(0, rows * cols).Select(p => $"{p / cols},{p % cols}").ToArray();
    }

    /// <summary>Lays one value per patch (reading order) back out as the <c>[rows, cols]</c> grid.</summary>
    /// <param name="values">One value per patch, <c>rows · cols</c> of them.</param>
    /// <param name="rows">Patch rows.</param>
    /// <param name="cols">Patch columns.</param>
    /// <returns>The grid: entry (r, c) is <c>values[r · cols + c]</c>.</returns>
    public static Matrix<double> ToGrid(IReadOnlyList<double> values, int rows, int cols)
    {
        Check.NotNull(values, nameof(values));
        Check.Positive(rows, nameof(rows));
        Check.Positive(cols, nameof(cols));
        if (values.Count != rows * cols)
            throw new ArgumentException($"There are {values.Count} values but a {rows}×{cols} grid has {rows * cols} patches.", nameof(values));
        return Matrix<double>.Build.Dense(rows, cols, (r, c) => values[r * cols + c]);
    }
}

using MathNet.Numerics.LinearAlgebra;

namespace Attention.Training;

/// <summary>
/// A row-major <c>[rows, cols]</c> block of doubles: the activations and gradients that flow through a
/// training graph. Row i is token i, as everywhere in the library. It is a thin wrapper over one array so that
/// the forward and backward passes can use the span kernels without converting layouts at every step.
/// </summary>
public sealed class RowMatrix
{
    /// <summary>Wraps <paramref name="data"/> (not copied) as a <c>[rows, cols]</c> matrix.</summary>
    /// <param name="rows">Number of rows (tokens).</param>
    /// <param name="cols">Number of columns (features).</param>
    /// <param name="data">Row-major values; must hold exactly <c>rows × cols</c> entries.</param>
    public RowMatrix(int rows, int cols, double[] data)
    {
        Check.NotNull(data, nameof(data));
        Check.Span(data.Length, rows, cols, nameof(data));
        Rows = rows;
        Cols = cols;
        Data = data;
    }

    /// <summary>A <c>[rows, cols]</c> matrix of zeros.</summary>
    /// <param name="rows">Number of rows.</param>
    /// <param name="cols">Number of columns.</param>
    public RowMatrix(int rows, int cols) : this(rows, cols, Zeros(rows, cols)) { }

    private static double[] Zeros(int rows, int cols)
    {
        Check.NonNegative(rows, nameof(rows));
        Check.NonNegative(cols, nameof(cols));
        return Check.Allocate<double>(rows, cols, nameof(rows), "The matrix");
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Cols { get; }

    /// <summary>The values, row-major (entry (r, c) is <c>Data[r · Cols + c]</c>).</summary>
    public double[] Data { get; }

    /// <summary>Entry (r, c).</summary>
    /// <param name="r">Row.</param>
    /// <param name="c">Column.</param>
    public double this[int r, int c]
    {
        get => Data[r * Cols + c];
        set => Data[r * Cols + c] = value;
    }

    /// <summary>Row <paramref name="r"/> as a span over <see cref="Data"/>.</summary>
    /// <param name="r">Row index.</param>
    /// <returns>The row's <see cref="Cols"/> values.</returns>
    public Span<double> Row(int r) => Data.AsSpan(r * Cols, Cols);

    /// <summary>"rows×cols", for error messages.</summary>
    public string Shape => Check.Shape(Rows, Cols);

    /// <summary>A copy.</summary>
    /// <returns>A new matrix with the same values.</returns>
    public RowMatrix Clone() => new(Rows, Cols, (double[])Data.Clone());

    /// <summary>Copies a MathNet matrix into row-major form.</summary>
    /// <param name="m">The matrix.</param>
    /// <returns>The same values, row-major.</returns>
    public static RowMatrix From(Matrix<double> m)
    {
        Check.NotNull(m, nameof(m));
        return new RowMatrix(m.RowCount, m.ColumnCount, Layout.ToRowMajor(m));
    }

    /// <summary>Copies the values into a MathNet matrix (for charts and the readable face of the library).</summary>
    /// <returns>A new dense matrix.</returns>
    public Matrix<double> ToMatrix() => Layout.FromRowMajor(Data, Rows, Cols);
}

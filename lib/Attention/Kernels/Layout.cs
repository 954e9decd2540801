using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>
/// The one place where MathNet's column-major dense matrices meet the library's row-major
/// <c>[tokens, features]</c> spans. Every matrix overload converts once on the way in and once
/// on the way out.
/// </summary>
internal static class Layout
{
    /// <summary>Copies <paramref name="m"/> into a new row-major array.</summary>
    public static double[] ToRowMajor(Matrix<double> m)
    {
        int rows = m.RowCount, cols = m.ColumnCount;
        var result = Check.Allocate<double>(rows, cols, "m", "A row-major copy of the matrix");
        if (m.Storage is MathNet.Numerics.LinearAlgebra.Storage.DenseColumnMajorMatrixStorage<double> dense)
        {
            double[] src = dense.Data;
            for (int c = 0; c < cols; c++)
            {
                int offset = c * rows;
                for (int r = 0; r < rows; r++) result[r * cols + c] = src[offset + r];
            }
        }
        else
        {
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) result[r * cols + c] = m[r, c];
        }
        return result;
    }

    /// <summary>Builds a dense matrix from a row-major span.</summary>
    public static Matrix<double> FromRowMajor(ReadOnlySpan<double> data, int rows, int cols)
    {
        var colMajor = Check.Allocate<double>(rows, cols, nameof(rows), "The matrix");
        for (int r = 0; r < rows; r++)
        {
            var row = data.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++) colMajor[c * rows + r] = row[c];
        }
        return Matrix<double>.Build.Dense(rows, cols, colMajor);
    }

    /// <summary>Copies a <c>bool[,]</c> (already row-major in .NET) into a flat array.</summary>
    public static bool[] Flatten(bool[,] mask)
    {
        int rows = mask.GetLength(0), cols = mask.GetLength(1);
        var flat = Check.Allocate<bool>(rows, cols, nameof(mask), "A flat copy of the mask");
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) flat[r * cols + c] = mask[r, c];
        return flat;
    }
}

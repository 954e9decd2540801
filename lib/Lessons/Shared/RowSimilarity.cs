using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>Similarity of the rows of a table (encodings, embeddings) to one of its rows.</summary>
public static class RowSimilarity
{
    /// <summary>The cosine similarity of every row of <paramref name="table"/> to row <paramref name="index"/>:
    /// <c>t_j · t_index / (|t_j| |t_index|)</c>, 1 for the row itself. A zero row gives NaN.</summary>
    /// <param name="table">Rows to compare, <c>[rows, features]</c>.</param>
    /// <param name="index">The reference row.</param>
    /// <returns>One cosine per row.</returns>
    public static double[] CosineTo(Matrix<double> table, int index)
    {
        var dots = DotTo(table, index);
        double self = table.Row(index).L2Norm();
        return dots.Select((d, j) => d / (table.Row(j).L2Norm() * self)).ToArray();
    }

    /// <summary>The dot product of every row of <paramref name="table"/> with row <paramref name="index"/>.</summary>
    /// <param name="table">Rows to compare, <c>[rows, features]</c>.</param>
    /// <param name="index">The reference row.</param>
    /// <returns>One dot product per row.</returns>
    public static double[] DotTo(Matrix<double> table, int index)
    {
        Check.NotNull(table, nameof(table));
        if (index < 0 || index >= table.RowCount)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The table is {Check.Shape(table)}, so index must be between 0 and {table.RowCount - 1}, but it is {index}.");
        return (table * table.Row(index)).ToArray();
    }
}

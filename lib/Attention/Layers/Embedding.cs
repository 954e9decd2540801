using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>Token embeddings: row <c>id</c> of a <c>[vocabulary, dModel]</c> table is the vector for token <c>id</c>.
/// This looks up token <i>values</i>; it is not a positional encoding (see erratum 9).</summary>
public static class Embedding
{
    /// <summary>The rows of <paramref name="table"/> for <paramref name="ids"/>, in order: <c>[ids.Length, dModel]</c>.</summary>
    /// <param name="table">The embedding table <c>[vocabulary, dModel]</c>.</param>
    /// <param name="ids">Token ids, each in <c>0 … vocabulary − 1</c>.</param>
    /// <returns>One row per id.</returns>
    public static Matrix<double> Lookup(Matrix<double> table, int[] ids)
    {
        Check.NotNull(table, nameof(table));
        Check.NotNull(ids, nameof(ids));
        for (int t = 0; t < ids.Length; t++)
            if (ids[t] < 0 || ids[t] >= table.RowCount)
                throw new ArgumentOutOfRangeException(nameof(ids), ids[t],
                    $"Token {t} has id {ids[t]} but the table is {Check.Shape(table)}: ids must be between 0 and {table.RowCount - 1}.");
        return Matrix<double>.Build.Dense(ids.Length, table.ColumnCount, (t, c) => table[ids[t], c]);
    }
}

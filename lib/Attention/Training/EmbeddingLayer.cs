namespace Attention.Training;

/// <summary>
/// A trainable token embedding: row <c>id</c> of a <c>[vocabulary, dModel]</c> table is the vector of token <c>id</c>
/// (the lookup of <see cref="Embedding.Lookup"/>). Backward adds each output row's gradient to the row it was read from,
/// so a token that occurs twice collects both gradients. A token may also be made of several parts (for example the
/// entry <c>c:7</c> of the key <c>c</c> and the value <c>7</c>): its vector is then the sum of its parts' rows, and each
/// part's row receives the token's whole gradient.
/// </summary>
public sealed class EmbeddingLayer
{
    private int[][]? _parts;

    /// <summary>Creates a table of normal samples (<see cref="Init.Normal"/>).</summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="vocabulary">Number of tokens.</param>
    /// <param name="dModel">Vector width.</param>
    /// <param name="seed">Seed for the initial values.</param>
    /// <param name="std">Standard deviation of the initial values.</param>
    public EmbeddingLayer(string name, int vocabulary, int dModel, int seed, double std = 1.0)
    {
        Check.Positive(vocabulary, nameof(vocabulary));
        Check.Positive(dModel, nameof(dModel));
        Table = new Parameter(name, RowMatrix.From(Init.Normal(vocabulary, dModel, seed, std)));
    }

    /// <summary>The table <c>[vocabulary, dModel]</c>.</summary>
    public Parameter Table { get; }

    /// <summary>Number of tokens in the vocabulary.</summary>
    public int Vocabulary => Table.Value.Rows;

    /// <summary>Vector width.</summary>
    public int DModel => Table.Value.Cols;

    /// <summary>The rows for <paramref name="ids"/>, in order.</summary>
    /// <param name="ids">Token ids, each in <c>0 … vocabulary − 1</c>.</param>
    /// <returns><c>[ids.Length, dModel]</c>.</returns>
    public RowMatrix Forward(int[] ids)
    {
        Check.NotNull(ids, nameof(ids));
        return Forward(ids.Select(id => new[] { id }).ToArray());
    }

    /// <summary>One vector per token, each the sum of the rows of its parts.</summary>
    /// <param name="parts">For each token, the ids of its parts (at least one), each in <c>0 … vocabulary − 1</c>.</param>
    /// <returns><c>[parts.Length, dModel]</c>.</returns>
    public RowMatrix Forward(int[][] parts)
    {
        Check.NotNull(parts, nameof(parts));
        var y = new RowMatrix(parts.Length, DModel);
        for (int t = 0; t < parts.Length; t++)
        {
            if (parts[t] is null || parts[t].Length == 0)
                throw new ArgumentException($"Token {t} has no parts: every token needs at least one row of the table.", nameof(parts));
            foreach (int id in parts[t])
            {
                if (id < 0 || id >= Vocabulary)
                    throw new ArgumentOutOfRangeException(nameof(parts), id,
                        $"Token {t} has id {id} but the table is {Table.Value.Shape}: ids must be between 0 and {Vocabulary - 1}.");
                var row = y.Row(t);
                System.Numerics.Tensors.TensorPrimitives.Add(row, Table.Value.Row(id), row);
            }
        }
        _parts = parts;
        return y;
    }

    /// <summary>Adds row t of <paramref name="dy"/> to the gradient of every row token t was made of.</summary>
    /// <param name="dy"><c>∂loss/∂Y</c>, one row per token.</param>
    public void Backward(RowMatrix dy)
    {
        var parts = _parts ?? throw new InvalidOperationException("Backward needs a Forward first.");
        Check.NotNull(dy, nameof(dy));
        if (dy.Rows != parts.Length || dy.Cols != DModel)
            throw new ArgumentException($"The gradient is {dy.Shape} but the output was {Check.Shape(parts.Length, DModel)}.", nameof(dy));
        for (int t = 0; t < parts.Length; t++)
            foreach (int id in parts[t])
            {
                var g = Table.Gradient.Row(id);
                System.Numerics.Tensors.TensorPrimitives.Add(g, dy.Row(t), g);
            }
    }
}

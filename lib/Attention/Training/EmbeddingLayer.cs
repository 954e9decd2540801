namespace Attention.Training;

/// <summary>
/// A trainable token embedding: row <c>id</c> of a <c>[vocabulary, dModel]</c> table is the vector of token <c>id</c>
/// (the lookup of <see cref="Embedding.Lookup"/>). Backward adds each output row's gradient to the row it was read from,
/// so a token that occurs twice collects both gradients.
/// </summary>
public sealed class EmbeddingLayer
{
    private int[]? _ids;

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
        var y = new RowMatrix(ids.Length, DModel);
        for (int t = 0; t < ids.Length; t++)
        {
            if (ids[t] < 0 || ids[t] >= Vocabulary)
                throw new ArgumentOutOfRangeException(nameof(ids), ids[t],
                    $"Token {t} has id {ids[t]} but the table is {Table.Value.Shape}: ids must be between 0 and {Vocabulary - 1}.");
            Table.Value.Row(ids[t]).CopyTo(y.Row(t));
        }
        _ids = ids;
        return y;
    }

    /// <summary>Adds row t of <paramref name="dy"/> to the gradient of row <c>ids[t]</c>.</summary>
    /// <param name="dy"><c>∂loss/∂Y</c>, <c>[ids.Length, dModel]</c>.</param>
    public void Backward(RowMatrix dy)
    {
        var ids = _ids ?? throw new InvalidOperationException("Backward needs a Forward first.");
        Check.NotNull(dy, nameof(dy));
        if (dy.Rows != ids.Length || dy.Cols != DModel)
            throw new ArgumentException($"The gradient is {dy.Shape} but the output was {Check.Shape(ids.Length, DModel)}.", nameof(dy));
        for (int t = 0; t < ids.Length; t++)
        {
            var g = Table.Gradient.Row(ids[t]);
            System.Numerics.Tensors.TensorPrimitives.Add(g, dy.Row(t), g);
        }
    }
}

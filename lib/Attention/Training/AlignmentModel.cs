using MathNet.Numerics.LinearAlgebra;

namespace Attention.Training;

/// <summary>The shape of an <see cref="AlignmentModel"/>.</summary>
/// <param name="DModel">Width of every token vector.</param>
/// <param name="Heads">Attention heads (must divide <paramref name="DModel"/>).</param>
/// <param name="Hidden">Width of the feed-forward block's hidden layer.</param>
/// <param name="Positions">How source and output positions are encoded.</param>
/// <param name="Seed">Seed of every initial weight.</param>
public sealed record AlignmentModelSettings(int DModel = 32, int Heads = 1, int Hidden = 64,
    PositionScheme Positions = PositionScheme.Sinusoidal, int Seed = 1);

/// <summary>What an <see cref="AlignmentModel"/> produced for one example.</summary>
/// <param name="Output">The predicted output ids.</param>
/// <param name="Weights">The attention weights <c>[outputs, sources]</c> (the mean over heads; with one head, that head's).</param>
/// <param name="HeadWeights">Each head's weights.</param>
public sealed record AlignmentPrediction(int[] Output, Matrix<double> Weights, IReadOnlyList<Matrix<double>> HeadWeights);

/// <summary>
/// A one-layer attention model that learns an alignment: the source tokens are embedded and given positions; each
/// output position asks a query (the previous output, or the key asked for, plus its own position); one cross-attention
/// layer lets every output position gather from the source; a feed-forward block turns what it gathered into an output
/// token. Its attention weights are the learned alignment.
/// </summary>
/// <remarks>
/// <code>
/// S = embed(source) + pos          [n, d]     the encoded input (keys and values); a lookup entry c:7 is embed(c) + embed(7)
/// D = embed(queries) + pos         [T, d]     the decoder input: one row per output position
/// H = D + Attention(D·Wq, S·Wk, S·Wv)         cross-attention with a residual connection
/// Z = H + FeedForward(H)
/// logits = Z·W + b                 [T, vocabulary]
/// </code>
/// Training minimises the cross-entropy of the logits against the right outputs, with teacher forcing (the decoder reads
/// the right previous output). <see cref="Predict"/> decodes greedily, feeding back the model's own outputs.
/// </remarks>
public sealed class AlignmentModel
{
    private readonly EmbeddingLayer _sourceEmbedding;
    private readonly EmbeddingLayer _queryEmbedding;
    private readonly AddedPositions _sourcePositions;
    private readonly AddedPositions _queryPositions;
    private readonly AttentionLayer _attention;
    private readonly FeedForward _feedForward;
    private readonly LinearLayer _output;
    private readonly CrossEntropyLoss _loss = new();

    /// <summary>Creates a model for <paramref name="task"/> with weights drawn from the settings' seed.</summary>
    /// <param name="task">The task (it fixes the vocabularies and the longest sequences).</param>
    /// <param name="settings">The model's shape.</param>
    public AlignmentModel(AlignmentTask task, AlignmentModelSettings settings)
    {
        Check.NotNull(task, nameof(task));
        Check.NotNull(settings, nameof(settings));
        Task = task;
        Settings = settings;
        int d = settings.DModel, s = unchecked(settings.Seed * 100);
        _sourceEmbedding = new EmbeddingLayer("source.embedding", task.SourcePartVocabulary.Count, d, s);
        _queryEmbedding = new EmbeddingLayer("query.embedding", task.QueryVocabulary.Count, d, s + 1);
        _sourcePositions = new AddedPositions("source.positions", settings.Positions, task.MaxSourceLength, d, s + 2);
        _queryPositions = new AddedPositions("query.positions", settings.Positions, task.MaxTargetLength, d, s + 3);
        _attention = new AttentionLayer("attention", d, settings.Heads, s + 10, settings.Positions);
        _feedForward = new FeedForward("feedForward", d, settings.Hidden, s + 20);
        _output = new LinearLayer("output", d, task.TargetVocabulary.Count, s + 30);
        Parameters = [_sourceEmbedding.Table, _queryEmbedding.Table,
            .. _sourcePositions.Parameters, .. _queryPositions.Parameters,
            .. _attention.Parameters, .. _feedForward.Parameters, .. _output.Parameters];
    }

    /// <summary>The task.</summary>
    public AlignmentTask Task { get; }

    /// <summary>The model's shape.</summary>
    public AlignmentModelSettings Settings { get; }

    /// <summary>Every trainable parameter.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Number of trainable numbers.</summary>
    public int ParameterCount => Parameters.Sum(p => p.Count);

    /// <summary>The logits for every output position, given the source and the queries.</summary>
    /// <param name="source">Source ids.</param>
    /// <param name="queries">Query ids, one per output position.</param>
    /// <returns>Logits <c>[queries.Length, target vocabulary]</c>.</returns>
    public RowMatrix Forward(int[] source, int[] queries)
    {
        Check.NotNull(source, nameof(source));
        Check.NotNull(queries, nameof(queries));
        var s = _sourcePositions.Forward(_sourceEmbedding.Forward(Task.SourceParts(source)));
        var q = _queryPositions.Forward(_queryEmbedding.Forward(queries));
        var h = RowOps.Add(q, _attention.Forward(q, s));
        var z = RowOps.Add(h, _feedForward.Forward(h));
        return _output.Forward(z);
    }

    /// <summary>Forward pass and cross-entropy on one example (teacher forcing).</summary>
    /// <param name="example">An example of the task.</param>
    /// <returns>The mean cross-entropy over its outputs.</returns>
    public double Loss(TaskExample example)
    {
        Check.NotNull(example, nameof(example));
        return _loss.Forward(Forward(example.Source, example.Queries), example.Target);
    }

    /// <summary>Adds the gradient of the last <see cref="Loss"/> to every parameter's gradient.</summary>
    public void Backward()
    {
        var dz = _output.Backward(_loss.Backward());
        var dh = RowOps.Add(dz, _feedForward.Backward(dz));
        var (dq, ds) = _attention.Backward(dh);
        RowOps.AddInPlace(dq, dh);
        _queryEmbedding.Backward(_queryPositions.Backward(dq));
        _sourceEmbedding.Backward(_sourcePositions.Backward(ds));
    }

    /// <summary>Each head's attention weights <c>[outputs, sources]</c> from the last forward pass.</summary>
    public IReadOnlyList<Matrix<double>> LastHeadWeights => _attention.LastWeights.Select(w => w.ToMatrix()).ToArray();

    /// <summary>
    /// Runs the model on <paramref name="example"/>'s source as it would be used: greedy decoding, each output fed back as
    /// the next query (or, for lookup, the example's queries). Returns the outputs and the attention of the final pass.
    /// </summary>
    /// <param name="example">An example of the task (its target is not read).</param>
    /// <returns>The prediction.</returns>
    public AlignmentPrediction Predict(TaskExample example)
    {
        Check.NotNull(example, nameof(example));
        int[] output;
        if (Task.QueriesArePreviousOutputs)
        {
            var produced = new List<int>();
            for (int j = 0; j < example.Target.Length; j++)
            {
                var logits = Forward(example.Source, Task.QueriesAfter(produced));
                produced.Add(ArgMax(logits.Row(j)));
            }
            output = produced.ToArray();
            Forward(example.Source, Task.QueriesAfter(output[..^1]));
        }
        else
        {
            var logits = Forward(example.Source, example.Queries);
            output = Enumerable.Range(0, logits.Rows).Select(r => ArgMax(logits.Row(r))).ToArray();
        }
        var heads = LastHeadWeights;
        var mean = heads.Aggregate((a, b) => a + b) / heads.Count;
        return new AlignmentPrediction(output, mean, heads);
    }

    private static int ArgMax(ReadOnlySpan<double> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}

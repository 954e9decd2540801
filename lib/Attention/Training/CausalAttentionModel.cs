namespace Attention.Training;

/// <summary>The shape of a <see cref="CausalAttentionModel"/>.</summary>
/// <param name="Vocabulary">Number of token ids.</param>
/// <param name="Positions">The positional encoding under test.</param>
/// <param name="TrainedLength">The sequence length it is trained on (the rows of a learned table).</param>
/// <param name="DModel">Token width.</param>
/// <param name="Heads">Attention heads (ALiBi gives each its own slope).</param>
/// <param name="Hidden">Width of the feed-forward block's hidden layer.</param>
/// <param name="Seed">Seed of every initial weight.</param>
public sealed record CausalModelSettings(int Vocabulary, PositionScheme Positions, int TrainedLength,
    int DModel = 32, int Heads = 1, int Hidden = 64, int Seed = 1);

/// <summary>
/// A one-layer decoder-only model: every position attends to itself and the positions before it (a causal mask) and
/// predicts one token. The position scheme is the only thing that changes between the models of the shoot-out: none,
/// sinusoidal or learned vectors added to the tokens, or rotary or ALiBi inside attention.
/// </summary>
/// <remarks>
/// <code>
/// X = embed(tokens) + pos        (pos only for sinusoidal and learned)
/// H = X + CausalAttention(X)     (rotary or ALiBi act in here)
/// Z = H + FeedForward(H)
/// logits = Z·W + b
/// </code>
/// A learned table has <see cref="CausalModelSettings.TrainedLength"/> rows; on longer inputs every later position reuses the
/// last row (<see cref="AddedPositions.ClampBeyondTable"/>), the only way to run it there at all.
/// </remarks>
public sealed class CausalAttentionModel
{
    private readonly EmbeddingLayer _embedding;
    private readonly AddedPositions _positions;
    private readonly AttentionLayer _attention;
    private readonly FeedForward _feedForward;
    private readonly LinearLayer _output;
    private readonly CrossEntropyLoss _loss = new();
    private readonly Dictionary<int, bool[,]> _masks = new();

    /// <summary>Creates the model with weights drawn from the settings' seed.</summary>
    /// <param name="settings">The model's shape.</param>
    public CausalAttentionModel(CausalModelSettings settings)
    {
        Check.NotNull(settings, nameof(settings));
        Settings = settings;
        int d = settings.DModel, s = unchecked(settings.Seed * 100);
        _embedding = new EmbeddingLayer("embedding", settings.Vocabulary, d, s);
        _positions = new AddedPositions("positions", settings.Positions, settings.TrainedLength, d, s + 2) { ClampBeyondTable = true };
        _attention = new AttentionLayer("attention", d, settings.Heads, s + 10, settings.Positions);
        _feedForward = new FeedForward("feedForward", d, settings.Hidden, s + 20);
        _output = new LinearLayer("output", d, settings.Vocabulary, s + 30);
        Parameters = [_embedding.Table, .. _positions.Parameters, .. _attention.Parameters, .. _feedForward.Parameters, .. _output.Parameters];
    }

    /// <summary>The model's shape.</summary>
    public CausalModelSettings Settings { get; }

    /// <summary>Every trainable parameter.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Each head's attention weights <c>[n, n]</c> from the last forward pass.</summary>
    public IReadOnlyList<RowMatrix> LastHeadWeights => _attention.LastWeights;

    /// <summary>The logits at every position.</summary>
    /// <param name="tokens">Token ids.</param>
    /// <returns><c>[tokens.Length, vocabulary]</c>.</returns>
    public RowMatrix Forward(int[] tokens)
    {
        Check.NotNull(tokens, nameof(tokens));
        var x = _positions.Forward(_embedding.Forward(tokens));
        var h = RowOps.Add(x, _attention.Forward(x, x, CausalMask(tokens.Length)));
        var z = RowOps.Add(h, _feedForward.Forward(h));
        return _output.Forward(z);
    }

    /// <summary>Forward pass and cross-entropy against <paramref name="targets"/> (negative = not scored).</summary>
    /// <param name="tokens">Token ids.</param>
    /// <param name="targets">The right output at each position, or −1.</param>
    /// <returns>The mean loss over the scored positions.</returns>
    public double Loss(int[] tokens, int[] targets) => _loss.Forward(Forward(tokens), targets);

    /// <summary>Adds the gradient of the last <see cref="Loss"/> to every parameter's gradient.</summary>
    public void Backward()
    {
        var dz = _output.Backward(_loss.Backward());
        var dh = RowOps.Add(dz, _feedForward.Backward(dz));
        var (dq, dkv) = _attention.Backward(dh);
        RowOps.AddInPlace(dh, dq);   // x fed the residual, the queries …
        RowOps.AddInPlace(dh, dkv);  // … and the keys and values
        _embedding.Backward(_positions.Backward(dh));
    }

    /// <summary>The most likely token at every position.</summary>
    /// <param name="tokens">Token ids.</param>
    /// <returns>One predicted id per position.</returns>
    public int[] Predict(int[] tokens) => RowOps.ArgMaxRows(Forward(tokens));

    private bool[,] CausalMask(int n)
    {
        if (!_masks.TryGetValue(n, out var mask)) _masks[n] = mask = Masks.Causal(n);
        return mask;
    }
}

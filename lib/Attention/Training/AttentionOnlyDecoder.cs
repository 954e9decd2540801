namespace Attention.Training;

/// <summary>The shape of an <see cref="AttentionOnlyDecoder"/>.</summary>
/// <param name="Vocabulary">Number of token ids.</param>
/// <param name="Layers">Attention layers.</param>
/// <param name="Heads">Heads per layer.</param>
/// <param name="DModel">Width of the residual stream.</param>
/// <param name="MaxLength">Rows of a learned position table (the longest input).</param>
/// <param name="Positions">The positional encoding.</param>
/// <param name="Seed">Seed of every initial weight.</param>
public sealed record AttentionOnlySettings(int Vocabulary, int Layers = 2, int Heads = 2, int DModel = 32, int MaxLength = 64,
    PositionScheme Positions = PositionScheme.Learned, int Seed = 1);

/// <summary>
/// A causal decoder made of attention layers only: token embedding plus positions, then layers that each add their
/// output to a residual stream, then a linear read-out to the vocabulary. No feed-forward blocks and no normalisation,
/// so everything it computes is done by attention heads reading and writing the stream (the setting in which
/// Elhage et al. 2021 describe induction heads).
/// </summary>
/// <remarks>
/// <code>
/// x₀ = embed(tokens) + pos          (pos for sinusoidal and learned; rotary and ALiBi act inside attention)
/// x_{l+1} = x_l + CausalAttention_l(x_l)
/// logits = x_L·W + b
/// </code>
/// Backward: <c>dx_l = dx_{l+1} + dXq + dXkv</c> of layer l (the residual sum passes the gradient on unchanged).
/// </remarks>
public sealed class AttentionOnlyDecoder
{
    private readonly EmbeddingLayer _embedding;
    private readonly AddedPositions _positions;
    private readonly AttentionLayer[] _layers;
    private readonly LinearLayer _output;
    private readonly CrossEntropyLoss _loss = new();
    private readonly Dictionary<int, bool[,]> _masks = new();

    /// <summary>Creates the model with weights drawn from the settings' seed.</summary>
    /// <param name="settings">The model's shape.</param>
    public AttentionOnlyDecoder(AttentionOnlySettings settings)
    {
        Check.NotNull(settings, nameof(settings));
        Check.Positive(settings.Vocabulary, nameof(settings.Vocabulary));
        Check.Positive(settings.Layers, nameof(settings.Layers));
        Settings = settings;
        int d = settings.DModel, s = unchecked(settings.Seed * 100);
        _embedding = new EmbeddingLayer("embedding", settings.Vocabulary, d, s);
        _positions = new AddedPositions("positions", settings.Positions, settings.MaxLength, d, s + 2);
        _layers = Enumerable.Range(0, settings.Layers)
            .Select(l => new AttentionLayer($"layer{l}", d, settings.Heads, s + 10 + 10 * l, settings.Positions)).ToArray();
        _output = new LinearLayer("output", d, settings.Vocabulary, s + 90);
        Parameters = [_embedding.Table, .. _positions.Parameters, .. _layers.SelectMany(l => l.Parameters), .. _output.Parameters];
    }

    /// <summary>The model's shape.</summary>
    public AttentionOnlySettings Settings { get; }

    /// <summary>Every trainable parameter.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The attention layers, first to last (each exposes its heads' last weights and <see cref="AttentionLayer.AblatedHeads"/>).</summary>
    public IReadOnlyList<AttentionLayer> Layers => _layers;

    /// <summary>The logits at every position.</summary>
    /// <param name="tokens">Token ids.</param>
    /// <returns><c>[tokens.Length, vocabulary]</c>.</returns>
    public RowMatrix Forward(int[] tokens)
    {
        Check.NotNull(tokens, nameof(tokens));
        if (tokens.Length > Settings.MaxLength && Settings.Positions == PositionScheme.Learned)
            throw new ArgumentException($"The input has {tokens.Length} tokens but the learned position table has {Settings.MaxLength} rows: build the model with a larger MaxLength.", nameof(tokens));
        var x = _positions.Forward(_embedding.Forward(tokens));
        var mask = CausalMask(tokens.Length);
        foreach (var layer in _layers) x = RowOps.Add(x, layer.Forward(x, x, mask));
        return _output.Forward(x);
    }

    /// <summary>Forward pass and mean cross-entropy over the positions with a target (negative = not scored).</summary>
    /// <param name="tokens">Token ids.</param>
    /// <param name="targets">The right next token at each position, or −1.</param>
    /// <returns>The mean loss over the scored positions.</returns>
    public double Loss(int[] tokens, int[] targets) => _loss.Forward(Forward(tokens), targets);

    /// <summary>Number of positions the last <see cref="Loss"/> scored.</summary>
    public int Scored => _loss.Counted;

    /// <summary>Adds the gradient of the last <see cref="Loss"/> to every parameter's gradient.</summary>
    public void Backward()
    {
        var dx = _output.Backward(_loss.Backward());
        for (int l = _layers.Length - 1; l >= 0; l--)
        {
            var (dq, dkv) = _layers[l].Backward(dx);
            RowOps.AddInPlace(dx, dq);
            RowOps.AddInPlace(dx, dkv);
        }
        _embedding.Backward(_positions.Backward(dx));
    }

    /// <summary>The most likely next token at every position.</summary>
    /// <param name="tokens">Token ids.</param>
    /// <returns>One id per position.</returns>
    public int[] Predict(int[] tokens) => RowOps.ArgMaxRows(Forward(tokens));

    private bool[,] CausalMask(int n)
    {
        if (!_masks.TryGetValue(n, out var mask)) _masks[n] = mask = Masks.Causal(n);
        return mask;
    }
}

namespace Attention.Training;

/// <summary>Where a Transformer layer normalises (the ablations of notebook 11 switch it).</summary>
public enum NormPlacement
{
    /// <summary>Normalise each sublayer's input: <c>x + f(LN(x))</c>; the stack ends with one more LayerNorm (as GPT-2 and most models since).</summary>
    PreNorm,

    /// <summary>Normalise after the residual sum: <c>LN(x + f(x))</c> (the original Transformer, Vaswani et al. 2017).</summary>
    PostNorm,

    /// <summary>No normalisation at all: <c>x + f(x)</c>.</summary>
    None,
}

/// <summary>
/// One sublayer's wiring: where its LayerNorm sits (<see cref="NormPlacement"/>) and whether its output is added to its
/// input (the residual connection, 残差连接) or replaces it. The sublayer itself (attention or feed-forward) runs between
/// <see cref="Input"/> and <see cref="Output"/>.
/// </summary>
internal sealed class Sublayer(string name, int dModel, NormPlacement placement, bool residual)
{
    /// <summary>What a second backward of one forward pass is told: the Transformer layers release a step's activations
    /// at the end of backward, so they do not survive into the next step's collections.</summary>
    public const string BackPropagatedOnce =
        "Backward needs a Forward first: each forward pass is back-propagated once (its activations are released then), so run Forward again.";

    public LayerNorm? Norm { get; } = placement == NormPlacement.None ? null : new LayerNorm(name, dModel);

    public IReadOnlyList<Parameter> Parameters => Norm?.Parameters ?? [];

    /// <summary>What the sublayer sees: <c>LN(x)</c> before it (pre-norm), otherwise x.</summary>
    public RowMatrix Input(RowMatrix x) => placement == NormPlacement.PreNorm ? Norm!.Forward(x) : x;

    /// <summary>The sublayer's result joined to the stream: <c>x + f</c> (or f), then <c>LN(·)</c> for post-norm.</summary>
    public RowMatrix Output(RowMatrix x, RowMatrix f)
    {
        var sum = residual ? RowOps.Add(x, f) : f;
        return placement == NormPlacement.PostNorm ? Norm!.Forward(sum) : sum;
    }

    /// <summary>From <c>∂loss/∂output</c>: the gradient for the sublayer's result f, and the part that reaches x directly.</summary>
    public (RowMatrix DF, RowMatrix? DXDirect) BackOutput(RowMatrix dOut)
    {
        var dSum = placement == NormPlacement.PostNorm ? Norm!.Backward(dOut) : dOut;
        return (dSum, residual ? dSum : null);
    }

    /// <summary>From the gradient of what the sublayer saw, the gradient that reaches x through <see cref="Input"/>.</summary>
    public RowMatrix BackInput(RowMatrix dInput) => placement == NormPlacement.PreNorm ? Norm!.Backward(dInput) : dInput;
}

/// <summary>
/// A Transformer encoder layer: self-attention over the sequence (padding keys masked), then the position-wise
/// feed-forward block, each wrapped by a residual connection and a LayerNorm placed as <see cref="NormPlacement"/> says.
/// </summary>
/// <remarks>Pre-norm: <c>h = x + SelfAttn(LN1(x))</c>, <c>y = h + FFN(LN2(h))</c>. Post-norm: <c>h = LN1(x + SelfAttn(x))</c>,
/// <c>y = LN2(h + FFN(h))</c>. Without residuals the sublayer's output replaces its input.</remarks>
public sealed class EncoderLayer
{
    private readonly Sublayer _first;
    private readonly Sublayer _second;
    private RowMatrix? _x;

    /// <summary>Creates the layer.</summary>
    /// <param name="name">Prefix of the parameter names (e.g. <c>encoder.0</c>).</param>
    /// <param name="dModel">Model width.</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="hidden">Width of the feed-forward block's hidden layer.</param>
    /// <param name="norm">Where the LayerNorms sit.</param>
    /// <param name="residual">Whether the sublayers add to the stream (true) or replace it.</param>
    /// <param name="seed">Seed of the weights (attention uses <c>seed … seed + 3</c>, the feed-forward block <c>seed + 4, seed + 5</c>).</param>
    public EncoderLayer(string name, int dModel, int heads, int hidden, NormPlacement norm, bool residual, int seed)
    {
        Check.NotNull(name, nameof(name));
        if (!Enum.IsDefined(norm)) throw new ArgumentOutOfRangeException(nameof(norm), norm, "Unknown norm placement.");
        SelfAttention = new BatchAttentionLayer($"{name}.selfAttention", dModel, heads, seed);
        FeedForward = new FeedForward($"{name}.feedForward", dModel, hidden, unchecked(seed + 4));
        _first = new Sublayer($"{name}.norm1", dModel, norm, residual);
        _second = new Sublayer($"{name}.norm2", dModel, norm, residual);
        Parameters = [.. _first.Parameters, .. SelfAttention.Parameters, .. _second.Parameters, .. FeedForward.Parameters];
    }

    /// <summary>The self-attention sublayer.</summary>
    public BatchAttentionLayer SelfAttention { get; }

    /// <summary>The feed-forward sublayer.</summary>
    public FeedForward FeedForward { get; }

    /// <summary>The LayerNorm before (pre-norm) or after (post-norm) self-attention; null without normalisation.</summary>
    public LayerNorm? Norm1 => _first.Norm;

    /// <summary>The LayerNorm of the feed-forward sublayer; null without normalisation.</summary>
    public LayerNorm? Norm2 => _second.Norm;

    /// <summary>Every parameter of the layer.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Applies the layer to a padded batch.</summary>
    /// <param name="x">Rows <c>[layout.TotalRows, d]</c>.</param>
    /// <param name="layout">The examples and their real lengths (padding keys are masked).</param>
    /// <returns>Rows of the same shape.</returns>
    public RowMatrix Forward(RowMatrix x, BatchLayout layout)
    {
        _x = x;
        var a = _first.Input(x);
        var h = _first.Output(x, SelfAttention.Forward(a, layout, a, layout, causal: false));
        return _second.Output(h, FeedForward.Forward(_second.Input(h)));
    }

    /// <summary>Backward pass; adds to every parameter's gradient.</summary>
    /// <param name="dy"><c>∂loss/∂y</c>.</param>
    /// <returns><c>∂loss/∂x</c>.</returns>
    public RowMatrix Backward(RowMatrix dy)
    {
        if (_x is null) throw new InvalidOperationException(Sublayer.BackPropagatedOnce);
        var (dF2, dH) = _second.BackOutput(dy);
        var dh = _second.BackInput(FeedForward.Backward(dF2));
        if (dH is not null) RowOps.AddInPlace(dh, dH);
        var (dF1, dX) = _first.BackOutput(dh);
        var (dq, dkv) = SelfAttention.Backward(dF1);
        RowOps.AddInPlace(dq, dkv);
        var dx = _first.BackInput(dq);
        if (dX is not null) RowOps.AddInPlace(dx, dX);
        _x = null;
        return dx;
    }
}

/// <summary>
/// A Transformer decoder layer: masked (causal) self-attention over the output so far, cross-attention (交叉注意力)
/// from the output positions to the encoder's memory, then the feed-forward block; each sublayer wrapped like
/// <see cref="EncoderLayer"/>'s.
/// </summary>
/// <remarks>Pre-norm: <c>h1 = y + SelfAttn(LN1(y))</c>, <c>h2 = h1 + CrossAttn(LN2(h1), memory)</c>, <c>z = h2 + FFN(LN3(h2))</c>.
/// Post-norm: <c>h1 = LN1(y + SelfAttn(y))</c>, <c>h2 = LN2(h1 + CrossAttn(h1, memory))</c>, <c>z = LN3(h2 + FFN(h2))</c>.</remarks>
public sealed class DecoderLayer
{
    private readonly Sublayer _first;
    private readonly Sublayer _second;
    private readonly Sublayer _third;
    private RowMatrix? _y;

    /// <summary>Creates the layer.</summary>
    /// <param name="name">Prefix of the parameter names (e.g. <c>decoder.0</c>).</param>
    /// <param name="dModel">Model width.</param>
    /// <param name="heads">Attention heads (both attentions).</param>
    /// <param name="hidden">Width of the feed-forward block's hidden layer.</param>
    /// <param name="norm">Where the LayerNorms sit.</param>
    /// <param name="residual">Whether the sublayers add to the stream (true) or replace it.</param>
    /// <param name="seed">Seed of the weights (self-attention <c>seed …</c>, cross-attention <c>seed + 4 …</c>, feed-forward <c>seed + 8, seed + 9</c>).</param>
    public DecoderLayer(string name, int dModel, int heads, int hidden, NormPlacement norm, bool residual, int seed)
    {
        Check.NotNull(name, nameof(name));
        if (!Enum.IsDefined(norm)) throw new ArgumentOutOfRangeException(nameof(norm), norm, "Unknown norm placement.");
        SelfAttention = new BatchAttentionLayer($"{name}.selfAttention", dModel, heads, seed);
        CrossAttention = new BatchAttentionLayer($"{name}.crossAttention", dModel, heads, unchecked(seed + 4));
        FeedForward = new FeedForward($"{name}.feedForward", dModel, hidden, unchecked(seed + 8));
        _first = new Sublayer($"{name}.norm1", dModel, norm, residual);
        _second = new Sublayer($"{name}.norm2", dModel, norm, residual);
        _third = new Sublayer($"{name}.norm3", dModel, norm, residual);
        Parameters = [.. _first.Parameters, .. SelfAttention.Parameters, .. _second.Parameters, .. CrossAttention.Parameters,
            .. _third.Parameters, .. FeedForward.Parameters];
    }

    /// <summary>The masked self-attention sublayer.</summary>
    public BatchAttentionLayer SelfAttention { get; }

    /// <summary>The cross-attention sublayer (queries from the output, keys and values from the memory).</summary>
    public BatchAttentionLayer CrossAttention { get; }

    /// <summary>The feed-forward sublayer.</summary>
    public FeedForward FeedForward { get; }

    /// <summary>The LayerNorm of the self-attention sublayer; null without normalisation.</summary>
    public LayerNorm? Norm1 => _first.Norm;

    /// <summary>The LayerNorm of the cross-attention sublayer; null without normalisation.</summary>
    public LayerNorm? Norm2 => _second.Norm;

    /// <summary>The LayerNorm of the feed-forward sublayer; null without normalisation.</summary>
    public LayerNorm? Norm3 => _third.Norm;

    /// <summary>Every parameter of the layer.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Applies the layer to a padded batch of output sequences.</summary>
    /// <param name="y">Output-side rows <c>[targets.TotalRows, d]</c>.</param>
    /// <param name="targets">Their layout.</param>
    /// <param name="memory">The encoder's rows <c>[sources.TotalRows, d]</c>.</param>
    /// <param name="sources">Their layout (padding keys are masked).</param>
    /// <returns>Rows like <paramref name="y"/>.</returns>
    public RowMatrix Forward(RowMatrix y, BatchLayout targets, RowMatrix memory, BatchLayout sources)
    {
        _y = y;
        var a = _first.Input(y);
        var h1 = _first.Output(y, SelfAttention.Forward(a, targets, a, targets, causal: true));
        var h2 = _second.Output(h1, CrossAttention.Forward(_second.Input(h1), targets, memory, sources, causal: false));
        return _third.Output(h2, FeedForward.Forward(_third.Input(h2)));
    }

    /// <summary>Backward pass; adds to every parameter's gradient.</summary>
    /// <param name="dz"><c>∂loss/∂z</c>.</param>
    /// <returns><c>∂loss/∂y</c> and this layer's contribution to <c>∂loss/∂memory</c>.</returns>
    public (RowMatrix DY, RowMatrix DMemory) Backward(RowMatrix dz)
    {
        if (_y is null) throw new InvalidOperationException(Sublayer.BackPropagatedOnce);
        var (dF3, dH2direct) = _third.BackOutput(dz);
        var dh2 = _third.BackInput(FeedForward.Backward(dF3));
        if (dH2direct is not null) RowOps.AddInPlace(dh2, dH2direct);
        var (dF2, dH1direct) = _second.BackOutput(dh2);
        var (dq2, dMemory) = CrossAttention.Backward(dF2);
        var dh1 = _second.BackInput(dq2);
        if (dH1direct is not null) RowOps.AddInPlace(dh1, dH1direct);
        var (dF1, dYdirect) = _first.BackOutput(dh1);
        var (dq1, dkv1) = SelfAttention.Backward(dF1);
        RowOps.AddInPlace(dq1, dkv1);
        var dy = _first.BackInput(dq1);
        if (dYdirect is not null) RowOps.AddInPlace(dy, dYdirect);
        _y = null;
        return (dy, dMemory);
    }

    /// <summary>One new output row against the caches (incremental decoding); equals the last row of <see cref="Forward"/>.</summary>
    /// <param name="y">The new row <c>[1, d]</c>.</param>
    /// <param name="self">This layer's self-attention cache (grows by one row).</param>
    /// <param name="cross">This layer's cross-attention cache over the memory.</param>
    /// <returns>The row's output <c>[1, d]</c>.</returns>
    public RowMatrix Step(RowMatrix y, KeyValueCache self, KeyValueCache cross)
    {
        var h1 = _first.Output(y, SelfAttention.Step(_first.Input(y), self));
        var h2 = _second.Output(h1, CrossAttention.Step(_second.Input(h1), cross));
        return _third.Output(h2, FeedForward.Forward(_third.Input(h2)));
    }
}

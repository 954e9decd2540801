namespace Attention.Training;

/// <summary>
/// The position-wise feed-forward block of a Transformer: <c>ReLU(X·W1 + b1)·W2 + b2</c>, applied to every token on
/// its own. It gives the model a non-linearity after attention (for example to turn the attended token "November"
/// at output position 5 into the digit 1 and at position 6 into the digit 1, and "September" into 0 and 9).
/// </summary>
/// <remarks>Backward of the ReLU: the gradient passes where the pre-activation was positive and is 0 elsewhere.</remarks>
public sealed class FeedForward
{
    private readonly LinearLayer _in;
    private readonly LinearLayer _out;
    private RowMatrix? _preActivation;

    /// <summary>Creates the block.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="dModel">Token width (input and output).</param>
    /// <param name="hidden">Width of the hidden layer.</param>
    /// <param name="seed">Seed for the weights (the two layers use <c>seed</c> and <c>seed + 1</c>).</param>
    public FeedForward(string name, int dModel, int hidden, int seed)
    {
        _in = new LinearLayer($"{name}.in", dModel, hidden, seed);
        _out = new LinearLayer($"{name}.out", hidden, dModel, unchecked(seed + 1));
        Parameters = [.. _in.Parameters, .. _out.Parameters];
    }

    /// <summary>The block's parameters.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Applies the block to every token.</summary>
    /// <param name="x">Tokens <c>[tokens, dModel]</c>.</param>
    /// <returns>Tokens <c>[tokens, dModel]</c>.</returns>
    public RowMatrix Forward(RowMatrix x)
    {
        var pre = _in.Forward(x);
        _preActivation = pre;
        var hidden = new RowMatrix(pre.Rows, pre.Cols);
        for (int i = 0; i < pre.Data.Length; i++) hidden.Data[i] = pre.Data[i] > 0 ? pre.Data[i] : 0.0;
        return _out.Forward(hidden);
    }

    /// <summary>Backward pass.</summary>
    /// <param name="dy"><c>∂loss/∂Y</c>.</param>
    /// <returns><c>∂loss/∂X</c>.</returns>
    public RowMatrix Backward(RowMatrix dy)
    {
        var pre = _preActivation ?? throw new InvalidOperationException("Backward needs a Forward first.");
        var dHidden = _out.Backward(dy);
        for (int i = 0; i < pre.Data.Length; i++) if (!(pre.Data[i] > 0)) dHidden.Data[i] = 0.0;
        return _in.Backward(dHidden);
    }
}

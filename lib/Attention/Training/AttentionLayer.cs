namespace Attention.Training;

/// <summary>
/// Trainable multi-head attention with the forward pass of <see cref="MultiHeadAttention"/> (same weights, same
/// head split, same result) plus a backward pass. Queries come from <c>Xq [n, d]</c>, keys and values from
/// <c>Xkv [m, d]</c> (pass the same matrix twice for self-attention). Optionally rotary positions rotate each head's
/// queries and keys, or ALiBi adds <c>−slope·|i − j|</c> to each head's scores.
/// </summary>
/// <remarks>
/// <para>Forward, per head h (columns <c>h·d_h … (h+1)·d_h − 1</c>): <c>Q = Xq·Wq</c>, <c>K = Xkv·Wk</c>, <c>V = Xkv·Wv</c>;
/// <c>q = R(Q_h)</c>, <c>k = R(K_h)</c> (R = rotary, or nothing); <c>A = softmax(q·kᵀ/√d_h + bias, mask)</c>
/// (<see cref="ScaledDotProductAttention"/>); <c>O_h = A·V_h</c>; <c>Y = concat(O_h)·Wo</c>.</para>
/// <para>Backward, for <c>dY</c>: <c>dO = dY·Woᵀ</c>; per head <c>dA = dO_h·V_hᵀ</c>, <c>dV_h = Aᵀ·dO_h</c>, the softmax
/// backward <c>dS_ij = A_ij (dA_ij − Σ_k A_ik dA_ik)</c> (masked entries have A = 0 and so dS = 0), then
/// <c>dq = dS·k/√d_h</c>, <c>dk = dSᵀ·q/√d_h</c>, and the rotation undone: <c>dQ_h = Rᵀ(dq)</c>. Finally
/// <c>∂loss/∂W = Xᵀ·d(XW)</c> for each projection and <c>dXq = dQ·Wqᵀ</c>, <c>dXkv = dK·Wkᵀ + dV·Wvᵀ</c>.</para>
/// </remarks>
public sealed class AttentionLayer
{
    private readonly double[] _slopes;
    private readonly Dictionary<(int, int), double[][]> _alibi = new();
    private Cache? _cache;

    private sealed record Cache(RowMatrix Xq, RowMatrix Xkv, RowMatrix[] Q, RowMatrix[] K, RowMatrix[] V, RowMatrix[] Weights, RowMatrix Concat);

    /// <summary>Creates a layer with Xavier/Glorot-normal weights.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="dModel">Model width.</param>
    /// <param name="heads">Number of heads; must divide <paramref name="dModel"/>.</param>
    /// <param name="seed">Seed; Wq, Wk, Wv, Wo use <c>seed</c> … <c>seed + 3</c> (as <see cref="MultiHeadAttention.Random"/>).</param>
    /// <param name="positions"><see cref="PositionScheme.Rotary"/> or <see cref="PositionScheme.Alibi"/> act here; any other scheme is plain attention.</param>
    /// <param name="rotaryBase">The frequency base of rotary positions.</param>
    public AttentionLayer(string name, int dModel, int heads, int seed, PositionScheme positions = PositionScheme.None, double rotaryBase = 10000.0)
    {
        (Wq, Wk, Wv, Wo) = Projections(name, dModel, heads, seed);
        if (positions == PositionScheme.Rotary && (dModel / heads) % 2 != 0)
            throw new ArgumentException($"Rotary positions rotate pairs of features, so the head width d_model / heads = {dModel / heads} must be even.", nameof(positions));
        Check.Base(rotaryBase, nameof(rotaryBase));
        Heads = heads;
        Positions = positions;
        RotaryBase = rotaryBase;
        Parameters = [Wq, Wk, Wv, Wo];
        _slopes = Alibi.Slopes(heads);
    }

    /// <summary>
    /// The four projections of a multi-head attention layer, Xavier/Glorot-normal from seeds <c>seed … seed + 3</c>
    /// (the one set-up of this layer and <see cref="BatchAttentionLayer"/>), after checking that the heads divide d_model.
    /// </summary>
    internal static (Parameter Wq, Parameter Wk, Parameter Wv, Parameter Wo) Projections(string name, int dModel, int heads, int seed)
    {
        Check.NotNull(name, nameof(name));
        Check.Positive(dModel, nameof(dModel));
        Check.Positive(heads, nameof(heads));
        if (dModel % heads != 0)
            throw new ArgumentException($"d_model = {dModel} is not divisible by heads = {heads}: each head takes d_model / heads columns.", nameof(heads));
        Parameter Make(string which, int offset) =>
            new($"{name}.{which}", RowMatrix.From(Init.Glorot(dModel, dModel, unchecked(seed + offset))));
        return (Make("Wq", 0), Make("Wk", 1), Make("Wv", 2), Make("Wo", 3));
    }

    /// <summary>Query projection <c>[d, d]</c>.</summary>
    public Parameter Wq { get; }

    /// <summary>Key projection <c>[d, d]</c>.</summary>
    public Parameter Wk { get; }

    /// <summary>Value projection <c>[d, d]</c>.</summary>
    public Parameter Wv { get; }

    /// <summary>Output projection <c>[d, d]</c>.</summary>
    public Parameter Wo { get; }

    /// <summary>The four projections.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Number of heads.</summary>
    public int Heads { get; }

    /// <summary>Model width.</summary>
    public int DModel => Wq.Value.Rows;

    /// <summary>Width of one head.</summary>
    public int HeadDim => DModel / Heads;

    /// <summary>The position scheme that acts inside attention (rotary or ALiBi), or any other value for none.</summary>
    public PositionScheme Positions { get; }

    /// <summary>The frequency base of rotary positions.</summary>
    public double RotaryBase { get; }

    /// <summary>
    /// Heads switched off (ablation): their weights are still computed, but their output does not reach <c>Wo</c> (its
    /// columns of the concatenation stay 0), and the backward pass sends nothing through them. Empty by default.
    /// </summary>
    public ISet<int> AblatedHeads { get; } = new SortedSet<int>();

    /// <summary>The attention weights of the last forward pass, one <c>[n, m]</c> matrix per head.</summary>
    public IReadOnlyList<RowMatrix> LastWeights => _cache?.Weights ?? throw new InvalidOperationException("No forward pass yet.");

    /// <summary>Attention of the rows of <paramref name="xq"/> over the rows of <paramref name="xkv"/>.</summary>
    /// <param name="xq">Query-side tokens <c>[n, d]</c>.</param>
    /// <param name="xkv">Key/value-side tokens <c>[m, d]</c> (the same object as <paramref name="xq"/> for self-attention).</param>
    /// <param name="mask">Optional <c>[n, m]</c> mask, true = may attend.</param>
    /// <returns>The output <c>[n, d]</c>.</returns>
    public RowMatrix Forward(RowMatrix xq, RowMatrix xkv, bool[,]? mask = null)
    {
        Check.NotNull(xq, nameof(xq));
        Check.NotNull(xkv, nameof(xkv));
        int d = DModel, dh = HeadDim, n = xq.Rows, m = xkv.Rows;
        if (xq.Cols != d) throw new ArgumentException($"xq is {xq.Shape} but this layer has d_model = {d}.", nameof(xq));
        if (xkv.Cols != d) throw new ArgumentException($"xkv is {xkv.Shape} but this layer has d_model = {d}.", nameof(xkv));
        if (mask is not null && (mask.GetLength(0) != n || mask.GetLength(1) != m))
            throw new ArgumentException($"xq is {xq.Shape} and xkv is {xkv.Shape}, so the mask must be {n}×{m} ([queries, keys]), but it is {Check.Shape(mask)}.", nameof(mask));
        var flatMask = mask is null ? null : Layout.Flatten(mask);

        var q = RowOps.MatMul(xq, Wq.Value);
        var k = RowOps.MatMul(xkv, Wk.Value);
        var v = RowOps.MatMul(xkv, Wv.Value);
        var concat = new RowMatrix(n, d);
        var qs = new RowMatrix[Heads];
        var ks = new RowMatrix[Heads];
        var vs = new RowMatrix[Heads];
        var ws = new RowMatrix[Heads];
        for (int h = 0; h < Heads; h++)
        {
            qs[h] = RowOps.Columns(q, h * dh, dh);
            ks[h] = RowOps.Columns(k, h * dh, dh);
            vs[h] = RowOps.Columns(v, h * dh, dh);
            if (Positions == PositionScheme.Rotary)
            {
                Rotary.Apply(qs[h].Data, qs[h].Data, n, dh, 0, RotaryBase);
                Rotary.Apply(ks[h].Data, ks[h].Data, m, dh, 0, RotaryBase);
            }
            var o = new RowMatrix(n, dh);
            ws[h] = new RowMatrix(n, m);
            ScaledDotProductAttention.Compute(qs[h].Data, ks[h].Data, vs[h].Data, o.Data, ws[h].Data, n, m, dh, dh,
                flatMask, Positions == PositionScheme.Alibi ? AlibiBias(n, m)[h] : default);
            if (!AblatedHeads.Contains(h)) RowOps.SetColumns(concat, o, h * dh);
        }
        _cache = new Cache(xq, xkv, qs, ks, vs, ws, concat);
        return RowOps.MatMul(concat, Wo.Value);
    }

    /// <summary>Backward pass: adds to the gradients of Wq, Wk, Wv, Wo and returns the gradients of both inputs.
    /// For self-attention the caller adds the two (the input fed both sides).</summary>
    /// <param name="dy"><c>∂loss/∂Y</c>, <c>[n, d]</c>.</param>
    /// <returns><c>∂loss/∂Xq</c> <c>[n, d]</c> and <c>∂loss/∂Xkv</c> <c>[m, d]</c>.</returns>
    public (RowMatrix DQuery, RowMatrix DKeyValue) Backward(RowMatrix dy)
    {
        var c = _cache ?? throw new InvalidOperationException("Backward needs a Forward first.");
        Check.NotNull(dy, nameof(dy));
        int d = DModel, dh = HeadDim, n = c.Xq.Rows, m = c.Xkv.Rows;
        if (dy.Rows != n || dy.Cols != d) throw new ArgumentException($"The gradient is {dy.Shape} but the output was {Check.Shape(n, d)}.", nameof(dy));
        double scale = 1.0 / Math.Sqrt(dh);

        RowOps.MatMulTransposeAAdd(c.Concat, dy, Wo.Gradient);
        var dConcat = RowOps.MatMulTransposeB(dy, Wo.Value);
        var dQ = new RowMatrix(n, d);
        var dK = new RowMatrix(m, d);
        var dV = new RowMatrix(m, d);
        for (int h = 0; h < Heads; h++)
        {
            if (AblatedHeads.Contains(h)) continue; // its output was zeroed: nothing flows back through it
            var a = c.Weights[h];
            var dO = RowOps.Columns(dConcat, h * dh, dh);
            var dA = RowOps.MatMulTransposeB(dO, c.V[h]);   // [n, m]
            var dVh = new RowMatrix(m, dh);
            RowOps.MatMulTransposeAAdd(a, dO, dVh);          // Aᵀ·dO
            var dS = SoftmaxBackward(a, dA);
            for (int i = 0; i < dS.Data.Length; i++) dS.Data[i] *= scale;
            var dq = RowOps.MatMul(dS, c.K[h]);               // [n, dh]
            var dk = new RowMatrix(m, dh);
            RowOps.MatMulTransposeAAdd(dS, c.Q[h], dk);       // dSᵀ·q
            if (Positions == PositionScheme.Rotary)
            {
                RotateBack(dq);
                RotateBack(dk);
            }
            RowOps.SetColumns(dQ, dq, h * dh);
            RowOps.SetColumns(dK, dk, h * dh);
            RowOps.SetColumns(dV, dVh, h * dh);
        }
        RowOps.MatMulTransposeAAdd(c.Xq, dQ, Wq.Gradient);
        RowOps.MatMulTransposeAAdd(c.Xkv, dK, Wk.Gradient);
        RowOps.MatMulTransposeAAdd(c.Xkv, dV, Wv.Gradient);
        var dXq = RowOps.MatMulTransposeB(dQ, Wq.Value);
        var dXkv = RowOps.MatMulTransposeB(dK, Wk.Value);
        RowOps.AddInPlace(dXkv, RowOps.MatMulTransposeB(dV, Wv.Value));
        return (dXq, dXkv);
    }

    /// <summary>
    /// The backward pass of a row-wise softmax: given the weights <c>A</c> and <c>dA = ∂loss/∂A</c>, returns
    /// <c>∂loss/∂S</c> with <c>dS_ij = A_ij (dA_ij − Σ_k A_ik dA_ik)</c>, i.e. each row times the softmax Jacobian
    /// <c>diag(a) − a aᵀ</c> (<see cref="Softmax.Jacobian"/>).
    /// </summary>
    /// <param name="weights">Softmax outputs <c>[n, m]</c>.</param>
    /// <param name="dWeights"><c>∂loss/∂A</c>, same shape.</param>
    /// <returns><c>∂loss/∂S</c>, same shape.</returns>
    public static RowMatrix SoftmaxBackward(RowMatrix weights, RowMatrix dWeights)
    {
        Check.NotNull(weights, nameof(weights));
        Check.NotNull(dWeights, nameof(dWeights));
        if (weights.Rows != dWeights.Rows || weights.Cols != dWeights.Cols)
            throw new ArgumentException($"The weights are {weights.Shape} but their gradient is {dWeights.Shape}.", nameof(dWeights));
        var dS = new RowMatrix(weights.Rows, weights.Cols);
        SoftmaxBackwardInto(weights, dWeights, dS);
        return dS;
    }

    /// <summary><see cref="SoftmaxBackward"/> into <paramref name="dS"/> (every entry overwritten; same shape, checked by the caller).</summary>
    internal static void SoftmaxBackwardInto(RowMatrix weights, RowMatrix dWeights, RowMatrix dS)
    {
        for (int i = 0; i < weights.Rows; i++)
        {
            var a = weights.Row(i);
            var g = dWeights.Row(i);
            double dot = System.Numerics.Tensors.TensorPrimitives.Dot(a, (ReadOnlySpan<double>)g);
            var row = dS.Row(i);
            for (int j = 0; j < a.Length; j++) row[j] = a[j] * (g[j] - dot);
        }
    }

    /// <summary>
    /// Applies the transpose of the rotary rotation in place. A 2-D rotation <c>R = [[c, −s], [s, c]]</c> has
    /// <c>Rᵀ = P·R·P</c> with <c>P = diag(1, −1)</c>: flip the sign of every odd feature, rotate with
    /// <see cref="Rotary.Apply(ReadOnlySpan{double}, Span{double}, int, int, int, double)"/>, flip again.
    /// </summary>
    private void RotateBack(RowMatrix x)
    {
        for (int i = 1; i < x.Data.Length; i += 2) x.Data[i] = -x.Data[i];
        Rotary.Apply(x.Data, x.Data, x.Rows, x.Cols, 0, RotaryBase);
        for (int i = 1; i < x.Data.Length; i += 2) x.Data[i] = -x.Data[i];
    }

    private double[][] AlibiBias(int n, int m)
    {
        if (!_alibi.TryGetValue((n, m), out var biases))
        {
            biases = _slopes.Select(s => Layout.ToRowMajor(Alibi.Bias(n, m, s))).ToArray();
            _alibi[(n, m)] = biases;
        }
        return biases;
    }
}

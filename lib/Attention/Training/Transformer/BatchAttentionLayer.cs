using System.Numerics.Tensors;

namespace Attention.Training;

/// <summary>
/// How the rows of a batch matrix are grouped: <see cref="Examples"/> sequences of <see cref="Rows"/> rows each
/// (example b owns rows <c>b·Rows … (b+1)·Rows − 1</c>), of which the first <c>Lengths[b]</c> are real tokens and
/// the rest padding.
/// </summary>
public sealed class BatchLayout
{
    /// <summary>Creates a layout; every length must be between 1 and <paramref name="rows"/>.</summary>
    /// <param name="rows">Rows per example (the longest sequence of the batch).</param>
    /// <param name="lengths">Real tokens of each example.</param>
    public BatchLayout(int rows, IReadOnlyList<int> lengths)
    {
        Check.Positive(rows, nameof(rows));
        Check.NotNull(lengths, nameof(lengths));
        if (lengths.Count == 0) throw new ArgumentException("A batch needs at least one example.", nameof(lengths));
        for (int b = 0; b < lengths.Count; b++)
            if (lengths[b] < 1 || lengths[b] > rows)
                throw new ArgumentOutOfRangeException(nameof(lengths), lengths[b], $"Example {b} has length {lengths[b]}, but lengths must be between 1 and the {rows} rows per example.");
        Rows = rows;
        Lengths = lengths.ToArray();
    }

    /// <summary>One sequence of <paramref name="length"/> real tokens and no padding.</summary>
    /// <param name="length">Its length.</param>
    /// <returns>The layout.</returns>
    public static BatchLayout Single(int length) => new(length, [length]);

    /// <summary>Rows per example.</summary>
    public int Rows { get; }

    /// <summary>Real tokens per example.</summary>
    public IReadOnlyList<int> Lengths { get; }

    /// <summary>Number of examples.</summary>
    public int Examples => Lengths.Count;

    /// <summary>Rows of the whole batch matrix.</summary>
    public int TotalRows => Examples * Rows;
}

/// <summary>
/// Multi-head attention over a padded batch (the layer of <see cref="AttentionLayer"/>, for many sequences at once):
/// the four projections run on all rows of the batch in one product each; attention runs per example and head, with
/// the padding keys masked out (key-padding mask) and, for a decoder, the keys after the query (causal mask).
/// </summary>
/// <remarks>
/// For example b and head h: <c>A = softmax(Q_bh·K_bhᵀ/√d_h, mask)</c> with mask(i, j) = <c>j &lt; keys.Lengths[b]</c>
/// (and <c>j ≤ i</c> when causal); padded query rows are computed like the others and are never read by a real token.
/// The backward pass is <see cref="AttentionLayer"/>'s, per example and head.
/// </remarks>
public sealed class BatchAttentionLayer
{
    private State? _state;
    private (double[][] Weights, BatchLayout Queries, BatchLayout Keys)? _lastWeights;

    private sealed record State(RowMatrix Xq, BatchLayout QueryLayout, RowMatrix Xkv, BatchLayout KeyLayout, bool Causal,
        RowMatrix Q, RowMatrix K, RowMatrix V, double[][] Weights, RowMatrix Concat);

    /// <summary>Creates the layer with Xavier/Glorot-normal projections (seeds <c>seed … seed + 3</c>, as <see cref="AttentionLayer"/>).</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="dModel">Model width.</param>
    /// <param name="heads">Number of heads; must divide <paramref name="dModel"/>.</param>
    /// <param name="seed">Seed of the weights.</param>
    public BatchAttentionLayer(string name, int dModel, int heads, int seed)
    {
        (Wq, Wk, Wv, Wo) = AttentionLayer.Projections(name, dModel, heads, seed);
        Heads = heads;
        Parameters = [Wq, Wk, Wv, Wo];
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

    /// <summary>Attention of the query rows over the key/value rows, example by example.</summary>
    /// <param name="xq">Query-side rows <c>[queries.TotalRows, d]</c>.</param>
    /// <param name="queries">How <paramref name="xq"/> is split into examples.</param>
    /// <param name="xkv">Key/value-side rows <c>[keys.TotalRows, d]</c> (the same object as <paramref name="xq"/> for self-attention).</param>
    /// <param name="keys">How <paramref name="xkv"/> is split; the same number of examples.</param>
    /// <param name="causal">Whether query i may only see keys j ≤ i (a decoder's self-attention).</param>
    /// <returns><c>[queries.TotalRows, d]</c>.</returns>
    public RowMatrix Forward(RowMatrix xq, BatchLayout queries, RowMatrix xkv, BatchLayout keys, bool causal)
    {
        Check.NotNull(xq, nameof(xq));
        Check.NotNull(queries, nameof(queries));
        Check.NotNull(xkv, nameof(xkv));
        Check.NotNull(keys, nameof(keys));
        int d = DModel, dh = HeadDim;
        if (xq.Cols != d || xq.Rows != queries.TotalRows)
            throw new ArgumentException($"xq is {xq.Shape} but the layout has {queries.TotalRows} rows and the layer d_model = {d}.", nameof(xq));
        if (xkv.Cols != d || xkv.Rows != keys.TotalRows)
            throw new ArgumentException($"xkv is {xkv.Shape} but the layout has {keys.TotalRows} rows and the layer d_model = {d}.", nameof(xkv));
        if (queries.Examples != keys.Examples)
            throw new ArgumentException($"The queries have {queries.Examples} examples but the keys {keys.Examples}: each example attends within itself.", nameof(keys));

        var q = RowOps.MatMul(xq, Wq.Value);
        var k = RowOps.MatMul(xkv, Wk.Value);
        var v = RowOps.MatMul(xkv, Wv.Value);
        var concat = new RowMatrix(xq.Rows, d);
        int tq = queries.Rows, tk = keys.Rows;
        var weights = new double[queries.Examples * Heads][];
        var mask = new bool[tq * tk];
        var qh = new double[tq * dh];
        var kh = new double[tk * dh];
        var vh = new double[tk * dh];
        var oh = new double[tq * dh];
        for (int b = 0; b < queries.Examples; b++)
        {
            int length = keys.Lengths[b];
            for (int i = 0; i < tq; i++)
                for (int j = 0; j < tk; j++) mask[i * tk + j] = j < length && (!causal || j <= i);
            for (int h = 0; h < Heads; h++)
            {
                ReadBlock(q, b * tq, tq, h * dh, dh, qh);
                ReadBlock(k, b * tk, tk, h * dh, dh, kh);
                ReadBlock(v, b * tk, tk, h * dh, dh, vh);
                var w = weights[b * Heads + h] = new double[tq * tk];
                ScaledDotProductAttention.Compute(qh, kh, vh, oh, w, tq, tk, dh, dh, mask);
                WriteBlock(oh, concat, b * tq, tq, h * dh, dh);
            }
        }
        _state = new State(xq, queries, xkv, keys, causal, q, k, v, weights, concat);
        _lastWeights = (weights, queries, keys);
        return RowOps.MatMul(concat, Wo.Value);
    }

    /// <summary>The weights of the last forward pass for one example and head, trimmed to its real tokens.</summary>
    /// <param name="example">The example.</param>
    /// <param name="head">The head.</param>
    /// <returns><c>[real queries, real keys]</c>.</returns>
    public RowMatrix Weights(int example, int head)
    {
        var (weights, queries, keys) = _lastWeights ?? throw new InvalidOperationException("No forward pass yet.");
        if (example < 0 || example >= queries.Examples)
            throw new ArgumentOutOfRangeException(nameof(example), example, $"The last batch had {queries.Examples} examples.");
        if (head < 0 || head >= Heads) throw new ArgumentOutOfRangeException(nameof(head), head, $"The layer has {Heads} heads.");
        int tk = keys.Rows, nq = queries.Lengths[example], nk = keys.Lengths[example];
        var w = weights[example * Heads + head];
        var y = new RowMatrix(nq, nk);
        for (int i = 0; i < nq; i++) w.AsSpan(i * tk, nk).CopyTo(y.Row(i));
        return y;
    }

    /// <summary>Backward pass: adds to the four projections' gradients and returns the gradients of both inputs (for
    /// self-attention the caller adds the two).</summary>
    /// <param name="dy"><c>∂loss/∂Y</c>.</param>
    /// <returns><c>∂loss/∂Xq</c> and <c>∂loss/∂Xkv</c>.</returns>
    public (RowMatrix DQuery, RowMatrix DKeyValue) Backward(RowMatrix dy)
    {
        var s = _state ?? throw new InvalidOperationException(Sublayer.BackPropagatedOnce);
        Check.NotNull(dy, nameof(dy));
        if (dy.Rows != s.Xq.Rows || dy.Cols != DModel)
            throw new ArgumentException($"The gradient is {dy.Shape} but the output was {Check.Shape(s.Xq.Rows, DModel)}.", nameof(dy));
        int d = DModel, dh = HeadDim, tq = s.QueryLayout.Rows, tk = s.KeyLayout.Rows;
        double scale = 1.0 / Math.Sqrt(dh);
        RowOps.MatMulTransposeAAdd(s.Concat, dy, Wo.Gradient);
        var dConcat = RowOps.MatMulTransposeB(dy, Wo.Value);
        var dQ = new RowMatrix(s.Xq.Rows, d);
        var dK = new RowMatrix(s.Xkv.Rows, d);
        var dV = new RowMatrix(s.Xkv.Rows, d);
        var qh = new RowMatrix(tq, dh);
        var kh = new RowMatrix(tk, dh);
        var vh = new RowMatrix(tk, dh);
        var dO = new RowMatrix(tq, dh);
        // Per-head scratch, reused for every example and head (each is overwritten or cleared before use).
        var dA = new RowMatrix(tq, tk);
        var dS = new RowMatrix(tq, tk);
        var dVh = new RowMatrix(tk, dh);
        var dq = new RowMatrix(tq, dh);
        var dk = new RowMatrix(tk, dh);
        for (int b = 0; b < s.QueryLayout.Examples; b++)
            for (int h = 0; h < Heads; h++)
            {
                var a = new RowMatrix(tq, tk, s.Weights[b * Heads + h]);
                ReadBlock(s.Q, b * tq, tq, h * dh, dh, qh.Data);
                ReadBlock(s.K, b * tk, tk, h * dh, dh, kh.Data);
                ReadBlock(s.V, b * tk, tk, h * dh, dh, vh.Data);
                ReadBlock(dConcat, b * tq, tq, h * dh, dh, dO.Data);
                RowOps.MatMulTransposeBInto(dO, vh, dA);           // dO·Vᵀ   [tq, tk]
                Array.Clear(dVh.Data);
                RowOps.MatMulTransposeAAdd(a, dO, dVh);            // Aᵀ·dO   [tk, dh]
                AttentionLayer.SoftmaxBackwardInto(a, dA, dS);
                TensorPrimitives.Multiply(dS.Data, scale, dS.Data);
                RowOps.MatMulInto(dS, kh, dq);                     // dS·K    [tq, dh]
                Array.Clear(dk.Data);
                RowOps.MatMulTransposeAAdd(dS, qh, dk);            // dSᵀ·Q   [tk, dh]
                WriteBlock(dq.Data, dQ, b * tq, tq, h * dh, dh);
                WriteBlock(dk.Data, dK, b * tk, tk, h * dh, dh);
                WriteBlock(dVh.Data, dV, b * tk, tk, h * dh, dh);
            }
        RowOps.MatMulTransposeAAdd(s.Xq, dQ, Wq.Gradient);
        RowOps.MatMulTransposeAAdd(s.Xkv, dK, Wk.Gradient);
        RowOps.MatMulTransposeAAdd(s.Xkv, dV, Wv.Gradient);
        _state = null; // the activations die with this step instead of surviving into the next one's collections
        var dXq = RowOps.MatMulTransposeB(dQ, Wq.Value);
        var dXkv = RowOps.MatMulTransposeB(dK, Wk.Value);
        RowOps.AddInPlace(dXkv, RowOps.MatMulTransposeB(dV, Wv.Value));
        return (dXq, dXkv);
    }

    /// <summary>
    /// One query row against a key–value cache (incremental decoding): the row's key and value are appended to the cache
    /// first when <paramref name="cache"/> grows (a decoder's self-attention), so the row sees every earlier row and
    /// itself; a fixed cache (cross-attention over the encoder's memory) is only read. Equals row <c>i</c> of
    /// <see cref="Forward"/> on the whole prefix with a causal mask.
    /// </summary>
    /// <param name="x">The new row <c>[1, d]</c>.</param>
    /// <param name="cache">Keys and values so far.</param>
    /// <returns>The output row <c>[1, d]</c>.</returns>
    public RowMatrix Step(RowMatrix x, KeyValueCache cache)
    {
        Check.NotNull(x, nameof(x));
        Check.NotNull(cache, nameof(cache));
        if (x.Rows != 1 || x.Cols != DModel) throw new ArgumentException($"A step takes one row [1, {DModel}], not {x.Shape}.", nameof(x));
        if (!ReferenceEquals(cache.Layer, this)) throw new ArgumentException("This cache belongs to another attention layer.", nameof(cache));
        var q = RowOps.MatMul(x, Wq.Value);
        if (cache.Grows) cache.Append(RowOps.MatMul(x, Wk.Value), RowOps.MatMul(x, Wv.Value));
        int dh = HeadDim, n = cache.Count;
        var concat = new RowMatrix(1, DModel);
        var kh = new double[n * dh];
        var vh = new double[n * dh];
        var oh = new double[dh];
        var w = new double[n];
        for (int h = 0; h < Heads; h++)
        {
            cache.ReadHead(h * dh, dh, kh, vh);
            ScaledDotProductAttention.Compute(q.Data.AsSpan(h * dh, dh), kh, vh, oh, w, 1, n, dh, dh);
            oh.CopyTo(concat.Data.AsSpan(h * dh, dh));
        }
        return RowOps.MatMul(concat, Wo.Value);
    }

    internal static void ReadBlock(RowMatrix src, int row, int rows, int col, int cols, Span<double> dst)
    {
        for (int r = 0; r < rows; r++) src.Data.AsSpan((row + r) * src.Cols + col, cols).CopyTo(dst.Slice(r * cols, cols));
    }

    private static void WriteBlock(ReadOnlySpan<double> src, RowMatrix dst, int row, int rows, int col, int cols)
    {
        for (int r = 0; r < rows; r++) src.Slice(r * cols, cols).CopyTo(dst.Data.AsSpan((row + r) * dst.Cols + col, cols));
    }
}

/// <summary>
/// The keys and values one attention layer has computed so far while a decoder generates token by token, so each new
/// token costs one row of projections instead of the whole prefix again.
/// </summary>
public sealed class KeyValueCache
{
    private readonly List<double[]> _keys = [];
    private readonly List<double[]> _values = [];

    private KeyValueCache(BatchAttentionLayer layer, bool grows)
    {
        Layer = layer;
        Grows = grows;
    }

    /// <summary>An empty cache for a decoder's self-attention: every step appends its own key and value.</summary>
    /// <param name="layer">The layer it serves.</param>
    /// <returns>The cache.</returns>
    public static KeyValueCache Growing(BatchAttentionLayer layer)
    {
        Check.NotNull(layer, nameof(layer));
        return new KeyValueCache(layer, grows: true);
    }

    /// <summary>A fixed cache for cross-attention: the keys and values of the encoder's memory, computed once.</summary>
    /// <param name="layer">The cross-attention layer.</param>
    /// <param name="memory">The encoder's output <c>[source length, d]</c>.</param>
    /// <returns>The cache.</returns>
    public static KeyValueCache ForMemory(BatchAttentionLayer layer, RowMatrix memory)
    {
        Check.NotNull(layer, nameof(layer));
        Check.NotNull(memory, nameof(memory));
        if (memory.Cols != layer.DModel) throw new ArgumentException($"The memory is {memory.Shape} but the layer has d_model = {layer.DModel}.", nameof(memory));
        var cache = new KeyValueCache(layer, grows: false);
        var k = RowOps.MatMul(memory, layer.Wk.Value);
        var v = RowOps.MatMul(memory, layer.Wv.Value);
        for (int r = 0; r < memory.Rows; r++)
        {
            cache._keys.Add(k.Row(r).ToArray());
            cache._values.Add(v.Row(r).ToArray());
        }
        return cache;
    }

    /// <summary>The layer the cache belongs to.</summary>
    public BatchAttentionLayer Layer { get; }

    /// <summary>Whether steps append to it (self-attention) or only read it (cross-attention).</summary>
    public bool Grows { get; }

    /// <summary>Rows cached.</summary>
    public int Count => _keys.Count;

    internal void Append(RowMatrix k, RowMatrix v)
    {
        _keys.Add(k.Data);
        _values.Add(v.Data);
    }

    internal void ReadHead(int col, int cols, Span<double> keys, Span<double> values)
    {
        for (int r = 0; r < _keys.Count; r++)
        {
            _keys[r].AsSpan(col, cols).CopyTo(keys.Slice(r * cols, cols));
            _values[r].AsSpan(col, cols).CopyTo(values.Slice(r * cols, cols));
        }
    }
}

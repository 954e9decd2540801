using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>
/// Multi-head attention (Vaswani et al. 2017). It is not a score function: it runs several scaled
/// dot-product attentions in different learned subspaces and concatenates them.
/// </summary>
/// <remarks>
/// Steps for inputs <c>Xq [n, d_model]</c>, <c>Xk, Xv [m, d_model]</c>:
/// project (<c>Q = Xq·Wq</c>, <c>K = Xk·Wk</c>, <c>V = Xv·Wv</c>); split into heads (head h takes columns
/// <c>h·d_h … (h+1)·d_h − 1</c>, with <c>d_h = d_model / heads</c>); scaled dot-product attention per head
/// (scale <c>1/√d_h</c>); concatenate the head outputs in the same column order; output projection
/// <c>·Wo</c>. All four weights are <c>[d_model, d_model]</c> and applied on the right (<c>X·W</c>).
/// </remarks>
public sealed class MultiHeadAttention
{
    /// <summary>Creates a layer from its four projections.</summary>
    /// <param name="wq">Query projection, <c>[d_model, d_model]</c>.</param>
    /// <param name="wk">Key projection, <c>[d_model, d_model]</c>.</param>
    /// <param name="wv">Value projection, <c>[d_model, d_model]</c>.</param>
    /// <param name="wo">Output projection, <c>[d_model, d_model]</c>.</param>
    /// <param name="heads">Number of heads; must divide d_model.</param>
    public MultiHeadAttention(Matrix<double> wq, Matrix<double> wk, Matrix<double> wv, Matrix<double> wo, int heads)
    {
        Check.NotNull(wq, nameof(wq));
        Check.NotNull(wk, nameof(wk));
        Check.NotNull(wv, nameof(wv));
        Check.NotNull(wo, nameof(wo));
        int d = wq.RowCount;
        if (d == 0 || wq.ColumnCount != d)
            throw new ArgumentException($"Wq is {Check.Shape(wq)}: the projections must be square [d_model, d_model] with d_model ≥ 1.", nameof(wq));
        foreach (var (w, name) in new[] { (wk, nameof(wk)), (wv, nameof(wv)), (wo, nameof(wo)) })
            if (w.RowCount != d || w.ColumnCount != d)
                throw new ArgumentException($"Wq is {Check.Shape(wq)} but {Capital(name)} is {Check.Shape(w)}: all four projections must be {d}×{d} ([d_model, d_model]).", name);
        CheckHeads(d, heads);
        Wq = wq.Clone(); Wk = wk.Clone(); Wv = wv.Clone(); Wo = wo.Clone();
        Heads = heads;
    }

    /// <summary>A layer with Xavier/Glorot-normal weights drawn from <paramref name="seed"/>
    /// (Wq, Wk, Wv, Wo use seeds <c>seed</c>, <c>seed+1</c>, <c>seed+2</c>, <c>seed+3</c>).</summary>
    /// <param name="dModel">Model width.</param>
    /// <param name="heads">Number of heads; must divide <paramref name="dModel"/>.</param>
    /// <param name="seed">Seed.</param>
    /// <returns>The layer.</returns>
    public static MultiHeadAttention Random(int dModel, int heads, int seed)
    {
        Check.Positive(dModel, nameof(dModel));
        CheckHeads(dModel, heads);
        return new MultiHeadAttention(Init.Glorot(dModel, dModel, seed), Init.Glorot(dModel, dModel, unchecked(seed + 1)),
            Init.Glorot(dModel, dModel, unchecked(seed + 2)), Init.Glorot(dModel, dModel, unchecked(seed + 3)), heads);
    }

    /// <summary>A layer whose four projections are the identity: each head attends with the raw slice of
    /// the input. With one head it equals <see cref="ScaledDotProductAttention"/> on the input.</summary>
    /// <param name="dModel">Model width.</param>
    /// <param name="heads">Number of heads; must divide <paramref name="dModel"/>.</param>
    /// <returns>The layer.</returns>
    public static MultiHeadAttention Identity(int dModel, int heads)
    {
        Check.Positive(dModel, nameof(dModel));
        var i = Matrix<double>.Build.DenseIdentity(dModel);
        return new MultiHeadAttention(i, i, i, i, heads);
    }

    /// <summary>Query projection <c>[d_model, d_model]</c> (a copy of what was passed in).</summary>
    public Matrix<double> Wq { get; }

    /// <summary>Key projection <c>[d_model, d_model]</c>.</summary>
    public Matrix<double> Wk { get; }

    /// <summary>Value projection <c>[d_model, d_model]</c>.</summary>
    public Matrix<double> Wv { get; }

    /// <summary>Output projection <c>[d_model, d_model]</c>.</summary>
    public Matrix<double> Wo { get; }

    /// <summary>Number of heads.</summary>
    public int Heads { get; }

    /// <summary>Model width d_model.</summary>
    public int DModel => Wq.RowCount;

    /// <summary>Width of one head, <c>d_model / heads</c>.</summary>
    public int HeadDim => DModel / Heads;

    /// <summary>Self-attention: queries, keys and values all come from <paramref name="x"/>.</summary>
    /// <param name="x">Tokens, <c>[n, d_model]</c>.</param>
    /// <param name="mask">Optional <c>[n, n]</c> mask shared by all heads; true = may attend.</param>
    /// <returns>The output and each head's weights.</returns>
    public MultiHeadResult Forward(Matrix<double> x, bool[,]? mask = null) => Forward(x, x, x, mask);

    /// <summary>Attention of the tokens in <paramref name="xq"/> over those in <paramref name="xk"/>/<paramref name="xv"/>.</summary>
    /// <param name="xq">Query-side tokens, <c>[n, d_model]</c>.</param>
    /// <param name="xk">Key-side tokens, <c>[m, d_model]</c>.</param>
    /// <param name="xv">Value-side tokens, <c>[m, d_model]</c>.</param>
    /// <param name="mask">Optional <c>[n, m]</c> mask shared by all heads; true = may attend.</param>
    /// <returns>The output and each head's weights.</returns>
    public MultiHeadResult Forward(Matrix<double> xq, Matrix<double> xk, Matrix<double> xv, bool[,]? mask = null)
    {
        Check.NotNull(xq, nameof(xq));
        Check.NotNull(xk, nameof(xk));
        Check.NotNull(xv, nameof(xv));
        int d = DModel;
        foreach (var (x, name) in new[] { (xq, nameof(xq)), (xk, nameof(xk)), (xv, nameof(xv)) })
            if (x.ColumnCount != d)
                throw new ArgumentException($"{name} is {Check.Shape(x)} but this layer has d_model = {d}: inputs must have {d} columns.", name);
        if (xk.RowCount != xv.RowCount)
            throw new ArgumentException($"xk is {Check.Shape(xk)} but xv is {Check.Shape(xv)}: keys have {xk.RowCount} rows but values have {xv.RowCount}.", nameof(xv));
        int n = xq.RowCount, m = xk.RowCount, dh = HeadDim;
        if (mask is not null && (mask.GetLength(0) != n || mask.GetLength(1) != m))
            throw new ArgumentException($"xq is {Check.Shape(xq)} and xk is {Check.Shape(xk)}, so the mask must be {n}×{m} ([queries, keys]), but it is {Check.Shape(mask)}.", nameof(mask));

        var q = Layout.ToRowMajor(xq * Wq);
        var k = Layout.ToRowMajor(xk * Wk);
        var v = Layout.ToRowMajor(xv * Wv);
        var flatMask = mask is null ? null : Layout.Flatten(mask);
        Check.Elements(n, m, nameof(xq), "The attention weights of one head (queries × keys)", hint: Check.StreamingHint);
        var concat = new double[n * d];
        var headWeights = new Matrix<double>[Heads];
        var qh = new double[n * dh];
        var kh = new double[m * dh];
        var vh = new double[m * dh];
        var oh = new double[n * dh];
        for (int h = 0; h < Heads; h++)
        {
            SliceColumns(q, qh, n, d, h * dh, dh);
            SliceColumns(k, kh, m, d, h * dh, dh);
            SliceColumns(v, vh, m, d, h * dh, dh);
            var w = new double[n * m];
            ScaledDotProductAttention.Kernel<double>(qh, kh, vh, oh, w, n, m, dh, dh, flatMask, default);
            for (int i = 0; i < n; i++) oh.AsSpan(i * dh, dh).CopyTo(concat.AsSpan(i * d + h * dh, dh));
            headWeights[h] = Layout.FromRowMajor(w, n, m);
        }
        var output = Layout.FromRowMajor(concat, n, d) * Wo;
        return new MultiHeadResult(output, headWeights);
    }

    private static void SliceColumns(double[] src, double[] dst, int rows, int cols, int start, int width)
    {
        for (int r = 0; r < rows; r++) src.AsSpan(r * cols + start, width).CopyTo(dst.AsSpan(r * width, width));
    }

    private static void CheckHeads(int dModel, int heads)
    {
        if (heads <= 0)
            throw new ArgumentOutOfRangeException(nameof(heads), heads, $"heads must be at least 1, but it is {heads}.");
        if (dModel % heads != 0)
        {
            var divisors = Enumerable.Range(1, dModel).Where(x => dModel % x == 0);
            throw new ArgumentException(
                $"d_model = {dModel} is not divisible by heads = {heads}: each head takes d_model / heads columns. " +
                $"Choose heads among {string.Join(", ", divisors)}.", nameof(heads));
        }
    }

    private static string Capital(string name) => char.ToUpperInvariant(name[0]) + name[1..];
}

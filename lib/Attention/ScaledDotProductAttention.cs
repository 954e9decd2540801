using System.Numerics;
using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>
/// Scaled dot-product attention (Vaswani et al. 2017):
/// <c>Output = softmax(Q·Kᵀ/√d_k + bias, masked) · V</c>, softmax taken row by row, so that for
/// query i the output is <c>o_i = Σ_j α_ij v_j</c> with <c>α_i = softmax(q_i·Kᵀ/√d_k)</c> over the keys.
/// </summary>
/// <remarks>
/// Shapes (row-major, <c>[tokens, features]</c>): Q <c>[n, d_k]</c>, K <c>[m, d_k]</c>, V <c>[m, d_v]</c>,
/// mask and bias <c>[n, m]</c>, output <c>[n, d_v]</c>, weights <c>[n, m]</c>. Special values follow
/// <see cref="Softmax"/>: a query that may attend to nothing gets all-zero weights and a zero output.
/// </remarks>
public static class ScaledDotProductAttention
{
    /// <summary>Computes <c>softmax(Q·Kᵀ/√d_k + bias, masked)·V</c>.</summary>
    /// <param name="q">Queries, <c>[n, d_k]</c>.</param>
    /// <param name="k">Keys, <c>[m, d_k]</c>.</param>
    /// <param name="v">Values, <c>[m, d_v]</c>.</param>
    /// <param name="mask">Optional <c>[n, m]</c>; true = may attend (see <see cref="Masks"/>).</param>
    /// <param name="bias">Optional <c>[n, m]</c> added to the scaled scores before the softmax
    /// (e.g. <see cref="Alibi.Bias(int, int, double)"/> or <see cref="Masks.ToAdditive(bool[,])"/>).</param>
    /// <returns>The outputs and the weights.</returns>
    public static AttentionResult Compute(Matrix<double> q, Matrix<double> k, Matrix<double> v,
        bool[,]? mask = null, Matrix<double>? bias = null)
    {
        Check.NotNull(q, nameof(q));
        Check.NotNull(k, nameof(k));
        Check.NotNull(v, nameof(v));
        Scores.CheckQK(q, k);
        CheckKV(k, v);
        int n = q.RowCount, m = k.RowCount, dk = q.ColumnCount, dv = v.ColumnCount;
        if (mask is not null && (mask.GetLength(0) != n || mask.GetLength(1) != m))
            throw new ArgumentException(
                $"Q is {Check.Shape(q)} and K is {Check.Shape(k)}, so the mask must be {n}×{m} ([queries, keys]), but it is {Check.Shape(mask)}.",
                nameof(mask));
        if (bias is not null && (bias.RowCount != n || bias.ColumnCount != m))
            throw new ArgumentException(
                $"Q is {Check.Shape(q)} and K is {Check.Shape(k)}, so the bias must be {n}×{m} ([queries, keys]), but it is {Check.Shape(bias)}.",
                nameof(bias));

        var weights = Check.Allocate<double>(n, m, nameof(q), "The attention weights (queries × keys)", Check.StreamingHint);
        var output = Check.Allocate<double>(n, dv, nameof(v), "The output (queries × value width)");
        Kernel<double>(Layout.ToRowMajor(q), Layout.ToRowMajor(k), Layout.ToRowMajor(v), output, weights,
            n, m, dk, dv, mask is null ? default : Layout.Flatten(mask), bias is null ? default : Layout.ToRowMajor(bias));
        return new AttentionResult(Layout.FromRowMajor(output, n, dv), Layout.FromRowMajor(weights, n, m));
    }

    /// <summary>Self-attention with Q = K = V = <paramref name="x"/> (no projections).</summary>
    /// <param name="x">Tokens, <c>[n, d]</c>.</param>
    /// <param name="mask">Optional <c>[n, n]</c> mask.</param>
    /// <returns>The outputs and the weights.</returns>
    public static AttentionResult Compute(Matrix<double> x, bool[,]? mask = null) => Compute(x, x, x, mask);

    /// <summary>Span kernel: row-major <c>output = softmax(Q·Kᵀ/√dk, masked)·V</c>, also writing the weights.</summary>
    /// <param name="q">Queries, <c>[queries, dk]</c>.</param>
    /// <param name="k">Keys, <c>[keys, dk]</c>.</param>
    /// <param name="v">Values, <c>[keys, dv]</c>.</param>
    /// <param name="output">Destination, <c>[queries, dv]</c>.</param>
    /// <param name="weights">Destination for the weights, <c>[queries, keys]</c>.</param>
    /// <param name="queries">Number of queries.</param>
    /// <param name="keys">Number of keys (and values).</param>
    /// <param name="dk">Query/key feature size.</param>
    /// <param name="dv">Value feature size.</param>
    /// <param name="mask">Empty for no mask, otherwise <c>[queries, keys]</c> flags; true = may attend.</param>
    /// <param name="bias">Empty for no bias, otherwise <c>[queries, keys]</c> added to the scaled scores.</param>
    public static void Compute(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v,
        Span<float> output, Span<float> weights, int queries, int keys, int dk, int dv,
        ReadOnlySpan<bool> mask = default, ReadOnlySpan<float> bias = default)
    {
        CheckSpans(q.Length, k.Length, v.Length, output.Length, weights.Length, mask.Length, bias.Length, queries, keys, dk, dv);
        Kernel(q, k, v, output, weights, queries, keys, dk, dv, mask, bias);
    }

    /// <inheritdoc cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int, int, ReadOnlySpan{bool}, ReadOnlySpan{float})"/>
    public static void Compute(ReadOnlySpan<double> q, ReadOnlySpan<double> k, ReadOnlySpan<double> v,
        Span<double> output, Span<double> weights, int queries, int keys, int dk, int dv,
        ReadOnlySpan<bool> mask = default, ReadOnlySpan<double> bias = default)
    {
        CheckSpans(q.Length, k.Length, v.Length, output.Length, weights.Length, mask.Length, bias.Length, queries, keys, dk, dv);
        Kernel(q, k, v, output, weights, queries, keys, dk, dv, mask, bias);
    }

    private static void CheckKV(Matrix<double> k, Matrix<double> v)
    {
        if (k.RowCount != v.RowCount)
            throw new ArgumentException(
                $"K is {Check.Shape(k)} but V is {Check.Shape(v)}: keys have {k.RowCount} rows but values have {v.RowCount}. " +
                "Every key needs exactly one value (one row each).",
                nameof(v));
    }

    private static void CheckSpans(int qLength, int kLength, int vLength, int oLength, int wLength, int maskLength, int biasLength,
        int queries, int keys, int dk, int dv)
    {
        Scores.CheckSpans(qLength, kLength, wLength, queries, keys, dk);
        Check.NonNegative(dv, nameof(dv));
        Check.Span(vLength, keys, dv, "V");
        Check.Span(oLength, queries, dv, "the output");
        Check.OptionalMask(maskLength, queries, keys, "the mask");
        Check.OptionalMask(biasLength, queries, keys, "the bias");
    }

    /// <summary>The fast blocked kernel (<see cref="BlockedAttention"/>), or the plain one without vector hardware.</summary>
    internal static void Kernel<T>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v,
        Span<T> output, Span<T> weights, int queries, int keys, int dk, int dv,
        ReadOnlySpan<bool> mask, ReadOnlySpan<T> bias)
        where T : IFloatingPointIeee754<T>
    {
        if (!BlockedAttention.TryRun(q, k, v, output, weights, queries, keys, dk, dv, mask, bias))
            KernelSimple(q, k, v, output, weights, queries, keys, dk, dv, mask, bias);
    }

    /// <summary>The plain kernel the fast one replaced (one dot product per score, row softmax, one row of V at a
    /// time); kept as the reference it is tested and measured against.</summary>
    internal static void KernelSimple<T>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v,
        Span<T> output, Span<T> weights, int queries, int keys, int dk, int dv,
        ReadOnlySpan<bool> mask, ReadOnlySpan<T> bias)
        where T : IFloatingPointIeee754<T>
    {
        Scores.DotKernelSimple(q, k, weights, queries, keys, dk, Scores.InverseSqrt<T>(dk));
        if (!bias.IsEmpty) TensorPrimitives.Add(weights, bias, weights);
        if (!mask.IsEmpty) for (int i = 0; i < weights.Length; i++) if (!mask[i]) weights[i] = T.NegativeInfinity;
        Softmax.RowsKernelSimple<T>(weights, weights, keys == 0 ? 1 : keys, T.One);
        WeightedSum(weights, v, output, queries, keys, dv);
    }

    /// <summary><c>output = weights · V</c>: each output row is Σ_j w_ij v_j.</summary>
    internal static void WeightedSum<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> v, Span<T> output, int queries, int keys, int dv)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < queries; i++)
        {
            var o = output.Slice(i * dv, dv);
            o.Clear();
            var w = weights.Slice(i * keys, keys);
            for (int j = 0; j < keys; j++)
            {
                T wij = w[j];
                if (wij == T.Zero) continue; // masked: 0 · v is 0 even when v holds ±∞ or NaN
                TensorPrimitives.MultiplyAdd(v.Slice(j * dv, dv), wij, o, o);
            }
        }
    }
}

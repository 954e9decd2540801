using System.Numerics;
using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;
using Vector = MathNet.Numerics.LinearAlgebra.Vector<double>;

namespace Attention;

/// <summary>
/// Score functions: how much query <c>i</c> matches key <c>j</c>, before any softmax. All return
/// a <c>[queries, keys]</c> matrix. Queries are the rows of Q (<c>[n, d_q]</c>), keys the rows of K
/// (<c>[m, d_k]</c>).
/// </summary>
public static class Scores
{
    /// <summary>Dot-product scores <c>Q·Kᵀ</c>: entry (i, j) is <c>q_i · k_j</c>.</summary>
    /// <param name="q">Queries, <c>[n, d_k]</c>.</param>
    /// <param name="k">Keys, <c>[m, d_k]</c>.</param>
    /// <returns>Scores, <c>[n, m]</c>.</returns>
    public static Matrix<double> Dot(Matrix<double> q, Matrix<double> k) => DotMatrix(q, k, scaled: false);

    /// <summary>Scaled dot-product scores <c>Q·Kᵀ / √d_k</c> (Vaswani et al. 2017). The scale keeps the
    /// variance of a score near 1 when q and k have unit-variance entries, so softmax does not saturate.</summary>
    /// <param name="q">Queries, <c>[n, d_k]</c>.</param>
    /// <param name="k">Keys, <c>[m, d_k]</c>.</param>
    /// <returns>Scores, <c>[n, m]</c>.</returns>
    public static Matrix<double> ScaledDot(Matrix<double> q, Matrix<double> k) => DotMatrix(q, k, scaled: true);

    /// <summary>Multiplicative ("general", Luong et al. 2015) scores <c>Q·W·Kᵀ</c>: entry (i, j) is <c>q_iᵀ W k_j</c>.</summary>
    /// <param name="q">Queries, <c>[n, d_q]</c>.</param>
    /// <param name="w">A learned matrix, <c>[d_q, d_k]</c>.</param>
    /// <param name="k">Keys, <c>[m, d_k]</c>.</param>
    /// <returns>Scores, <c>[n, m]</c>.</returns>
    public static Matrix<double> Multiplicative(Matrix<double> q, Matrix<double> w, Matrix<double> k)
    {
        Check.NotNull(q, nameof(q));
        Check.NotNull(w, nameof(w));
        Check.NotNull(k, nameof(k));
        if (w.RowCount != q.ColumnCount || w.ColumnCount != k.ColumnCount)
            throw new ArgumentException(
                $"Q is {Check.Shape(q)} and K is {Check.Shape(k)}, so W must be {q.ColumnCount}×{k.ColumnCount} ([d_q, d_k]), but it is {Check.Shape(w)}.",
                nameof(w));
        return q * w * k.Transpose();
    }

    /// <summary>Additive (Bahdanau et al. 2015) scores: entry (i, j) is <c>vᵀ tanh(Wq q_i + Wk k_j)</c>.</summary>
    /// <param name="q">Queries, <c>[n, d_q]</c>.</param>
    /// <param name="k">Keys, <c>[m, d_k]</c>.</param>
    /// <param name="wq">Query projection, <c>[h, d_q]</c>.</param>
    /// <param name="wk">Key projection, <c>[h, d_k]</c>.</param>
    /// <param name="v">Output vector, length <c>h</c>.</param>
    /// <returns>Scores, <c>[n, m]</c>.</returns>
    public static Matrix<double> Additive(Matrix<double> q, Matrix<double> k, Matrix<double> wq, Matrix<double> wk, Vector v)
    {
        Check.NotNull(q, nameof(q));
        Check.NotNull(k, nameof(k));
        Check.NotNull(wq, nameof(wq));
        Check.NotNull(wk, nameof(wk));
        Check.NotNull(v, nameof(v));
        if (wq.ColumnCount != q.ColumnCount)
            throw new ArgumentException(
                $"Q is {Check.Shape(q)} but Wq is {Check.Shape(wq)}: Wq must have d_q = {q.ColumnCount} columns ([h, d_q]).", nameof(wq));
        if (wk.ColumnCount != k.ColumnCount)
            throw new ArgumentException(
                $"K is {Check.Shape(k)} but Wk is {Check.Shape(wk)}: Wk must have d_k = {k.ColumnCount} columns ([h, d_k]).", nameof(wk));
        if (wk.RowCount != wq.RowCount)
            throw new ArgumentException(
                $"Wq is {Check.Shape(wq)} but Wk is {Check.Shape(wk)}: both must have the same number of rows (the hidden size h).", nameof(wk));
        if (v.Count != wq.RowCount)
            throw new ArgumentException(
                $"Wq and Wk have h = {wq.RowCount} rows but v has length {v.Count}: v must have length h.", nameof(v));

        int n = q.RowCount, m = k.RowCount, h = wq.RowCount;
        var a = Layout.ToRowMajor(q * wq.Transpose()); // [n, h]: Wq q_i as rows
        var b = Layout.ToRowMajor(k * wk.Transpose()); // [m, h]: Wk k_j as rows
        var vv = v.ToArray();
        var scores = Check.Allocate<double>(n, m, nameof(q), "The scores (queries × keys)", Check.StreamingHint);
        var hidden = new double[h];
        for (int i = 0; i < n; i++)
        {
            var ai = a.AsSpan(i * h, h);
            for (int j = 0; j < m; j++)
            {
                TensorPrimitives.Add(ai, b.AsSpan(j * h, h), hidden);
                TensorPrimitives.Tanh(hidden, hidden);
                scores[i * m + j] = TensorPrimitives.Dot(hidden, vv);
            }
        }
        return Layout.FromRowMajor(scores, n, m);
    }

    // ───────────────────────── span kernels ─────────────────────────

    /// <summary>Row-major <c>scores = Q·Kᵀ</c>.</summary>
    /// <param name="q">Queries, row-major <c>[queries, dk]</c>.</param>
    /// <param name="k">Keys, row-major <c>[keys, dk]</c>.</param>
    /// <param name="scores">Destination, row-major <c>[queries, keys]</c>.</param>
    /// <param name="queries">Number of queries (rows of Q).</param>
    /// <param name="keys">Number of keys (rows of K).</param>
    /// <param name="dk">Feature size shared by queries and keys.</param>
    public static void Dot(ReadOnlySpan<float> q, ReadOnlySpan<float> k, Span<float> scores, int queries, int keys, int dk)
    {
        CheckSpans(q.Length, k.Length, scores.Length, queries, keys, dk);
        DotKernel(q, k, scores, queries, keys, dk, 1f);
    }

    /// <inheritdoc cref="Dot(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int)"/>
    public static void Dot(ReadOnlySpan<double> q, ReadOnlySpan<double> k, Span<double> scores, int queries, int keys, int dk)
    {
        CheckSpans(q.Length, k.Length, scores.Length, queries, keys, dk);
        DotKernel(q, k, scores, queries, keys, dk, 1.0);
    }

    /// <summary>Row-major <c>scores = Q·Kᵀ / √dk</c>.</summary>
    /// <inheritdoc cref="Dot(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int)"/>
    public static void ScaledDot(ReadOnlySpan<float> q, ReadOnlySpan<float> k, Span<float> scores, int queries, int keys, int dk)
    {
        CheckSpans(q.Length, k.Length, scores.Length, queries, keys, dk);
        DotKernel(q, k, scores, queries, keys, dk, InverseSqrt<float>(dk));
    }

    /// <summary>Row-major <c>scores = Q·Kᵀ / √dk</c>.</summary>
    /// <inheritdoc cref="Dot(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int)"/>
    public static void ScaledDot(ReadOnlySpan<double> q, ReadOnlySpan<double> k, Span<double> scores, int queries, int keys, int dk)
    {
        CheckSpans(q.Length, k.Length, scores.Length, queries, keys, dk);
        DotKernel(q, k, scores, queries, keys, dk, InverseSqrt<double>(dk));
    }

    internal static T InverseSqrt<T>(int dk) where T : IFloatingPointIeee754<T>
        => T.CreateChecked(1.0 / Math.Sqrt(dk));

    internal static void CheckSpans(int qLength, int kLength, int sLength, int queries, int keys, int dk)
    {
        Check.NonNegative(queries, nameof(queries));
        Check.NonNegative(keys, nameof(keys));
        Check.Positive(dk, nameof(dk));
        Check.Span(qLength, queries, dk, "Q");
        Check.Span(kLength, keys, dk, "K");
        Check.Span(sLength, queries, keys, "the scores");
    }

    /// <summary><c>scores = scale·Q·Kᵀ</c>: the blocked vector product (<see cref="ScoreProduct"/>), or the plain loops without vector hardware.</summary>
    internal static void DotKernel<T>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, Span<T> scores, int queries, int keys, int dk, T scale)
        where T : IFloatingPointIeee754<T>
    {
        if (!ScoreProduct.TryRun(q, k, scores, queries, keys, dk, scale))
            DotKernelSimple(q, k, scores, queries, keys, dk, scale);
    }

    /// <summary>The plain kernel the fast one replaced (one dot product per score); the reference it is tested and measured against.</summary>
    internal static void DotKernelSimple<T>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, Span<T> scores, int queries, int keys, int dk, T scale)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < queries; i++)
        {
            var qi = q.Slice(i * dk, dk);
            var row = scores.Slice(i * keys, keys);
            for (int j = 0; j < keys; j++) row[j] = TensorPrimitives.Dot(qi, k.Slice(j * dk, dk)) * scale;
        }
    }

    private static Matrix<double> DotMatrix(Matrix<double> q, Matrix<double> k, bool scaled)
    {
        Check.NotNull(q, nameof(q));
        Check.NotNull(k, nameof(k));
        CheckQK(q, k);
        int n = q.RowCount, m = k.RowCount, dk = q.ColumnCount;
        var scores = Check.Allocate<double>(n, m, nameof(q), "The scores (queries × keys)", Check.StreamingHint);
        DotKernel<double>(Layout.ToRowMajor(q), Layout.ToRowMajor(k), scores, n, m, dk, scaled ? InverseSqrt<double>(dk) : 1.0);
        return Layout.FromRowMajor(scores, n, m);
    }

    internal static void CheckQK(Matrix<double> q, Matrix<double> k)
    {
        if (q.ColumnCount != k.ColumnCount)
            throw new ArgumentException(
                $"Q is {Check.Shape(q)} but K is {Check.Shape(k)}: Q and K need the same number of columns (d_k). " +
                "Project them to a common size first, or use Scores.Multiplicative / Scores.Additive, which allow different sizes.",
                nameof(k));
        if (q.ColumnCount == 0)
            throw new ArgumentException($"Q is {Check.Shape(q)} and K is {Check.Shape(k)}: d_k must be at least 1.", nameof(q));
    }
}

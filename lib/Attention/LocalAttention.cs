using System.Numerics;
using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>
/// Sliding-window (local) self-attention computed only inside the window: query i scores and mixes
/// only the keys <c>j</c> with <c>|i − j| ≤ window</c> (and <c>j ≤ i</c> when causal). It gives the same
/// result as full attention with <see cref="Masks.SlidingWindow(int, int, bool)"/>, but costs
/// <c>O(n · window · d)</c> time and <c>O(n · window)</c> memory instead of <c>O(n² · d)</c> and <c>O(n²)</c>:
/// a mask only hides scores that were already computed, this kernel never computes them.
/// </summary>
/// <remarks>
/// <para>Shapes (row-major): Q <c>[n, d_k]</c>, K <c>[n, d_k]</c>, V <c>[n, d_v]</c> — one sequence, so
/// queries and keys share positions. Output <c>[n, d_v]</c>.</para>
/// <para>The weights are kept as a <b>band</b> <c>[n, width]</c> with <c>width = 2·window + 1</c>
/// (causal: <c>window + 1</c>): band entry <c>(i, t)</c> is the weight of key <c>j = i − window + t</c>.
/// Entries whose key falls outside <c>0 … n − 1</c> are 0. <see cref="LocalAttentionResult.DenseWeights"/>
/// expands the band to the usual <c>[n, n]</c> matrix.</para>
/// <para>A window of <c>n − 1</c> or more already covers every key, so the window is clamped to
/// <c>n − 1</c> (this keeps the band no wider than it needs to be).</para>
/// </remarks>
public static class LocalAttention
{
    /// <summary>Columns of the band: <c>2·window + 1</c>, or <c>window + 1</c> when causal.</summary>
    /// <param name="window">Largest distance |i − j| allowed (≥ 0).</param>
    /// <param name="causal">Whether keys after the query are excluded.</param>
    /// <returns>The band width.</returns>
    public static int BandWidth(int window, bool causal)
    {
        Check.NonNegative(window, nameof(window));
        return causal ? checked(window + 1) : checked(2 * window + 1);
    }

    /// <summary>The keys query <paramref name="query"/> may see: <c>first … last</c> inclusive.</summary>
    /// <param name="query">Query position, <c>0 … n − 1</c>.</param>
    /// <param name="n">Sequence length.</param>
    /// <param name="window">Largest distance allowed.</param>
    /// <param name="causal">Exclude keys after the query.</param>
    /// <returns>The first and last key position.</returns>
    public static (int First, int Last) KeyRange(int query, int n, int window, bool causal)
    {
        Check.Positive(n, nameof(n));
        Check.NonNegative(window, nameof(window));
        if (query < 0 || query >= n)
            throw new ArgumentOutOfRangeException(nameof(query), query, $"query must be between 0 and n − 1 = {n - 1}, but it is {query}.");
        int first = Math.Max(0, query - window);
        int last = causal ? query : (int)Math.Min(n - 1L, (long)query + window);
        return (first, last);
    }

    /// <summary>Local self-attention of the tokens in <paramref name="x"/> (Q = K = V = x).</summary>
    /// <param name="x">Tokens <c>[n, d]</c>.</param>
    /// <param name="window">Largest distance |i − j| a query may look (≥ 0).</param>
    /// <param name="causal">Also forbid looking ahead.</param>
    /// <returns>The output and the banded weights.</returns>
    public static LocalAttentionResult Compute(Matrix<double> x, int window, bool causal = false) => Compute(x, x, x, window, causal);

    /// <summary>Local attention: <c>o_i = Σ_j α_ij v_j</c> over the keys of the window, with
    /// <c>α_i = softmax(q_i·k_j/√d_k)</c> taken over those keys only.</summary>
    /// <param name="q">Queries <c>[n, d_k]</c>.</param>
    /// <param name="k">Keys <c>[n, d_k]</c> (same positions as the queries).</param>
    /// <param name="v">Values <c>[n, d_v]</c>.</param>
    /// <param name="window">Largest distance |i − j| a query may look (≥ 0).</param>
    /// <param name="causal">Also forbid looking ahead.</param>
    /// <returns>The output and the banded weights.</returns>
    public static LocalAttentionResult Compute(Matrix<double> q, Matrix<double> k, Matrix<double> v, int window, bool causal = false)
    {
        Check.NotNull(q, nameof(q));
        Check.NotNull(k, nameof(k));
        Check.NotNull(v, nameof(v));
        Check.NonNegative(window, nameof(window));
        Scores.CheckQK(q, k);
        if (k.RowCount != q.RowCount)
            throw new ArgumentException(
                $"Q is {Check.Shape(q)} but K is {Check.Shape(k)}: local attention runs over one sequence, so Q and K need the same number of rows (positions).",
                nameof(k));
        if (v.RowCount != k.RowCount)
            throw new ArgumentException(
                $"K is {Check.Shape(k)} but V is {Check.Shape(v)}: keys have {k.RowCount} rows but values have {v.RowCount}. Every key needs exactly one value.",
                nameof(v));
        int n = q.RowCount, dk = q.ColumnCount, dv = v.ColumnCount;
        int w = Clamp(window, n);
        int width = BandWidth(w, causal);
        var output = Check.Allocate<double>(n, dv, nameof(v), "The output (queries × value width)");
        var band = Check.Allocate<double>(n, width, nameof(window), "The band of weights (queries × window width)");
        Kernel<double>(Layout.ToRowMajor(q), Layout.ToRowMajor(k), Layout.ToRowMajor(v), output, band, n, dk, dv, w, causal);
        return new LocalAttentionResult(Layout.FromRowMajor(output, n, dv), Layout.FromRowMajor(band, n, width), w, causal);
    }

    /// <summary>Span kernel: row-major local attention, writing the output and the band of weights.
    /// The caller clamps nothing here: <paramref name="band"/> must hold <c>n × BandWidth(window, causal)</c> values.</summary>
    /// <param name="q">Queries, <c>[n, dk]</c>.</param>
    /// <param name="k">Keys, <c>[n, dk]</c>.</param>
    /// <param name="v">Values, <c>[n, dv]</c>.</param>
    /// <param name="output">Destination, <c>[n, dv]</c>.</param>
    /// <param name="band">Destination for the weights, <c>[n, BandWidth(window, causal)]</c>.</param>
    /// <param name="n">Sequence length.</param>
    /// <param name="dk">Query/key feature size.</param>
    /// <param name="dv">Value feature size.</param>
    /// <param name="window">Largest distance allowed.</param>
    /// <param name="causal">Exclude keys after the query.</param>
    public static void Compute(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output, Span<float> band,
        int n, int dk, int dv, int window, bool causal = false)
    {
        CheckSpans(q.Length, k.Length, v.Length, output.Length, band.Length, n, dk, dv, window, causal);
        Kernel(q, k, v, output, band, n, dk, dv, window, causal);
    }

    /// <inheritdoc cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int, int, bool)"/>
    public static void Compute(ReadOnlySpan<double> q, ReadOnlySpan<double> k, ReadOnlySpan<double> v, Span<double> output, Span<double> band,
        int n, int dk, int dv, int window, bool causal = false)
    {
        CheckSpans(q.Length, k.Length, v.Length, output.Length, band.Length, n, dk, dv, window, causal);
        Kernel(q, k, v, output, band, n, dk, dv, window, causal);
    }

    private static int Clamp(int window, int n) => n == 0 ? 0 : Math.Min(window, n - 1);

    private static void CheckSpans(int qLength, int kLength, int vLength, int oLength, int bandLength,
        int n, int dk, int dv, int window, bool causal)
    {
        Check.NonNegative(n, nameof(n));
        Check.Positive(dk, nameof(dk));
        Check.NonNegative(dv, nameof(dv));
        int width = BandWidth(window, causal);
        Check.Span(qLength, n, dk, "Q");
        Check.Span(kLength, n, dk, "K");
        Check.Span(vLength, n, dv, "V");
        Check.Span(oLength, n, dv, "the output");
        Check.Span(bandLength, n, width, "the band");
    }

    /// <summary>The fast blocked kernel (<see cref="BandedAttention"/>), or the plain one without vector hardware.</summary>
    internal static void Kernel<T>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, Span<T> output, Span<T> band,
        int n, int dk, int dv, int window, bool causal)
        where T : IFloatingPointIeee754<T>
    {
        if (!BandedAttention.TryRun(q, k, v, output, band, n, dk, dv, window, causal))
            KernelSimple(q, k, v, output, band, n, dk, dv, window, causal);
    }

    /// <summary>The plain kernel the fast one replaced (each query's window on its own); the reference it is tested and measured against.</summary>
    internal static void KernelSimple<T>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, Span<T> output, Span<T> band,
        int n, int dk, int dv, int window, bool causal)
        where T : IFloatingPointIeee754<T>
    {
        int width = BandWidth(window, causal);
        T scale = Scores.InverseSqrt<T>(dk);
        for (int i = 0; i < n; i++)
        {
            var row = band.Slice(i * width, width);
            row.Clear();
            var (first, last) = KeyRange(i, n, window, causal);
            int count = last - first + 1;
            var weights = row.Slice(first - (i - window), count); // band column t holds key i − window + t
            var qi = q.Slice(i * dk, dk);
            for (int j = first; j <= last; j++) weights[j - first] = TensorPrimitives.Dot(qi, k.Slice(j * dk, dk)) * scale;
            Softmax.Row<T>(weights, weights, T.One);
            ScaledDotProductAttention.WeightedSum<T>(weights, v.Slice(first * dv, count * dv), output.Slice(i * dv, dv), 1, count, dv);
        }
    }
}

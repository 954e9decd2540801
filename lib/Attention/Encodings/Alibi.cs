using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>
/// ALiBi (Press et al. 2022, "Train Short, Test Long"): no positional encoding on the tokens; instead each head
/// adds <c>−slope · distance</c> to its attention scores, so far-away keys are penalised linearly.
/// </summary>
public static class Alibi
{
    /// <summary>The most heads <see cref="Slopes"/> makes slopes for (2²⁰): beyond it the list would only cost memory.</summary>
    public const int MaxHeads = 1 << 20;

    /// <summary>
    /// The per-head slopes of the paper. For a power of two <c>h</c>: the geometric sequence
    /// <c>2^(−8k/h)</c>, k = 1 … h (for 8 heads: 1/2, 1/4, …, 1/256). Otherwise, with <c>p</c> the largest power of
    /// two below h: the p slopes for p heads, followed by every other slope of the 2p-head sequence
    /// (those with odd k) until there are h (the reference implementation's rule).
    /// </summary>
    /// <param name="heads">Number of heads (≥ 1).</param>
    /// <returns>One slope per head.</returns>
    public static double[] Slopes(int heads)
    {
        Check.Positive(heads, nameof(heads));
        if (heads > MaxHeads)
            throw new ArgumentOutOfRangeException(nameof(heads), heads,
                $"heads must be at most {MaxHeads:N0} (models use 1 to 128), but it is {heads:N0}.");
        if ((heads & (heads - 1)) == 0) return PowerOfTwo(heads);
        int p = 1 << (31 - int.LeadingZeroCount(heads)); // largest power of two ≤ heads
        var result = new List<double>(PowerOfTwo(p));
        var doubled = Slopes(2 * p);
        for (int k = 0; result.Count < heads; k += 2) result.Add(doubled[k]);
        return result.ToArray();
    }

    /// <summary>
    /// The bias <c>[queries, keys]</c> to add to one head's scores: <c>−slope · |i − j|</c>. In causal use only
    /// <c>j ≤ i</c> is allowed and this is the paper's <c>−slope · (i − j)</c>; for <c>j &gt; i</c> we use the
    /// symmetric form <c>−slope · |i − j|</c> (the paper is causal-only and does not define it), so the bias also
    /// works without a causal mask. With unequal sizes the queries are aligned to the end of the keys
    /// (query i is at position <c>i + keys − queries</c>), as in <see cref="Masks.Causal(int, int)"/>.
    /// </summary>
    /// <param name="queries">Number of queries.</param>
    /// <param name="keys">Number of keys.</param>
    /// <param name="slope">The head's slope (see <see cref="Slopes"/>).</param>
    /// <returns>The bias matrix; pass it as <c>bias</c> to <see cref="ScaledDotProductAttention.Compute(Matrix{double}, Matrix{double}, Matrix{double}, bool[,], Matrix{double})"/>.</returns>
    public static Matrix<double> Bias(int queries, int keys, double slope)
    {
        Check.NonNegative(queries, nameof(queries));
        Check.NonNegative(keys, nameof(keys));
        if (!double.IsFinite(slope))
            throw new ArgumentOutOfRangeException(nameof(slope), slope, $"The slope must be finite, but it is {slope}.");
        Check.Elements(queries, keys, nameof(queries), "The bias (queries × keys)");
        int shift = keys - queries;
        return Matrix<double>.Build.Dense(queries, keys, (i, j) => -slope * Math.Abs(i + shift - j));
    }

    /// <summary>One bias matrix per head, using <see cref="Slopes"/>.</summary>
    /// <param name="queries">Number of queries.</param>
    /// <param name="keys">Number of keys.</param>
    /// <param name="heads">Number of heads.</param>
    /// <returns>The biases, head 0 first.</returns>
    public static Matrix<double>[] Biases(int queries, int keys, int heads)
        => Slopes(heads).Select(s => Bias(queries, keys, s)).ToArray();

    private static double[] PowerOfTwo(int heads)
    {
        var slopes = new double[heads];
        for (int k = 1; k <= heads; k++) slopes[k - 1] = Math.Pow(2.0, -8.0 * k / heads);
        return slopes;
    }
}

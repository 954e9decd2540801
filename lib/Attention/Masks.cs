using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>
/// Attention masks as <c>bool[queries, keys]</c>, where <c>true</c> means "query i may attend to key j".
/// Pass them to <see cref="Softmax.Masked(Matrix{double}, bool[,], double)"/>,
/// <see cref="ScaledDotProductAttention"/> or <see cref="MultiHeadAttention"/>.
/// </summary>
public static class Masks
{
    /// <summary>
    /// A causal (look-back only) mask: query i may attend to key j when <c>j ≤ i + (keys − queries)</c>.
    /// With equal sizes this is the usual lower triangle (<c>j ≤ i</c>), the same as PyTorch's
    /// <c>is_causal=True</c>. With unequal sizes the triangle is aligned to the end (bottom-right,
    /// like PyTorch's <c>causal_lower_right</c> and FlashAttention ≥ 2.1): the queries are taken to be
    /// the last <c>queries</c> tokens of a sequence of <c>keys</c> tokens, as with a key-value cache.
    /// If <c>queries &gt; keys</c>, the first <c>queries − keys</c> rows allow nothing (all-zero weights).
    /// </summary>
    /// <param name="queries">Number of queries (rows).</param>
    /// <param name="keys">Number of keys (columns).</param>
    /// <returns>The mask.</returns>
    public static bool[,] Causal(int queries, int keys)
    {
        Check.NonNegative(queries, nameof(queries));
        Check.NonNegative(keys, nameof(keys));
        Check.Elements(queries, keys, nameof(queries), "The mask (queries × keys)", sizeof(bool));
        var mask = new bool[queries, keys];
        int shift = keys - queries;
        for (int i = 0; i < queries; i++)
            for (int j = 0; j < keys; j++) mask[i, j] = j <= i + shift;
        return mask;
    }

    /// <summary>A causal mask for self-attention over <paramref name="n"/> tokens (<c>j ≤ i</c>).</summary>
    /// <param name="n">Number of tokens.</param>
    /// <returns>An n×n lower-triangular mask.</returns>
    public static bool[,] Causal(int n) => Causal(n, n);

    /// <summary>Key padding: keys at positions <c>≥ validKeys</c> are padding and may not be attended to.</summary>
    /// <param name="queries">Number of queries (rows).</param>
    /// <param name="keys">Number of keys (columns), padding included.</param>
    /// <param name="validKeys">How many keys are real (0 ≤ validKeys ≤ keys).</param>
    /// <returns>The mask.</returns>
    public static bool[,] KeyPadding(int queries, int keys, int validKeys)
    {
        Check.NonNegative(queries, nameof(queries));
        Check.NonNegative(keys, nameof(keys));
        if (validKeys < 0 || validKeys > keys)
            throw new ArgumentOutOfRangeException(nameof(validKeys), validKeys,
                $"validKeys must be between 0 and the number of keys ({keys}), but it is {validKeys}.");
        Check.Elements(queries, keys, nameof(queries), "The mask (queries × keys)", sizeof(bool));
        var mask = new bool[queries, keys];
        for (int i = 0; i < queries; i++)
            for (int j = 0; j < validKeys; j++) mask[i, j] = true;
        return mask;
    }

    /// <summary>Key-padding masks for a batch of sequences padded to <paramref name="maxLength"/>: one
    /// <c>[maxLength, maxLength]</c> mask per sequence, allowing keys <c>j &lt; validLengths[b]</c>.</summary>
    /// <param name="validLengths">The real length of each sequence.</param>
    /// <param name="maxLength">The padded length.</param>
    /// <returns>One mask per sequence.</returns>
    public static bool[][,] KeyPadding(int[] validLengths, int maxLength)
    {
        Check.NotNull(validLengths, nameof(validLengths));
        Check.NonNegative(maxLength, nameof(maxLength));
        var result = new bool[validLengths.Length][,];
        for (int b = 0; b < validLengths.Length; b++)
        {
            if (validLengths[b] < 0 || validLengths[b] > maxLength)
                throw new ArgumentOutOfRangeException(nameof(validLengths), validLengths[b],
                    $"Sequence {b} has length {validLengths[b]}, which is not between 0 and maxLength = {maxLength}.");
            result[b] = KeyPadding(maxLength, maxLength, validLengths[b]);
        }
        return result;
    }

    /// <summary>Both masks must allow the entry (element-wise AND), e.g. causal and padding together.</summary>
    /// <param name="a">A mask.</param>
    /// <param name="b">A mask of the same shape.</param>
    /// <returns>The combined mask.</returns>
    public static bool[,] And(bool[,] a, bool[,] b)
    {
        Check.NotNull(a, nameof(a));
        Check.NotNull(b, nameof(b));
        if (a.GetLength(0) != b.GetLength(0) || a.GetLength(1) != b.GetLength(1))
            throw new ArgumentException($"The masks are {Check.Shape(a)} and {Check.Shape(b)}: they must have the same shape.", nameof(b));
        var mask = new bool[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) mask[i, j] = a[i, j] && b[i, j];
        return mask;
    }

    /// <summary>
    /// A sliding-window (local) mask over <paramref name="n"/> tokens. <paramref name="window"/> is the
    /// largest distance allowed: non-causal, query i sees keys with <c>|i − j| ≤ window</c>
    /// (2·window + 1 keys); causal, it sees <c>i − window ≤ j ≤ i</c> (window + 1 keys, itself included).
    /// Window 0 lets each token see only itself.
    /// </summary>
    /// <param name="n">Number of tokens.</param>
    /// <param name="window">Largest distance |i − j| allowed (≥ 0).</param>
    /// <param name="causal">Also forbid looking ahead.</param>
    /// <returns>An n×n mask.</returns>
    public static bool[,] SlidingWindow(int n, int window, bool causal)
    {
        Check.NonNegative(n, nameof(n));
        Check.NonNegative(window, nameof(window));
        Check.Elements(n, n, nameof(n), "The mask (n × n)", sizeof(bool), "LocalAttention.Compute applies a sliding window without an n×n mask.");
        var mask = new bool[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                mask[i, j] = Math.Abs(i - j) <= window && (!causal || j <= i);
        return mask;
    }

    /// <summary>The additive form of a mask: 0 where allowed and −∞ where not, to be added to the scores.
    /// Softmax gives −∞ weight exactly 0, so adding this matrix is the same as masking.</summary>
    /// <param name="allowed">The mask.</param>
    /// <returns>A matrix of 0 and −∞ of the same shape.</returns>
    public static Matrix<double> ToAdditive(bool[,] allowed)
    {
        Check.NotNull(allowed, nameof(allowed));
        return Matrix<double>.Build.Dense(allowed.GetLength(0), allowed.GetLength(1),
            (i, j) => allowed[i, j] ? 0.0 : double.NegativeInfinity);
    }

    /// <summary>The mask as a flat row-major array, for the span kernels.</summary>
    /// <param name="allowed">The mask.</param>
    /// <returns><c>allowed[i, j]</c> at index <c>i · keys + j</c>.</returns>
    public static bool[] Flatten(bool[,] allowed)
    {
        Check.NotNull(allowed, nameof(allowed));
        return Layout.Flatten(allowed);
    }
}

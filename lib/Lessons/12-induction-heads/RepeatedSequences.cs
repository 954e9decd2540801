using Attention.Training;
using MathNet.Numerics.LinearAlgebra;

namespace Lessons;

/// <summary>
/// Notebook 12's data and measurements: sequences whose second half repeats the first, and the two scores that
/// identify the heads of an induction circuit from their attention weights.
/// </summary>
public static class RepeatedSequences
{
    /// <summary>
    /// A sequence of <c>half</c> different random tokens followed by the same tokens again, where <c>half</c> is drawn
    /// from <paramref name="minHalf"/> … <paramref name="maxHalf"/> (so the distance to the earlier copy changes from
    /// sequence to sequence and no fixed positional offset finds it), as the model's input (all but the last token)
    /// and targets (the next token; only positions in the repeated half are scored, where the answer can be read from
    /// the first half; −1 elsewhere).
    /// </summary>
    /// <param name="rng">The random source.</param>
    /// <param name="vocabulary">Number of token ids (at least <paramref name="maxHalf"/>).</param>
    /// <param name="minHalf">Shortest first half.</param>
    /// <param name="maxHalf">Longest first half.</param>
    /// <returns>Input tokens and targets (<c>2·half − 1</c> each) and the half's length.</returns>
    public static (int[] Tokens, int[] Targets, int Half) Draw(Random rng, int vocabulary, int minHalf, int maxHalf)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (minHalf < 2 || maxHalf < minHalf)
            throw new ArgumentOutOfRangeException(nameof(maxHalf), $"Halves of {minHalf} … {maxHalf} tokens: need 2 ≤ minHalf ≤ maxHalf.");
        if (vocabulary < maxHalf) throw new ArgumentOutOfRangeException(nameof(vocabulary), vocabulary, $"{maxHalf} different tokens need a vocabulary of at least {maxHalf}.");
        int half = rng.Next(minHalf, maxHalf + 1);
        var first = Enumerable.Range(0, vocabulary).OrderBy(_ => rng.Next()).Take(half).ToArray();
        int[] sequence = [.. first, .. first];
        var tokens = sequence[..^1];
        var targets = new int[tokens.Length];
        for (int i = 0; i < tokens.Length; i++) targets[i] = i >= half ? sequence[i + 1] : -1;
        return (tokens, targets, half);
    }

    /// <summary>
    /// The prefix-matching score of a head: on a repeated sequence, the mean over the query positions i of the second
    /// half (i = half … 2·half − 2) of the weight on key <c>i − half + 1</c>, the token right after the earlier occurrence
    /// of the current token. An induction head scores near 1. For these sequences (a first half of distinct tokens) it
    /// equals the library's <see cref="InductionScores.PrefixMatching"/>, which works on any token sequence.
    /// </summary>
    /// <param name="weights">The head's weights <c>[n, n]</c> on the sequence (n = 2·half − 1).</param>
    /// <param name="half">Length of the first half.</param>
    /// <returns>A score in [0, 1].</returns>
    public static double PrefixMatching(Matrix<double> weights, int half)
    {
        ArgumentNullException.ThrowIfNull(weights);
        CheckShape(weights, half);
        double sum = 0;
        for (int i = half; i <= 2 * half - 2; i++) sum += weights[i, i - half + 1];
        return sum / (half - 1);
    }

    /// <summary>The previous-token score of a head: the mean over i ≥ 1 of the weight of query i on key i − 1
    /// (<see cref="InductionScores.PreviousToken"/>).</summary>
    /// <param name="weights">The head's weights <c>[n, n]</c>.</param>
    /// <returns>A score in [0, 1].</returns>
    public static double PreviousToken(Matrix<double> weights) => InductionScores.PreviousToken(weights);

    private static void CheckShape(Matrix<double> weights, int half)
    {
        if (half < 2 || weights.RowCount != 2 * half - 1 || weights.ColumnCount != 2 * half - 1)
            throw new ArgumentException($"For a first half of {half} tokens the weights are {2 * half - 1}×{2 * half - 1}, not {weights.RowCount}×{weights.ColumnCount}.", nameof(weights));
    }

    /// <summary>Every head's prefix-matching (or previous-token) score on one sequence, after <c>model.Forward</c>.</summary>
    /// <param name="model">The model, just run on the sequence.</param>
    /// <param name="score">The score of one head's weights.</param>
    /// <returns><c>[layer][head]</c>.</returns>
    public static double[][] PerHead(AttentionOnlyDecoder model, Func<Matrix<double>, double> score)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(score);
        return model.Layers.Select(l => l.LastWeights.Select(w => score(w.ToMatrix())).ToArray()).ToArray();
    }
}

/// <summary>
/// Notebook 12's recency task: random tokens (repeats allowed); at each position the target is the token that followed
/// the most recent earlier occurrence of the current token (−1 if it has not occurred before). Several earlier
/// occurrences may match; the most recent one is right, which is what ALiBi's bias prefers.
/// </summary>
public static class RecentOccurrence
{
    /// <summary>Draws one sequence and its targets.</summary>
    /// <param name="rng">The random source.</param>
    /// <param name="length">Number of tokens.</param>
    /// <param name="vocabulary">Number of token ids.</param>
    /// <returns>Tokens and targets.</returns>
    public static (int[] Tokens, int[] Targets) Draw(Random rng, int length, int vocabulary)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (length < 2) throw new ArgumentOutOfRangeException(nameof(length), length, "A sequence needs at least 2 tokens.");
        if (vocabulary < 2) throw new ArgumentOutOfRangeException(nameof(vocabulary), vocabulary, "Use at least 2 different tokens.");
        var tokens = new int[length];
        for (int i = 0; i < length; i++) tokens[i] = rng.Next(vocabulary);
        var targets = new int[length];
        for (int i = 0; i < length; i++)
        {
            targets[i] = -1;
            for (int j = i - 1; j >= 0; j--)
                if (tokens[j] == tokens[i]) { targets[i] = tokens[j + 1]; break; }
        }
        return (tokens, targets);
    }
}

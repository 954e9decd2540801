using MathNet.Numerics.LinearAlgebra;

namespace Attention.Training;

/// <summary>
/// Two scores that name what a causal self-attention head does on a token sequence (Olsson et al. 2022): the
/// previous-token score (how much query i looks at key i − 1) and the prefix-matching score (how much query i looks at
/// the key right after an earlier occurrence of its own token, which is what an induction head does).
/// </summary>
public static class InductionScores
{
    /// <summary>
    /// The prefix-matching score: over the queries i whose token occurred before (some j with 1 ≤ j ≤ i − 1 and
    /// <c>tokens[j − 1] = tokens[i]</c>), the mean of the total weight query i puts on those keys j. Queries whose token
    /// is new are not counted. An induction head scores near 1, a head that ignores content about 1/i per match.
    /// </summary>
    /// <param name="weights">The head's attention weights <c>[n, n]</c> on <paramref name="tokens"/> (rows = queries i, columns = keys j).</param>
    /// <param name="tokens">The n token ids the weights were computed on.</param>
    /// <returns>A score in [0, 1].</returns>
    /// <exception cref="ArgumentException">The shapes disagree, or no token repeats (the score would be undefined).</exception>
    public static double PrefixMatching(Matrix<double> weights, int[] tokens)
    {
        Check.NotNull(weights, nameof(weights));
        Check.NotNull(tokens, nameof(tokens));
        int n = tokens.Length;
        if (weights.RowCount != n || weights.ColumnCount != n)
            throw new ArgumentException($"The weights are {weights.RowCount}×{weights.ColumnCount} but there are {n} tokens: pass the head's weights on exactly these tokens ([n, n]).", nameof(weights));
        double sum = 0;
        int counted = 0;
        for (int i = 0; i < n; i++)
        {
            double mass = 0;
            bool seen = false;
            for (int j = 1; j < i; j++)
                if (tokens[j - 1] == tokens[i]) { mass += weights[i, j]; seen = true; }
            if (!seen) continue;
            sum += mass;
            counted++;
        }
        if (counted == 0)
            throw new ArgumentException("No token occurs twice with a key after its first occurrence, so the prefix-matching score is undefined: use a sequence with repeats (e.g. a random half followed by the same half).", nameof(tokens));
        return sum / counted;
    }

    /// <summary>The previous-token score: the mean over queries i ≥ 1 of the weight on key <c>i − 1</c>.</summary>
    /// <param name="weights">A head's self-attention weights <c>[n, n]</c>, n ≥ 2.</param>
    /// <returns>A score in [0, 1]; 1 for a head that always attends to the token before.</returns>
    /// <exception cref="ArgumentException">The weights are not square with at least 2 rows.</exception>
    public static double PreviousToken(Matrix<double> weights)
    {
        Check.NotNull(weights, nameof(weights));
        if (weights.RowCount != weights.ColumnCount || weights.RowCount < 2)
            throw new ArgumentException($"Self-attention weights are square with at least 2 rows, not {weights.RowCount}×{weights.ColumnCount}.", nameof(weights));
        double sum = 0;
        for (int i = 1; i < weights.RowCount; i++) sum += weights[i, i - 1];
        return sum / (weights.RowCount - 1);
    }
}

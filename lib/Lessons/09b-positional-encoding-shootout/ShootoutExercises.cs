using Attention.Training;
using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>Checkers for the exercises of notebook 09b (positional-encoding shoot-out).</summary>
public static class ShootoutExercises
{
    /// <summary>
    /// Exercise 1: the accuracy at length n of a model that is right at every scored position before L and, past L, right
    /// only by chance (1 in V): what the clamped learned table does. With the shoot-out's settings (L = 16, k = 3, V = 10),
    /// checked at n = L, 2L, 3L and 4L.
    /// </summary>
    /// <param name="accuracy">The learner's function: test length n → expected accuracy.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckClampedTableAccuracy(Func<int, double> accuracy)
    {
        ArgumentNullException.ThrowIfNull(accuracy);
        const string what = "clamped learned table accuracy";
        const string hint = "positions k … n − 1 are scored (n − k of them); positions k … L − 1 are right (L − k); each of the n − L later ones is right with probability 1/V. Divide the expected number right by n − k.";
        var s = new ShootoutSettings();
        int L = s.TrainedLength, k = s.Offset, v = s.Vocabulary;
        return Grade.Guard(what, () =>
        {
            foreach (int n in new[] { L, 2 * L, 3 * L, 4 * L })
            {
                double expected = (L - k + (n - L) / (double)v) / (n - k);
                double actual = accuracy(n);
                if (n > L && Math.Abs(actual - (double)(L - k) / (n - k)) < 1e-9)
                    return Grade.Fail(what, $"at n = {n} you left out the lucky guesses past L", hint);
                var verdict = Grade.Value($"{what} at n = {n}", expected, actual, hint, 1e-9);
                if (!verdict.Correct) return verdict;
            }
            return Grade.Pass($"{what}: your formula is right, and the measured learned-table line lies within its sampling error ({s.EvaluationSequences} test sequences a length)");
        }, hint);
    }

    /// <summary>
    /// Exercise 2: the rotary score between a query at position m and a key at position n: rotate each by its own position
    /// (<see cref="Rotary.Apply(Matrix{double}, int, double)"/>) and take the dot product. Checked against the right value, and
    /// the learner's function must give the same score when both positions move by the same amount (what lets rotary
    /// extrapolate).
    /// </summary>
    /// <param name="score">The learner's function: (q [1, d], k [1, d], m, n) → score.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckRotaryScore(Func<Matrix<double>, Matrix<double>, int, int, double> score)
    {
        ArgumentNullException.ThrowIfNull(score);
        const string what = "rotary score";
        const string hint = "Rotary.Apply(q, startPosition: m) rotates q as the token at position m; do the same for k at n, then take the dot product of the two rows.";
        var q = Init.Normal(1, 8, seed: 3);
        var k = Init.Normal(1, 8, seed: 4);
        return Grade.Guard(what, () =>
        {
            foreach (var (m, n) in new[] { (5, 2), (40, 37), (0, 3), (20, 3) })
            {
                double expected = Rotary.Apply(q, m).Row(0) * Rotary.Apply(k, n).Row(0);
                double actual = score(q.Clone(), k.Clone(), m, n);
                if (Math.Abs(actual - q.Row(0) * k.Row(0)) < 1e-9 && m != n)
                    return Grade.Fail(what, $"for m = {m}, n = {n} you have the plain dot product, with no rotation", hint);
                var verdict = Grade.Value($"{what} for m = {m}, n = {n}", expected, actual, hint, 1e-9);
                if (!verdict.Correct) return verdict;
            }
            return Grade.Pass($"{what}: (5, 2) and (40, 37) give the same score: only m − n matters");
        }, hint);
    }

    /// <summary>
    /// Exercise 3: the attention weights that ALiBi alone gives a query at position i over keys 0 … i when every content
    /// score is equal: softmax of the bias −m·(i − j). Checked for several positions and slopes; the pass message draws
    /// the lesson: the largest weight is always on the query's own position, so no slope singles out "3 back".
    /// </summary>
    /// <param name="weights">The learner's function: (i, m) → i + 1 weights, one per key 0 … i.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckAlibiOnlyWeights(Func<int, double, double[]> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        const string what = "ALiBi-only attention weights";
        const string hint = "the score of key j is the bias −m·(i − j) (0 for the query itself, more negative further back); the weights are Softmax.Of of those i + 1 scores.";
        return Grade.Guard(what, () =>
        {
            foreach (var (i, m) in new[] { (5, 0.5), (8, Alibi.Slopes(1)[0]), (3, 4.0), (0, 1.0) })
            {
                var bias = Enumerable.Range(0, i + 1).Select(j => -m * (i - j)).ToArray();
                var expected = Softmax.Of(bias);
                var actual = weights(i, m);
                if (actual is not null && actual.Length == i + 1)
                {
                    if (Math.Abs(actual.Sum() - 1) > 1e-6)
                        return Grade.Fail(what, $"for i = {i}, m = {m} your weights add up to {actual.Sum():G4}, not 1: apply softmax to the biases", hint);
                    if (i > 0 && actual[0] > actual[i])
                        return Grade.Fail(what, $"for i = {i}, m = {m} the farthest key gets the most weight: the bias must fall with distance (−m·(i − j))", hint);
                }
                var verdict = Grade.Values($"{what} for i = {i}, m = {m}", expected, actual, hint, 1e-9);
                if (!verdict.Correct) return verdict;
            }
            return Grade.Pass($"{what}: whatever the slope, the query's own position gets the most weight and weight falls with distance, so ALiBi alone cannot single out the token 3 back");
        }, hint);
    }
}

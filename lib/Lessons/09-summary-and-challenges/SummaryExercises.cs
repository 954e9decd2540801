using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>Checkers for the exercises of notebook 09 (summary and challenges: cost, interpretability, encodings).</summary>
public static class SummaryExercises
{
    /// <summary>The sequence length of exercise 1.</summary>
    public const int CountLength = 4096;

    /// <summary>The window of exercise 1 (non-causal: |i − j| ≤ 64).</summary>
    public const int CountWindow = 64;

    /// <summary>
    /// Exercise 1: how many scores (query–key dot products) full attention and non-causal local attention with
    /// window <see cref="CountWindow"/> compute for <see cref="CountLength"/> tokens. Queries near either end
    /// have fewer keys in their window.
    /// </summary>
    /// <param name="fullScores">The learner's count for full attention.</param>
    /// <param name="localScores">The learner's count for local attention.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckScoreCounts(long fullScores, long localScores)
    {
        const string what = "score counts";
        long n = CountLength, w = CountWindow;
        if (fullScores != n * n)
            return Grade.Fail(what, $"full attention: you have {fullScores}, expected a different number",
                "every one of the n queries scores every one of the n keys.");
        long expectedLocal = 0;
        for (long i = 0; i < n; i++) expectedLocal += Math.Min(n - 1, i + w) - Math.Max(0, i - w) + 1;
        if (localScores == n * (2 * w + 1))
            return Grade.Fail(what, $"local attention: {localScores} counts 2·window + 1 keys for every query",
                "the first and last window queries have part of their window outside the sequence; count only keys 0 … n − 1.");
        if (localScores != expectedLocal)
            return Grade.Fail(what, $"local attention: you have {localScores}, expected a different number",
                "query i sees keys max(0, i − w) … min(n − 1, i + w); add up how many that is for every i.");
        return Grade.Pass($"{what}: full attention computes {(double)fullScores / localScores:F1}× as many scores");
    }

    /// <summary>The values of exercise 2: four keys with 2-D values.</summary>
    public static Matrix<double> AmbiguityValues { get; } = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, 1 }, { 0.5, 0.5 }, { 0, 0 } });

    /// <summary>The original weights of exercise 2: key 2 gets most of the weight.</summary>
    public static IReadOnlyList<double> AmbiguityWeights { get; } = [0.1, 0.1, 0.6, 0.2];

    /// <summary>
    /// Exercise 2: weights that give the same output as <see cref="AmbiguityWeights"/> over <see cref="AmbiguityValues"/>,
    /// are a valid distribution, and give key 2 — the "most attended" key of the original — at most 0.05.
    /// </summary>
    /// <param name="weights">The learner's four weights.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckSameOutputWeights(IReadOnlyList<double>? weights)
    {
        const string what = "same output without key 2";
        const string hint = "key 2's value can be written as a mix of other keys' values; move its weight onto those keys in the same proportions, and the output does not change.";
        if (weights is null) return Grade.Fail(what, "your answer is null", hint);
        if (weights.Count != 4) return Grade.Fail(what, $"you gave {weights.Count} weights, there are 4 keys", hint);
        if (weights.Any(w => !(w >= 0)) || Math.Abs(weights.Sum() - 1) > 1e-9)
            return Grade.Fail(what, "weights must be ≥ 0 and sum to 1 (they are a softmax output)", hint);
        var v = AmbiguityValues;
        double[] Output(IReadOnlyList<double> a) => [Enumerable.Range(0, 4).Sum(j => a[j] * v[j, 0]), Enumerable.Range(0, 4).Sum(j => a[j] * v[j, 1])];
        var expected = Output(AmbiguityWeights);
        var actual = Output(weights);
        if (Math.Abs(expected[0] - actual[0]) > 1e-9 || Math.Abs(expected[1] - actual[1]) > 1e-9)
            return Grade.Fail(what, $"your output is ({actual[0]:G4}, {actual[1]:G4}), the original is ({expected[0]:G4}, {expected[1]:G4})", hint);
        if (weights[2] > 0.05)
            return Grade.Fail(what, $"key 2 still gets {weights[2]:G4}", hint);
        return Grade.Pass($"{what}: the output cannot tell which of these weight patterns produced it");
    }

    /// <summary>
    /// Exercise 3: the distance at which ALiBi halves a key's unnormalised weight, for a head with slope m:
    /// <c>e^(−m·k) = 1/2</c>. Checked for the eight slopes of an 8-head model.
    /// </summary>
    /// <param name="halfDistance">The learner's function: slope → distance.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckAlibiHalfDistance(Func<double, double> halfDistance)
    {
        ArgumentNullException.ThrowIfNull(halfDistance);
        const string what = "ALiBi half-weight distance";
        const string hint = "the bias −m·k multiplies the key's e^score by e^(−m·k); solve e^(−m·k) = 1/2 for k.";
        return Grade.Guard(what, () =>
        {
            foreach (double m in Alibi.Slopes(8))
            {
                var verdict = Grade.Value($"{what} for slope {m:G4}", Math.Log(2) / m, halfDistance(m), hint, 1e-9);
                if (!verdict.Correct) return verdict;
            }
            return Grade.Pass(what);
        }, hint);
    }
}

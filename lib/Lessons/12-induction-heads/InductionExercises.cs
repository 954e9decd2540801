using Attention;
using Attention.Training;
using MathNet.Numerics.LinearAlgebra;

namespace Lessons;

/// <summary>Checkers for the exercises of notebook 12 (induction heads).</summary>
public static class InductionExercises
{
    /// <summary>
    /// Exercise 1: the prefix-matching score of a head from its weights on a repeated sequence with a first half of
    /// <c>half</c> tokens. Checked against <see cref="RepeatedSequences.PrefixMatching"/> on random weight matrices.
    /// </summary>
    /// <param name="score">The learner's function: (weights [n, n], half) → score.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckPrefixMatching(Func<Matrix<double>, int, double> score)
    {
        ArgumentNullException.ThrowIfNull(score);
        const string what = "prefix-matching score";
        const string hint = "for each query i from half to 2·half − 2, take the weight on key i − half + 1 (the token after the " +
                            "earlier copy of token i), and average those half − 1 weights.";
        return Grade.Guard(what, () =>
        {
            foreach (int half in new[] { 3, 5, 8 })
            {
                int n = 2 * half - 1;
                var weights = Softmax.Masked(Init.Normal(n, n, seed: half, std: 2.0), Masks.Causal(n));
                double expected = RepeatedSequences.PrefixMatching(weights, half);
                double actual = score(weights.Clone(), half);
                double onCopy = Enumerable.Range(half, half - 1).Average(i => weights[i, i - half]);
                if (Math.Abs(actual - onCopy) < 1e-12 && Math.Abs(onCopy - expected) > 1e-9)
                    return Grade.Fail(what, "you took the weight on the earlier copy itself; the induction head looks one further", hint);
                var verdict = Grade.Value($"{what} (half = {half})", expected, actual, hint, 1e-12);
                if (!verdict.Correct) return verdict;
            }
            return Grade.Pass($"{what}: equal to the library's on three random heads");
        }, hint);
    }
}

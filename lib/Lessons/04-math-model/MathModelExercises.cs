using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>
/// Checkers for the exercises of notebook 04 (数学模型和公式 · the math model): a softmax that does not
/// overflow, log-sum-exp, and one query's attention output written as a weighted sum of values.
/// </summary>
public static class MathModelExercises
{
    private static readonly double[][] SoftmaxInputs =
    [
        [1.0, 2.0, 3.0],
        [1000.0, 1001.0, 1002.0],
        [-1000.0, -1000.5, -999.0],
        [5.0],
        [0.0, 0.0, 0.0, 0.0],
    ];

    private const string SoftmaxTask = "a softmax that does not overflow";
    private const string SoftmaxHint =
        "softmax(x) = softmax(x − c) for any constant c; with c = max x every exponent is ≤ 0, so e^(x_i − c) never overflows " +
        "and the largest term is exactly 1; then divide each term by the sum of all of them";

    /// <summary>
    /// Exercise 1: <paramref name="softmax"/> must return <c>e^(x_i) / Σ_j e^(x_j)</c> for every input, including
    /// <c>[1000, 1001, 1002]</c> (where the textbook form gives NaN) and large negative inputs (where it gives 0/0).
    /// </summary>
    /// <param name="softmax">The learner's function.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult StableSoftmax(Func<double[], double[]> softmax)
    {
        ArgumentNullException.ThrowIfNull(softmax);
        return Grade.Guard(SoftmaxTask, () =>
        {
            foreach (var x in SoftmaxInputs)
            {
                var answer = softmax((double[])x.Clone());
                string what = $"{SoftmaxTask}, on [{string.Join(", ", x)}]";
                if (answer is not null && answer.Any(double.IsNaN))
                    return Grade.Fail(what, "your weights contain NaN: e^x overflowed to ∞ (or underflowed to 0) and ∞/∞ or 0/0 is NaN", SoftmaxHint);
                if (answer is not null && answer.Length == x.Length && Math.Abs(answer.Sum() - 1) > 1e-9)
                    return Grade.Fail(what, $"your weights sum to {answer.Sum():G6}, not 1", SoftmaxHint);
                var result = Grade.Values(what, Softmax.Of(x), answer, SoftmaxHint, 1e-9);
                if (!result.Correct) return result;
            }
            return Grade.Pass(SoftmaxTask);
        }, SoftmaxHint);
    }

    private static readonly double[][] LogSumExpInputs =
    [
        [1000.0, 1001.0, 1002.0],
        [-1000.0, -1000.0],
        [0.0, 0.0, 0.0],
        [3.0],
    ];

    private const string LogSumExpTask = "log-sum-exp, log Σ e^(x_i)";
    private const string LogSumExpHint =
        "factor out the largest term: log Σ e^(x_i) = m + log Σ e^(x_i − m) with m = max x, and every e^(x_i − m) is at most 1";

    /// <summary>
    /// Exercise 2: <paramref name="logSumExp"/> must return <c>log Σ_i e^(x_i)</c> without overflowing or
    /// underflowing, e.g. about 1002.41 for <c>[1000, 1001, 1002]</c> and −1000 + ln 2 for <c>[−1000, −1000]</c>.
    /// </summary>
    /// <param name="logSumExp">The learner's function.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult LogSumExp(Func<double[], double> logSumExp)
    {
        ArgumentNullException.ThrowIfNull(logSumExp);
        return Grade.Guard(LogSumExpTask, () =>
        {
            foreach (var x in LogSumExpInputs)
            {
                double answer = logSumExp((double[])x.Clone());
                string what = $"{LogSumExpTask}, on [{string.Join(", ", x)}]";
                if (double.IsInfinity(answer))
                    return Grade.Fail(what, $"you got {answer}: e^x overflowed or underflowed before the log", LogSumExpHint);
                var result = Grade.Value(what, Softmax.LogSumExp(x), answer, LogSumExpHint, 1e-12);
                if (!result.Correct) return result;
            }
            return Grade.Pass(LogSumExpTask);
        }, LogSumExpHint);
    }

    private const string OutputTask = "one query's output o = Σ_i α_i v_i";
    private const string OutputHint =
        "score every key: s_i = q·k_i / √d_k (k_i is row i of K, d_k its length); turn the scores into weights α = softmax(s); " +
        "then add up the value rows v_i (rows of V), each times its weight α_i";

    /// <summary>
    /// Exercise 3: <paramref name="output"/> takes one query q (size d_k), keys K <c>[m, d_k]</c> and values
    /// V <c>[m, d_v]</c> and must return <c>o = Σ_i α_i v_i</c> with <c>α = softmax(q·Kᵀ/√d_k)</c> (size d_v).
    /// </summary>
    /// <param name="output">The learner's function.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult QueryOutput(Func<Vector<double>, Matrix<double>, Matrix<double>, Vector<double>> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return Grade.Guard(OutputTask, () =>
        {
            for (int trial = 0; trial < 3; trial++)
            {
                var q = Init.Normal(1, 4, seed: 401 + trial);
                var k = Init.Normal(5, 4, seed: 411 + trial);
                var v = Init.Normal(5, 3, seed: 421 + trial);
                var expected = ScaledDotProductAttention.Compute(q, k, v).Output.Row(0);
                var answer = output(q.Row(0), k.Clone(), v.Clone());
                if (answer is not null && answer.Count == expected.Count)
                {
                    var unscaled = Softmax.Of(k * q.Row(0)) * v;
                    var byScores = (k * q.Row(0)) / Math.Sqrt(4) * v;
                    if ((answer - unscaled).AbsoluteMaximum() < 1e-9)
                        return Grade.Fail(OutputTask, "your scores are not divided by √d_k", "divide each q·k_i by √d_k before the softmax");
                    if ((answer - byScores).AbsoluteMaximum() < 1e-9)
                        return Grade.Fail(OutputTask, "you weighted the values by the raw scores, not by the softmax weights",
                            "apply softmax to the scores first: the weights α_i are non-negative and sum to 1");
                }
                var result = Grade.Values(OutputTask, expected.ToArray(), answer?.ToArray(), OutputHint, 1e-9);
                if (!result.Correct) return result;
            }
            return Grade.Pass(OutputTask);
        }, OutputHint);
    }
}

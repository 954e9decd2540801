using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>
/// Attention over a user's history for recommendation: each candidate item is a query over the user's past
/// items (keys and values), so the user's "interest" vector is built differently for each candidate, from the
/// past items that resemble it. The candidate's score is the dot product of the candidate with that interest
/// vector. This is the idea of the Deep Interest Network (Zhou et al. 2018), written with scaled dot-product
/// attention; DIN itself computes the weights with a small network and does not normalise them with softmax.
/// </summary>
public static class HistoryAttention
{
    /// <summary>
    /// Weights <c>α_c = softmax(c·Hᵀ/√d − slope · age)</c> over the history, interest <c>u_c = Σ_j α_cj h_j</c>,
    /// score <c>c · u_c</c>. <c>age</c> is 0 for the most recent (last) item and grows by 1 per step back, so a
    /// positive <paramref name="recencySlope"/> is an ALiBi-style penalty on old items (<see cref="Alibi.Bias"/>).
    /// </summary>
    /// <param name="candidates">Candidate item vectors <c>[candidates, d]</c>, one query each.</param>
    /// <param name="history">Past item vectors <c>[history, d]</c>, oldest first.</param>
    /// <param name="recencySlope">Penalty per step of age (≥ 0); 0 ignores order.</param>
    /// <returns>The weights <c>[candidates, history]</c>, interests <c>[candidates, d]</c> and scores.</returns>
    public static HistoryAttentionResult Score(Matrix<double> candidates, Matrix<double> history, double recencySlope = 0.0)
    {
        CheckSameSpace(candidates, history);
        if (!(recencySlope >= 0) || double.IsInfinity(recencySlope))
            throw new ArgumentOutOfRangeException(nameof(recencySlope), recencySlope, $"recencySlope must be finite and ≥ 0, but it is {recencySlope}.");
        // One query "now", aligned to the end of the history: bias −slope·(n − 1 − j), the same for every candidate.
        var ageBias = Alibi.Bias(1, history.RowCount, recencySlope);
        var bias = Matrix<double>.Build.Dense(candidates.RowCount, history.RowCount, (_, j) => ageBias[0, j]);
        var attention = ScaledDotProductAttention.Compute(candidates, history, history, bias: bias);
        var scores = Enumerable.Range(0, candidates.RowCount).Select(c => candidates.Row(c) * attention.Output.Row(c)).ToArray();
        return new HistoryAttentionResult(attention.Weights, attention.Output, scores);
    }

    /// <summary>The baseline without attention: every candidate is scored against the plain average of the
    /// history, <c>c · mean(h)</c>, so all candidates see the same interest vector.</summary>
    /// <param name="candidates">Candidate item vectors <c>[candidates, d]</c>.</param>
    /// <param name="history">Past item vectors <c>[history, d]</c>.</param>
    /// <returns>One score per candidate.</returns>
    public static double[] MeanPoolScores(Matrix<double> candidates, Matrix<double> history)
    {
        CheckSameSpace(candidates, history);
        if (history.RowCount == 0) return new double[candidates.RowCount];
        var mean = history.ColumnSums() / history.RowCount;
        return (candidates * mean).ToArray();
    }

    private static void CheckSameSpace(Matrix<double> candidates, Matrix<double> history)
    {
        Check.NotNull(candidates, nameof(candidates));
        Check.NotNull(history, nameof(history));
        if (candidates.ColumnCount != history.ColumnCount)
            throw new ArgumentException(
                $"The candidates are {Check.Shape(candidates)} but the history is {Check.Shape(history)}: items must live in one space (same number of columns).",
                nameof(history));
    }
}

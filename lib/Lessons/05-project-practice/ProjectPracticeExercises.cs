using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>Graders for the exercises of notebook 05 (project practice: the article's program, ported).</summary>
public static class ProjectPracticeExercises
{
    private static ProjectPracticeRun Canonical() => ProjectPractice.Create().Run(ProjectPractice.ArticleTokens);

    /// <summary>
    /// Exercise 1: one output row from the weights and the values, <c>o_i = Σ_j α_ij v_j</c>.
    /// Checked on every row of the port's run.
    /// </summary>
    /// <param name="outputRow">The learner's function <c>(weights [n, n], values [n, d], i) → o_i</c> (length d).</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckOutputRow(Func<Matrix<double>, Matrix<double>, int, double[]> outputRow)
    {
        ArgumentNullException.ThrowIfNull(outputRow);
        const string what = "output row o_i = Σ_j α_ij v_j";
        const string hint = "start from a zero array of length values.ColumnCount; for every key j add weights[i, j] times row j of values";
        return Grade.Guard(what, () =>
        {
            var run = Canonical();
            for (int i = 0; i < run.TokenIds.Length; i++)
            {
                var r = Grade.Values($"{what} (row {i})", run.Output.Row(i).ToArray(), outputRow(run.Weights.Clone(), run.Values.Clone(), i), hint);
                if (!r.Correct) return r;
            }
            return Grade.Pass(what);
        }, hint);
    }

    /// <summary>
    /// Exercise 2: attention weights from queries and keys, <c>softmax(Q·Kᵀ/√d_k)</c> row by row. Checked on the
    /// port's Q and K; a missing scale or a softmax over columns gets its own hint.
    /// </summary>
    /// <param name="weights">The learner's function <c>(Q [n, d_k], K [m, d_k]) → weights [n, m]</c>.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckWeights(Func<Matrix<double>, Matrix<double>, Matrix<double>> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        const string what = "weights = softmax(Q·Kᵀ/√d_k), row by row";
        const string hint = "scores first (Q·Kᵀ, scaled), then a softmax of each row";
        return Grade.Guard(what, () =>
        {
            var run = Canonical();
            // Keys that differ from the queries, so that a swapped Q and K shows up.
            var q = run.Queries.SubMatrix(0, 3, 0, run.Queries.ColumnCount);
            var k = run.Keys;
            var actual = weights(q.Clone(), k.Clone());
            var expected = ScaledDotProductAttention.Compute(q, k, k).Weights;
            var verdict = Grade.Matrix(what, expected, actual, hint);
            if (verdict.Correct || actual is null || actual.RowCount != expected.RowCount || actual.ColumnCount != expected.ColumnCount)
                return verdict;
            var unscaled = Softmax.Rows(q.TransposeAndMultiply(k));
            if (Grade.Matrix(what, unscaled, actual, hint).Correct)
                return Grade.Fail(what, "these are softmax(Q·Kᵀ) without the scale", "divide the scores by √d_k = Math.Sqrt(q.ColumnCount) before the softmax");
            var scaled = q.TransposeAndMultiply(k) / Math.Sqrt(q.ColumnCount);
            if (Grade.Matrix(what, scaled, actual, hint).Correct)
                return Grade.Fail(what, "these are the scaled scores, not yet weights", "apply Softmax.Rows to the scores so each row sums to 1");
            if (Grade.Matrix(what, Softmax.Rows(scaled.Transpose()).Transpose(), actual, hint).Correct)
                return Grade.Fail(what, "each column sums to 1 instead of each row", "one row is one query: its weights over the keys must sum to 1, so take the softmax along each row");
            return verdict;
        }, hint);
    }

    /// <summary>
    /// Exercise 3: the port with a causal mask, so that token i attends only to tokens 0 … i.
    /// Checked on the article's tokens and on a longer sequence.
    /// </summary>
    /// <param name="causalRun">The learner's function <c>(pipeline, ids) → run</c>.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckCausalRun(Func<ProjectPractice, IReadOnlyList<int>, ProjectPracticeRun> causalRun)
    {
        ArgumentNullException.ThrowIfNull(causalRun);
        const string what = "causal run: token i attends to tokens 0 … i only";
        const string hint = "Run takes an optional mask as its second argument, and the Masks class has a ready-made causal one, [tokens, tokens]";
        return Grade.Guard(what, () =>
        {
            var pipeline = ProjectPractice.Create();
            foreach (var ids in new[] { ProjectPractice.ArticleTokens, (IReadOnlyList<int>)[3, 1, 4, 1, 5, 9, 2, 6] })
            {
                var run = causalRun(pipeline, ids);
                if (run is null) return Grade.Fail(what, "your run is null", hint);
                var w = run.Weights;
                if (w.RowCount != ids.Count || w.ColumnCount != ids.Count)
                    return Grade.Fail(what, $"the weights are {w.RowCount}×{w.ColumnCount} for {ids.Count} tokens", hint);
                for (int i = 0; i < ids.Count; i++)
                    for (int j = i + 1; j < ids.Count; j++)
                        if (w[i, j] != 0)
                            return Grade.Fail(what, $"token {i} gives weight {w[i, j]:G4} to the later token {j}", hint);
                var r = Grade.Matrix(what, pipeline.Run(ids, Masks.Causal(ids.Count)).Output, run.Output, hint);
                if (!r.Correct) return r;
            }
            return Grade.Pass(what);
        }, hint);
    }
}

using MathNet.Numerics.LinearAlgebra;

namespace Attention.Tests;

public class ProjectPracticeExercisesTests
{
    [Fact]
    public void Output_row_right_answer_is_correct_and_wrong_ones_get_the_hint()
    {
        var right = ProjectPracticeExercises.CheckOutputRow((w, v, i) =>
        {
            var o = new double[v.ColumnCount];
            for (int j = 0; j < v.RowCount; j++)
                for (int c = 0; c < o.Length; c++) o[c] += w[i, j] * v[j, c];
            return o;
        });
        Assert.True(right.Correct, right.Message);

        var unweighted = ProjectPracticeExercises.CheckOutputRow((w, v, i) => v.ColumnSums().ToArray());
        Assert.False(unweighted.Correct);
        Assert.Contains("(row 0)", unweighted.Message);
        Assert.Contains("Hint: start from a zero array", unweighted.Message);

        var todo = ProjectPracticeExercises.CheckOutputRow((w, v, i) => throw new NotImplementedException());
        Assert.StartsWith("❌ not yet", todo.Message);
        Assert.Contains("NotImplementedException", todo.Message);
    }

    [Fact]
    public void Weights_grader_names_the_missing_scale_the_missing_softmax_and_columns_instead_of_rows()
    {
        Assert.True(ProjectPracticeExercises.CheckWeights((q, k) => Softmax.Rows(q.TransposeAndMultiply(k) / Math.Sqrt(q.ColumnCount))).Correct);

        var noScale = ProjectPracticeExercises.CheckWeights((q, k) => Softmax.Rows(q.TransposeAndMultiply(k)));
        Assert.False(noScale.Correct);
        Assert.Contains("without the scale", noScale.Message);

        var noSoftmax = ProjectPracticeExercises.CheckWeights((q, k) => q.TransposeAndMultiply(k) / Math.Sqrt(q.ColumnCount));
        Assert.Contains("not yet weights", noSoftmax.Message);

        var columns = ProjectPracticeExercises.CheckWeights((q, k) => Softmax.Rows((q.TransposeAndMultiply(k) / Math.Sqrt(q.ColumnCount)).Transpose()).Transpose());
        Assert.Contains("each column sums to 1", columns.Message);

        var swapped = ProjectPracticeExercises.CheckWeights((q, k) => Softmax.Rows(k.TransposeAndMultiply(q) / Math.Sqrt(q.ColumnCount)));
        Assert.False(swapped.Correct);
        Assert.Contains("your matrix is 5×3, expected 3×5", swapped.Message);
    }

    [Fact]
    public void Causal_run_grader_wants_exact_zeros_above_the_diagonal()
    {
        Assert.True(ProjectPracticeExercises.CheckCausalRun((p, ids) => p.Run(ids, Masks.Causal(ids.Count))).Correct);

        var unmasked = ProjectPracticeExercises.CheckCausalRun((p, ids) => p.Run(ids));
        Assert.False(unmasked.Correct);
        Assert.Contains("to the later token 1", unmasked.Message);
        Assert.Contains("Hint: Run takes an optional mask", unmasked.Message);

        // Right mask but another pipeline: the zeros are there, the numbers are not.
        var otherSeed = ProjectPracticeExercises.CheckCausalRun((p, ids) => ProjectPractice.Create(1).Run(ids, Masks.Causal(ids.Count)));
        Assert.False(otherSeed.Correct);
        Assert.Contains("entry [", otherSeed.Message);

        var noPositions = ProjectPracticeExercises.CheckCausalRun((p, ids) => p.Run(ids, Masks.Causal(ids.Count), addPositions: false));
        Assert.False(noPositions.Correct);
    }
}

using MathNet.Numerics.LinearAlgebra;

namespace Attention.Tests;

public class BackgroundExercisesTests
{
    [Fact]
    public void Most_similar_right_and_wrong()
    {
        Assert.True(BackgroundExercises.CheckMostSimilar((vocab, v) =>
            Enumerable.Range(0, vocab.RowCount).MaxBy(r => vocab.Row(r).DotProduct(v))).Correct);

        var byDistance = BackgroundExercises.CheckMostSimilar((vocab, v) =>
            Enumerable.Range(0, vocab.RowCount).MinBy(r => (vocab.Row(r) - v).L2Norm()));
        Assert.True(byDistance.Correct, "with unit rows, nearest by distance is the same as the largest dot product");

        var first = BackgroundExercises.CheckMostSimilar((vocab, v) => 0);
        Assert.False(first.Correct);
        Assert.Contains("❌ not yet: most similar vocabulary row (for v = [-2, 0.5] you chose row 0, but row 2 is more similar)", first.Message);
        Assert.Contains("Hint: the rows have length 1", first.Message);
        Assert.Contains("not written yet", BackgroundExercises.CheckMostSimilar((_, _) => throw new NotImplementedException()).Message);
    }

    [Fact]
    public void Recurrent_state_right_and_wrong()
    {
        Assert.True(BackgroundExercises.CheckRecurrentState((x, r) =>
        {
            var h = Vector<double>.Build.Dense(x.ColumnCount);
            for (int t = 0; t < x.RowCount; t++) h = h * r + x.Row(t);
            return h;
        }).Correct);

        // R·h instead of h·R (the transpose): wrong on the quarter turn
        var transposed = BackgroundExercises.CheckRecurrentState((x, r) =>
        {
            var h = Vector<double>.Build.Dense(x.ColumnCount);
            for (int t = 0; t < x.RowCount; t++) h = r * h + x.Row(t);
            return h;
        });
        Assert.False(transposed.Correct);
        Assert.Contains("recurrent state (entry 1 is 0, expected 2)", transposed.Message);
        Assert.Contains("Hint: start from a zero vector", transposed.Message);

        var sum = BackgroundExercises.CheckRecurrentState((x, r) => x.ColumnSums());
        Assert.False(sum.Correct);
        Assert.Contains("not yet", BackgroundExercises.CheckRecurrentState((_, _) => null!).Message);
    }

    [Fact]
    public void Decode_right_and_wrong()
    {
        Assert.True(BackgroundExercises.CheckDecode((h, r, p, n) =>
        {
            for (int s = 0; s < n - 1 - p; s++) h = h * r.Transpose();
            return h;
        }).Correct);

        // one step too many
        var offByOne = BackgroundExercises.CheckDecode((h, r, p, n) =>
        {
            for (int s = 0; s < n - p; s++) h = h * r.Transpose();
            return h;
        });
        Assert.False(offByOne.Correct);
        Assert.Contains("decoded token at position 0 of 2", offByOne.Message);
        Assert.Contains("Hint: token p went through length − 1 − p steps", offByOne.Message);

        var noUndo = BackgroundExercises.CheckDecode((h, r, p, n) => h);
        Assert.False(noUndo.Correct);
        Assert.Contains("your code threw", BackgroundExercises.CheckDecode((h, r, p, n) => h.SubVector(0, 9)).Message);
    }
}

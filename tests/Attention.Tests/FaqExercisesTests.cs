using MathNet.Numerics.LinearAlgebra;

namespace Attention.Tests;

public class FaqExercisesTests
{
    [Fact]
    public void Sliding_window_count_right_and_wrong()
    {
        // closed form: n(2w+1) − w(w+1) while the window fits, n² once it covers everything
        Assert.True(FaqExercises.CheckSlidingWindowCount((n, w) =>
            w >= n - 1 ? (long)n * n : (long)n * (2 * w + 1) - (long)w * (w + 1)).Correct);
        // and by summing the keys each query sees
        Assert.True(FaqExercises.CheckSlidingWindowCount((n, w) =>
            Enumerable.Range(0, n).Sum(i => (long)(Math.Min(i + w, n - 1) - Math.Max(i - w, 0) + 1))).Correct);

        var noEdges = FaqExercises.CheckSlidingWindowCount((n, w) => (long)n * (2 * w + 1));
        Assert.False(noEdges.Correct);
        Assert.Equal("❌ not yet: scores kept by a sliding window (for n = 8, window = 1 you have 24, but the mask allows 22). " +
                     "Hint: a query in the middle sees 2·window + 1 keys, but near either end some of those keys do not exist; " +
                     "count what the first and last `window` queries lose (and a window ≥ n − 1 keeps all n² pairs)", noEdges.Message);

        var noCap = FaqExercises.CheckSlidingWindowCount((n, w) => (long)n * (2 * w + 1) - (long)w * (w + 1));
        Assert.Contains("for n = 5, window = 9", noCap.Message);
    }

    [Fact]
    public void Sinusoidal_row_right_and_wrong()
    {
        Assert.True(FaqExercises.CheckSinusoidalRow((pos, d) => Enumerable.Range(0, d).Select(c =>
        {
            double angle = pos / Math.Pow(10000, 2.0 * (c / 2) / d);
            return c % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle);
        }).ToArray()).Correct);

        // sines only ("sine encoding" as a method of its own, erratum 2): the cosine columns are wrong at once
        var sinOnly = FaqExercises.CheckSinusoidalRow((pos, d) => Enumerable.Range(0, d).Select(c => Math.Sin(pos / Math.Pow(10000, 2.0 * (c / 2) / d))).ToArray());
        Assert.False(sinOnly.Correct);
        Assert.Contains("(position 0, d_model 4) (entry 1 is 0, expected 1)", sinOnly.Message);

        // c instead of 2·(c/2) in the exponent: right at position 0, wrong further on
        var wrongExponent = FaqExercises.CheckSinusoidalRow((pos, d) => Enumerable.Range(0, d).Select(c =>
        {
            double angle = pos / Math.Pow(10000, 2.0 * c / d);
            return c % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle);
        }).ToArray());
        Assert.Contains("(position 1, d_model 4) (entry 1 is", wrongExponent.Message);
        Assert.Contains("Hint: column c uses i = c / 2", wrongExponent.Message);
    }

    [Fact]
    public void Weights_from_projections_right_and_wrong()
    {
        Assert.True(FaqExercises.CheckWeightsFromProjections((x, wq, wk) =>
            Softmax.Rows((x * wq) * (x * wk).Transpose() / Math.Sqrt(wq.ColumnCount))).Correct);

        var rawInput = FaqExercises.CheckWeightsFromProjections((x, wq, wk) => Softmax.Rows(x * x.Transpose() / Math.Sqrt(x.ColumnCount)));
        Assert.False(rawInput.Correct);
        Assert.Contains("❌ not yet: attention weights from the projections (entry [", rawInput.Message);

        var scoresOnly = FaqExercises.CheckWeightsFromProjections((x, wq, wk) => (x * wq) * (x * wk).Transpose() / 2);
        Assert.False(scoresOnly.Correct);
        Assert.Contains("your matrix is 4×6, expected 4×4", FaqExercises.CheckWeightsFromProjections((x, wq, wk) => x).Message);
    }
}

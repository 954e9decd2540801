
namespace Attention.Tests;

/// <summary>Each checker of notebook 09 says correct for a right answer and "not yet" with its hint for a wrong one.</summary>
public class SummaryExercisesTests
{
    [Fact]
    public void Score_counts()
    {
        // n = 4096, w = 64: full n² = 16,777,216; local n(2w + 1) − w(w + 1) = 528,384 − 4,160
        var right = SummaryExercises.CheckScoreCounts(16_777_216, 524_224);
        Assert.True(right.Correct, right.Message);
        Assert.Contains("32.0×", right.Message);

        var noEdges = SummaryExercises.CheckScoreCounts(16_777_216, 4096 * 129);
        Assert.False(noEdges.Correct);
        Assert.Contains("Hint: the first and last window queries", noEdges.Message);
        Assert.Contains("Hint: every one of the n queries", SummaryExercises.CheckScoreCounts(4096, 524_224).Message);
        Assert.False(SummaryExercises.CheckScoreCounts(0, 0).Correct);
    }

    [Fact]
    public void Same_output_weights()
    {
        var right = SummaryExercises.CheckSameOutputWeights([0.4, 0.4, 0.0, 0.2]);
        Assert.True(right.Correct, right.Message);
        Assert.True(SummaryExercises.CheckSameOutputWeights([0.38, 0.38, 0.04, 0.2]).Correct);

        var original = SummaryExercises.CheckSameOutputWeights(SummaryExercises.AmbiguityWeights);
        Assert.False(original.Correct);
        Assert.Contains("key 2 still gets 0.6", original.Message);
        Assert.Contains("your output is (0.6, 0.2)", SummaryExercises.CheckSameOutputWeights([0.6, 0.2, 0.0, 0.2]).Message);
        Assert.Contains("sum to 1", SummaryExercises.CheckSameOutputWeights([0.4, 0.4, 0.0, 0.0]).Message);
        Assert.Contains("null", SummaryExercises.CheckSameOutputWeights(null).Message);
    }

    [Fact]
    public void Alibi_half_distance()
    {
        Assert.True(SummaryExercises.CheckAlibiHalfDistance(m => Math.Log(2) / m).Correct);
        var reciprocal = SummaryExercises.CheckAlibiHalfDistance(m => 1 / m); // forgot ln 2
        Assert.False(reciprocal.Correct);
        Assert.Contains("for slope 0.5 (you have 2, expected 1.38629)", reciprocal.Message);
        Assert.Contains("not written yet", SummaryExercises.CheckAlibiHalfDistance(_ => throw new NotImplementedException()).Message);
    }
}

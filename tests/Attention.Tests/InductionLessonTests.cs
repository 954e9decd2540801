using Lessons;
using MathNet.Numerics.LinearAlgebra;

namespace Attention.Tests;

/// <summary>Notebook 12's data and scores on sequences and weights whose answers are known.</summary>
public class InductionLessonTests
{
    [Fact]
    public void Repeated_sequences_repeat_and_score_only_the_second_half()
    {
        var rng = new Random(1);
        for (int k = 0; k < 200; k++)
        {
            var (tokens, targets, half) = RepeatedSequences.Draw(rng, 16, 4, 10);
            Assert.InRange(half, 4, 10);
            Assert.Equal(2 * half - 1, tokens.Length);
            Assert.Equal(half, tokens.Take(half).Distinct().Count());
            for (int i = half; i < tokens.Length; i++) Assert.Equal(tokens[i - half], tokens[i]);
            for (int i = 0; i < tokens.Length; i++)
                Assert.Equal(i < half ? -1 : tokens[i - half + 1], targets[i]);
        }
    }

    [Fact]
    public void A_perfect_induction_head_and_a_perfect_previous_token_head_score_one()
    {
        int half = 5, n = 2 * half - 1;
        var induction = Matrix<double>.Build.Dense(n, n);
        for (int i = 0; i < n; i++) induction[i, i >= half ? i - half + 1 : 0] = 1;
        Assert.Equal(1.0, RepeatedSequences.PrefixMatching(induction, half));
        var previous = Matrix<double>.Build.Dense(n, n, (i, j) => i == 0 ? (j == 0 ? 1 : 0) : j == i - 1 ? 1 : 0);
        Assert.Equal(1.0, RepeatedSequences.PreviousToken(previous));
        Assert.Equal(0.0, RepeatedSequences.PrefixMatching(previous, half));
        // Uniform causal weights: query i puts 1/(i + 1) on each key.
        var uniform = Matrix<double>.Build.Dense(n, n, (i, j) => j <= i ? 1.0 / (i + 1) : 0);
        double expected = Enumerable.Range(half, half - 1).Average(i => 1.0 / (i + 1));
        Approx.Equal(expected, RepeatedSequences.PrefixMatching(uniform, half), abs: 0, rel: 1e-15, because: "uniform weights");
        Assert.Throws<ArgumentException>(() => RepeatedSequences.PrefixMatching(uniform, half + 1));
    }

    [Fact]
    public void Recent_occurrence_targets_follow_the_latest_earlier_copy()
    {
        var (tokens, targets) = RecentOccurrence.Draw(new Random(3), 40, 4);
        for (int i = 0; i < tokens.Length; i++)
        {
            int last = Array.LastIndexOf(tokens, tokens[i], i - 1 < 0 ? 0 : i - 1);
            if (i == 0 || last < 0 || tokens[last] != tokens[i]) Assert.Equal(-1, targets[i]);
            else Assert.Equal(tokens[last + 1], targets[i]);
        }
        Assert.Contains(targets, t => t >= 0);
    }

    [Fact]
    public void The_exercise_checker_accepts_the_right_score_and_names_the_off_by_one()
    {
        Assert.True(InductionExercises.CheckPrefixMatching(RepeatedSequences.PrefixMatching).Correct);
        var offByOne = InductionExercises.CheckPrefixMatching((w, half) => Enumerable.Range(half, half - 1).Average(i => w[i, i - half]));
        Assert.False(offByOne.Correct);
        Assert.Contains("earlier copy itself", offByOne.ToString());
        Assert.False(InductionExercises.CheckPrefixMatching((w, h) => throw new NotImplementedException()).Correct);
    }
}

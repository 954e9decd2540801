using Lessons;

namespace Attention.Tests;

/// <summary>Notebook 11's task data and exercise checkers.</summary>
public class TransformerLessonTests
{
    [Fact]
    public void Reversal_examples_alignment_and_unseen_test_set()
    {
        var (source, target) = ReversalTask.Draw(new Random(2));
        Assert.InRange(source.Length, ReversalTask.MinLength, ReversalTask.MaxLength);
        Assert.Equal(source.Reverse(), target);
        Assert.All(source, t => Assert.InRange(t, 3, ReversalTask.Vocabulary - 1));
        Assert.Equal([3, 2, 1, 0, -1], ReversalTask.Alignment(4));
        var expected = ReversalTask.ExpectedAlignment(4);
        Assert.Equal(1.0, expected[0, 3]);
        Assert.Equal(0.0, expected.Row(4).Sum());

        var training = new Attention.Training.TrainingSettings(Steps: 20, BatchSize: 8, Seed: 5);
        var (tests, skipped) = ReversalTask.UnseenTestSet(100, training);
        Assert.Equal(100, tests.Length);
        var replay = new Random(5);
        var seen = Enumerable.Range(0, 160).Select(_ => ReversalTask.Text(ReversalTask.Draw(replay).Source)).ToHashSet();
        Assert.All(tests, t => Assert.DoesNotContain(ReversalTask.Text(t.Source), seen));
        Assert.InRange(skipped, 0, 100);
    }

    [Fact]
    public void LayerNorm_exercise_accepts_the_right_row_and_names_the_unbiased_variance()
    {
        static double[] Right(double[] x, double n)
        {
            double mean = x.Average(), variance = x.Sum(v => (v - mean) * (v - mean)) / n;
            return x.Select(v => (v - mean) / Math.Sqrt(variance + 1e-5)).ToArray();
        }
        Assert.True(TransformerExercises.CheckLayerNormRow(x => Right(x, x.Length)).Correct);
        var unbiased = TransformerExercises.CheckLayerNormRow(x => Right(x, x.Length - 1));
        Assert.False(unbiased.Correct);
        Assert.Contains("d − 1", unbiased.ToString());
    }

    [Fact]
    public void Parameter_count_exercise_accepts_the_formula_and_names_missing_norms()
    {
        Assert.True(TransformerExercises.CheckEncoderParameterCount((d, f) => 4L * d * d + 2L * d * f + f + 5L * d).Correct);
        var noNorms = TransformerExercises.CheckEncoderParameterCount((d, f) => 4L * d * d + 2L * d * f + f + d);
        Assert.False(noNorms.Correct);
        Assert.Contains("LayerNorm", noNorms.ToString());
    }
}

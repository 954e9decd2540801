using Attention.Training;

namespace Attention.Tests;

/// <summary>The shared training loop: batches drawn from the seeded source, averaged gradients, Adam steps, the same result every run.</summary>
public class TrainingLoopTests
{
    /// <summary>Fits w to noisy targets y = 3 + noise: the loss (w − y)² has gradient 2(w − y), and the best w is the mean 3.</summary>
    private static (double W, double[] Losses) FitMean(TrainingSettings settings)
    {
        var w = new Parameter("w", new RowMatrix(1, 1));
        var losses = TrainingLoop.Run([w], settings, rng =>
        {
            double y = 3 + (rng.NextDouble() - 0.5);
            double error = w.Value[0, 0] - y;
            w.Gradient[0, 0] += 2 * error;
            return error * error;
        });
        return (w.Value[0, 0], losses);
    }

    [Fact]
    public void Learns_the_minimum_and_records_one_mean_loss_per_step()
    {
        var (w, losses) = FitMean(new TrainingSettings(Steps: 600, BatchSize: 8, LearningRate: 0.05, ClipNorm: 10));
        Assert.Equal(600, losses.Length);
        Assert.InRange(w, 2.9, 3.1);
        Assert.True(losses[0] > 8, $"starts near (0 − 3)² = 9: {losses[0]}");
        Assert.True(losses[^1] < 0.2, $"ends near the noise's variance 1/12: {losses[^1]}");
    }

    [Fact]
    public void The_same_settings_give_the_same_parameters_and_another_seed_other_examples()
    {
        var settings = new TrainingSettings(Steps: 50, BatchSize: 4, LearningRate: 0.05);
        var first = FitMean(settings);
        var again = FitMean(settings);
        Assert.Equal(first.W, again.W);
        Assert.Equal(first.Losses, again.Losses);
        Assert.NotEqual(first.Losses, FitMean(settings with { Seed = 2 }).Losses);
    }

    [Fact]
    public void Bad_settings_are_refused_before_any_step()
    {
        var w = new Parameter("w", new RowMatrix(1, 1));
        int calls = 0;
        double Count(Random _) { calls++; return 0; }
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingLoop.Run([w], new TrainingSettings(Steps: 0), Count));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingLoop.Run([w], new TrainingSettings(BatchSize: 0), Count));
        Assert.Throws<ArgumentException>(() => TrainingLoop.Run([], new TrainingSettings(), Count));
        Assert.Throws<ArgumentNullException>(() => TrainingLoop.Run([w], new TrainingSettings(), null!));
        Assert.Equal(0, calls);
    }
}

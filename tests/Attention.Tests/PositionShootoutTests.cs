using Attention.Training;

namespace Attention.Tests;

/// <summary>
/// The robust facts of the positional-encoding shoot-out (notebooks/09b), from one seed with the notebook's settings
/// (the notebook runs three seeds). Without positions, and with ALiBi (whose only position signal is a penalty that grows
/// with distance, so it cannot single out "exactly k back"), the task is not learned even at the trained length L; every
/// other encoding learns it at L; rotary extrapolates to 2L far better than the learned table, which past its last row has
/// nothing to go on.
/// </summary>
public class PositionShootoutTests
{
    private static readonly ShootoutSettings Settings = new();

    [Fact]
    public void The_task_is_the_token_k_back_and_its_first_k_outputs_are_not_scored()
    {
        var (tokens, targets) = PositionShootout.OffsetSequence(new Random(1), 10, 3, 5);
        for (int i = 0; i < 10; i++) Assert.Equal(i < 3 ? -1 : tokens[i - 3], targets[i]);
        Assert.All(tokens, t => Assert.InRange(t, 0, 4));
    }

    [Fact]
    public void Encodings_rank_as_the_notebook_says()
    {
        var runs = PositionShootout.Schemes.ToDictionary(s => s, s => PositionShootout.Run(s, seed: 1, Settings));
        double chanceLike = 0.5;
        Assert.Equal(new[] { 16, 32, 48, 64 }, runs[PositionScheme.None].Lengths);
        Assert.True(runs[PositionScheme.None].Accuracy[0] < chanceLike, $"no encoding at L: {runs[PositionScheme.None].Accuracy[0]:F3}");
        Assert.True(runs[PositionScheme.Alibi].Accuracy[0] < chanceLike, $"ALiBi at L: {runs[PositionScheme.Alibi].Accuracy[0]:F3}");
        foreach (var s in new[] { PositionScheme.Sinusoidal, PositionScheme.Learned, PositionScheme.Rotary })
            Assert.True(runs[s].Accuracy[0] > 0.95, $"{s} at L: {runs[s].Accuracy[0]:F3}");
        Assert.True(runs[PositionScheme.Rotary].Accuracy[1] > runs[PositionScheme.Learned].Accuracy[1] + 0.2,
            $"rotary {runs[PositionScheme.Rotary].Accuracy[1]:F3} vs learned {runs[PositionScheme.Learned].Accuracy[1]:F3} at 2L");
        Assert.True(runs[PositionScheme.Rotary].Accuracy[3] > 0.8, $"rotary at 4L: {runs[PositionScheme.Rotary].Accuracy[3]:F3}");
    }

    [Fact]
    public void The_clamped_learned_table_is_right_before_L_and_at_chance_after()
    {
        // Past its last row every position looks like position L − 1, so it fetches the token at L − 1 − k every time:
        // right only when that token happens to equal the one k back (chance 1/V). Expected accuracy at length n:
        // (L − k + (n − L)/V) / (n − k).
        var model = PositionShootout.Train(PositionScheme.Learned, 1, Settings, out _);
        int L = Settings.TrainedLength, k = Settings.Offset, v = Settings.Vocabulary;
        var rng = new Random(5);
        for (int s = 0; s < 20; s++)
        {
            var (tokens, targets) = PositionShootout.OffsetSequence(rng, 2 * L, k, v);
            var predicted = model.Predict(tokens);
            for (int i = k; i < L; i++) Assert.Equal(targets[i], predicted[i]);
            for (int i = L; i < 2 * L; i++) Assert.Equal(tokens[L - 1 - k], predicted[i]);
        }
        for (int m = 2; m <= 4; m++)
        {
            int n = m * L;
            // the positions past L are right with chance 1/V each, independently: the count right there is binomial over
            // EvaluationSequences·(n − L) draws; 5 standard errors of the resulting accuracy bound the luck of the draw
            double draws = Settings.EvaluationSequences * (n - L), p = 1.0 / v;
            double standardError = Math.Sqrt(draws * p * (1 - p)) / (Settings.EvaluationSequences * (n - k));
            Approx.Equal((L - k + (n - L) / (double)v) / (n - k), PositionShootout.Accuracy(model, n, Settings), abs: 5 * standardError,
                because: $"length {n}");
        }
    }

    [Fact]
    public void Summaries_give_mean_lowest_and_highest_seed_per_length()
    {
        int[] lengths = [4, 8];
        ShootoutRun Run(PositionScheme s, int seed, double a, double b) => new(s, seed, lengths, [a, b], [], 0, null!);
        var summary = PositionShootout.Summarise([Run(PositionScheme.Rotary, 1, 1.0, 0.9), Run(PositionScheme.None, 1, 0.2, 0.1),
            Run(PositionScheme.Rotary, 2, 0.8, 0.6), Run(PositionScheme.Rotary, 3, 0.9, 0.3)]);
        Assert.Equal(new[] { PositionScheme.None, PositionScheme.Rotary }, summary.Select(x => x.Positions)); // the order of Schemes
        var rotary = summary[1];
        Assert.Equal(3, rotary.Seeds);
        Approx.Equal(0.9, rotary.Mean[0], abs: 0, rel: 4 * Approx.Eps); // (1.0 + 0.8 + 0.9) / 3: three roundings
        Approx.Equal(0.6, rotary.Mean[1], abs: 0, rel: 4 * Approx.Eps);
        Assert.Equal(new[] { 0.8, 0.3 }, rotary.Low);
        Assert.Equal(new[] { 1.0, 0.9 }, rotary.High);
        Assert.Throws<ArgumentException>(() => PositionShootout.Summarise([Run(PositionScheme.None, 1, 0, 0), new ShootoutRun(PositionScheme.None, 2, [4], [0], [], 0, null!)]));
    }
}

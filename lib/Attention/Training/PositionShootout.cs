using System.Diagnostics;

namespace Attention.Training;

/// <summary>Settings of the positional-encoding shoot-out.</summary>
/// <param name="TrainedLength">L: the length of every training sequence.</param>
/// <param name="Offset">k: the model must output the token k positions back.</param>
/// <param name="Vocabulary">Number of different tokens (chance accuracy is 1 / Vocabulary).</param>
/// <param name="Steps">Optimiser steps per model.</param>
/// <param name="BatchSize">Sequences per step.</param>
/// <param name="LearningRate">Adam's peak step size (warm-up, then a half cosine to a tenth).</param>
/// <param name="DModel">Token width.</param>
/// <param name="Heads">Attention heads.</param>
/// <param name="EvaluationSequences">Test sequences per length.</param>
public sealed record ShootoutSettings(int TrainedLength = 16, int Offset = 3, int Vocabulary = 10, int Steps = 400, int BatchSize = 16,
    double LearningRate = 0.01, int DModel = 32, int Heads = 1, int EvaluationSequences = 100);

/// <summary>One model of the shoot-out: its encoding, its seed, and its accuracy at each test length.</summary>
/// <param name="Positions">The encoding.</param>
/// <param name="Seed">The seed of its weights and training data.</param>
/// <param name="Lengths">The test lengths.</param>
/// <param name="Accuracy">Accuracy at each test length (share of scored positions predicted right).</param>
/// <param name="Losses">The training loss of each step.</param>
/// <param name="Seconds">Wall-clock seconds of training and testing.</param>
/// <param name="Model">The trained model.</param>
public sealed record ShootoutRun(PositionScheme Positions, int Seed, int[] Lengths, double[] Accuracy, double[] Losses, double Seconds,
    CausalAttentionModel Model);

/// <summary>One encoding's accuracy over several seeds: the mean and the lowest and highest seed at each test length.</summary>
/// <param name="Positions">The encoding.</param>
/// <param name="Lengths">The test lengths.</param>
/// <param name="Mean">Mean accuracy over the seeds at each length.</param>
/// <param name="Low">The lowest seed's accuracy at each length.</param>
/// <param name="High">The highest seed's accuracy at each length.</param>
/// <param name="Seeds">How many seeds.</param>
public sealed record ShootoutSummary(PositionScheme Positions, int[] Lengths, double[] Mean, double[] Low, double[] High, int Seeds);

/// <summary>
/// The positional-encoding shoot-out: the task "output the token k positions back" needs position and nothing else (the
/// token there is random), so a model must know where it is. Each encoding trains a <see cref="CausalAttentionModel"/> on
/// sequences of length L and is tested on lengths L, 2L, 3L, 4L it has partly never seen.
/// </summary>
public static class PositionShootout
{
    /// <summary>The encodings compared, in the order of the report.</summary>
    public static IReadOnlyList<PositionScheme> Schemes { get; } =
        [PositionScheme.None, PositionScheme.Sinusoidal, PositionScheme.Learned, PositionScheme.Rotary, PositionScheme.Alibi];

    /// <summary>
    /// One sequence of the task: <paramref name="length"/> random tokens; the target at position i is the token at
    /// <c>i − offset</c>, and −1 (not scored) for the first <paramref name="offset"/> positions.
    /// </summary>
    /// <param name="rng">Random source.</param>
    /// <param name="length">Sequence length.</param>
    /// <param name="offset">k.</param>
    /// <param name="vocabulary">Number of different tokens.</param>
    /// <returns>The tokens and the targets.</returns>
    public static (int[] Tokens, int[] Targets) OffsetSequence(Random rng, int length, int offset, int vocabulary)
    {
        Check.NotNull(rng, nameof(rng));
        Check.Positive(length, nameof(length));
        Check.NonNegative(offset, nameof(offset));
        Check.Positive(vocabulary, nameof(vocabulary));
        var tokens = Enumerable.Range(0, length).Select(_ => rng.Next(vocabulary)).ToArray();
        var targets = Enumerable.Range(0, length).Select(i => i >= offset ? tokens[i - offset] : -1).ToArray();
        return (tokens, targets);
    }

    /// <summary>Trains one model with the given encoding and seed and tests it at <c>L, 2L, 3L, 4L</c>.</summary>
    /// <param name="positions">The encoding.</param>
    /// <param name="seed">Seed of the weights and of the training sequences (test sequences use their own fixed seed).</param>
    /// <param name="settings">The settings.</param>
    /// <returns>The run.</returns>
    public static ShootoutRun Run(PositionScheme positions, int seed, ShootoutSettings settings)
    {
        Check.NotNull(settings, nameof(settings));
        var clock = Stopwatch.StartNew();
        var model = Train(positions, seed, settings, out var losses);
        int[] lengths = Enumerable.Range(1, 4).Select(m => m * settings.TrainedLength).ToArray();
        var accuracy = lengths.Select(n => Accuracy(model, n, settings)).ToArray();
        return new ShootoutRun(positions, seed, lengths, accuracy, losses, clock.Elapsed.TotalSeconds, model);
    }

    /// <summary>Groups runs by encoding (in the order of <see cref="Schemes"/>) and gives the mean, lowest and highest accuracy
    /// over the seeds at each length.</summary>
    /// <param name="runs">Runs with the same test lengths.</param>
    /// <returns>One summary per encoding present.</returns>
    public static IReadOnlyList<ShootoutSummary> Summarise(IEnumerable<ShootoutRun> runs)
    {
        Check.NotNull(runs, nameof(runs));
        var all = runs.ToList();
        if (all.Count == 0) throw new ArgumentException("There are no runs to summarise.", nameof(runs));
        var lengths = all[0].Lengths;
        if (all.Any(r => !r.Lengths.SequenceEqual(lengths)))
            throw new ArgumentException("The runs were tested at different lengths; summarise runs of one experiment.", nameof(runs));
        return Schemes.Select(s => all.Where(r => r.Positions == s).ToList()).Where(g => g.Count > 0).Select(g => new ShootoutSummary(
            g[0].Positions, lengths,
            Enumerable.Range(0, lengths.Length).Select(i => g.Average(r => r.Accuracy[i])).ToArray(),
            Enumerable.Range(0, lengths.Length).Select(i => g.Min(r => r.Accuracy[i])).ToArray(),
            Enumerable.Range(0, lengths.Length).Select(i => g.Max(r => r.Accuracy[i])).ToArray(),
            g.Count)).ToArray();
    }

    /// <summary>Trains a model on sequences of length L.</summary>
    /// <param name="positions">The encoding.</param>
    /// <param name="seed">Seed of the weights and the training sequences.</param>
    /// <param name="settings">The settings.</param>
    /// <param name="losses">The training loss of each step.</param>
    /// <returns>The trained model.</returns>
    public static CausalAttentionModel Train(PositionScheme positions, int seed, ShootoutSettings settings, out double[] losses)
    {
        Check.NotNull(settings, nameof(settings));
        var model = new CausalAttentionModel(new CausalModelSettings(settings.Vocabulary, positions, settings.TrainedLength,
            settings.DModel, settings.Heads, Seed: seed));
        var schedule = new TrainingSettings(settings.Steps, settings.BatchSize, settings.LearningRate, Seed: seed);
        losses = TrainingLoop.Run(model.Parameters, schedule, rng =>
        {
            var (tokens, targets) = OffsetSequence(rng, settings.TrainedLength, settings.Offset, settings.Vocabulary);
            double loss = model.Loss(tokens, targets);
            model.Backward();
            return loss;
        });
        return model;
    }

    /// <summary>The share of scored positions a model predicts right on fresh sequences of length <paramref name="length"/>.</summary>
    /// <param name="model">A trained model.</param>
    /// <param name="length">The test length.</param>
    /// <param name="settings">The settings (offset, vocabulary, number of test sequences).</param>
    /// <returns>The accuracy in [0, 1].</returns>
    public static double Accuracy(CausalAttentionModel model, int length, ShootoutSettings settings)
    {
        Check.NotNull(model, nameof(model));
        Check.NotNull(settings, nameof(settings));
        var rng = new Random(EvaluationSeed + length);
        int right = 0, scored = 0;
        for (int s = 0; s < settings.EvaluationSequences; s++)
        {
            var (tokens, targets) = OffsetSequence(rng, length, settings.Offset, settings.Vocabulary);
            var predicted = model.Predict(tokens);
            for (int i = 0; i < length; i++)
            {
                if (targets[i] < 0) continue;
                scored++;
                if (predicted[i] == targets[i]) right++;
            }
        }
        return scored == 0 ? double.NaN : (double)right / scored;
    }

    /// <summary>The seed of the test sequences (plus the length, so each length has its own).</summary>
    public const int EvaluationSeed = 77_000;
}

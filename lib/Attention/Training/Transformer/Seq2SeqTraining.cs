using System.Diagnostics;

namespace Attention.Training;

/// <summary>A trained <see cref="Seq2SeqTransformer"/> with its loss curve.</summary>
/// <param name="Model">The model (replica 0 of the training).</param>
/// <param name="Losses">Each step's mean loss over the batch's real output tokens.</param>
/// <param name="Seconds">Wall-clock seconds the training took (depends on the machine and its load).</param>
public sealed record TrainedTransformer(Seq2SeqTransformer Model, double[] Losses, double Seconds);

/// <summary>Trains and measures a <see cref="Seq2SeqTransformer"/>.</summary>
public static class Seq2SeqTraining
{
    /// <summary>
    /// Trains a new model with <see cref="ParallelTraining.RunSlices{TModel, TExample}"/>: each step draws the batch from
    /// <c>new Random(training.Seed)</c>, sorts it by source length (so each slice pads little), each of
    /// <paramref name="replicas"/> replicas pads its slice into one batch, and the
    /// gradients are summed in a fixed order, so the model is the same bit for bit on any number of threads.
    /// </summary>
    /// <param name="model">The model's shape.</param>
    /// <param name="training">Steps, batch size, learning rate, clipping and the seed of the examples.</param>
    /// <param name="draw">Draws one example: source tokens and the right output (ids ≥ 3).</param>
    /// <param name="replicas">How many slices a batch is split into (fixes the rounding; not the thread count).</param>
    /// <param name="threads">Threads (0 = one per processor).</param>
    /// <param name="onStep">Optional: called after every step with its index and loss.</param>
    /// <returns>The trained model, its losses and the seconds it took.</returns>
    public static TrainedTransformer Train(TransformerSettings model, TrainingSettings training,
        Func<Random, (int[] Source, int[] Target)> draw, int replicas = 4, int threads = 0, Action<int, double>? onStep = null)
    {
        Check.NotNull(model, nameof(model));
        Check.NotNull(training, nameof(training));
        Check.NotNull(draw, nameof(draw));
        Check.Positive(replicas, nameof(replicas));
        var models = Enumerable.Range(0, replicas).Select(_ => new Seq2SeqTransformer(model)).ToArray();
        var clock = Stopwatch.StartNew();
        var losses = ParallelTraining.RunSlices(models, m => m.Parameters, training, draw, (m, slice) =>
            m.SumLossAndBackward(Seq2SeqBatch.Create(slice.Select(e => e.Source).ToArray(), slice.Select(e => e.Target).ToArray())),
            threads, onStep, order: (x, y) => x.Source.Length.CompareTo(y.Source.Length));
        return new TrainedTransformer(models[0], losses, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The share of examples whose greedy output (with the key–value cache) is exactly the target.</summary>
    /// <param name="model">The model.</param>
    /// <param name="examples">Sources and their right outputs.</param>
    /// <returns>A share in [0, 1].</returns>
    public static double ExactMatch(Seq2SeqTransformer model, IEnumerable<(int[] Source, int[] Target)> examples)
    {
        Check.NotNull(model, nameof(model));
        Check.NotNull(examples, nameof(examples));
        int right = 0, total = 0;
        foreach (var (source, target) in examples)
        {
            var g = model.Generate(source, Math.Min(model.Settings.MaxLength, target.Length + 4));
            if (g.EndedWithEos && g.Tokens.AsSpan().SequenceEqual(target)) right++;
            total++;
        }
        if (total == 0) throw new ArgumentException("There are no examples to score.", nameof(examples));
        return (double)right / total;
    }
}

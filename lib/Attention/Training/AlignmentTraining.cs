using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra;

namespace Attention.Training;

/// <summary>How to train.</summary>
/// <param name="Steps">Optimiser steps.</param>
/// <param name="BatchSize">Examples per step (their gradients are averaged).</param>
/// <param name="LearningRate">Adam's step size at the start; it falls along a half cosine to a tenth of that by the last step.</param>
/// <param name="ClipNorm">Largest gradient norm allowed per step (larger gradients are scaled down).</param>
/// <param name="Seed">Seed of the training examples (the model's weights have their own seed).</param>
public sealed record TrainingSettings(int Steps = 2000, int BatchSize = 16, double LearningRate = 0.01, double ClipNorm = 1.0, int Seed = 1)
{
    /// <summary>The learning rate at step <paramref name="step"/> (0-based): a half cosine from the full rate to a tenth.</summary>
    /// <param name="step">The step.</param>
    /// <returns>The rate.</returns>
    public double LearningRateAt(int step)
    {
        int warmup = Math.Max(1, Steps / 20);
        if (step < warmup) return LearningRate * (step + 1) / warmup;
        return LearningRate * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(step - warmup, Steps) / Math.Max(1, Steps - warmup))));
    }
}

/// <summary>How well a trained model does on a set of examples.</summary>
/// <param name="TokenAccuracy">Share of output tokens that are right (greedy decoding).</param>
/// <param name="SequenceAccuracy">Share of examples whose whole output is right.</param>
/// <param name="AlignmentScore">The mean over examples of <see cref="AlignmentTraining.AlignmentScore"/>: the attention weight on the expected source position, averaged over the outputs that have one.</param>
/// <param name="Examples">Number of examples.</param>
/// <param name="BestHeadAlignmentScore">The same score taking, for each output, the head that puts the most weight on the
/// expected source position (<see cref="AlignmentTraining.BestHeadAlignmentScore"/>); with one head it equals
/// <paramref name="AlignmentScore"/>.</param>
public sealed record AlignmentEvaluation(double TokenAccuracy, double SequenceAccuracy, double AlignmentScore, int Examples,
    double BestHeadAlignmentScore);

/// <summary>A trained <see cref="AlignmentModel"/> with its loss curve.</summary>
/// <param name="Model">The model.</param>
/// <param name="Losses">The mean training loss of each step's batch.</param>
/// <param name="Seconds">Wall-clock seconds the training took (depends on the machine and its load).</param>
public sealed record TrainedAlignment(AlignmentModel Model, double[] Losses, double Seconds)
{
    /// <summary>Evaluates on <paramref name="examples"/> (use a seed the training did not use).</summary>
    /// <param name="examples">Examples of the model's task.</param>
    /// <returns>Accuracies and the alignment score.</returns>
    public AlignmentEvaluation Evaluate(IEnumerable<TaskExample> examples) => AlignmentTraining.Evaluate(Model, examples);
}

/// <summary>Trains an <see cref="AlignmentModel"/> on an <see cref="AlignmentTask"/> and measures it.</summary>
public static class AlignmentTraining
{
    /// <summary>The seed of the evaluation examples (training seeds are small numbers; this one is far from them).</summary>
    public const int EvaluationSeed = 99_001;

    /// <summary>
    /// Trains a new model: each step draws <see cref="TrainingSettings.BatchSize"/> fresh examples from
    /// <c>new Random(training.Seed)</c>, averages their gradients, clips them and takes one Adam step. Single-threaded and
    /// seeded, so the same settings give the same model on every run.
    /// </summary>
    /// <param name="task">The task.</param>
    /// <param name="model">The model's shape.</param>
    /// <param name="training">How to train.</param>
    /// <returns>The model and its loss curve.</returns>
    public static TrainedAlignment Train(AlignmentTask task, AlignmentModelSettings model, TrainingSettings training)
    {
        Check.NotNull(task, nameof(task));
        Check.NotNull(model, nameof(model));
        Check.NotNull(training, nameof(training));
        var clock = Stopwatch.StartNew();
        var net = new AlignmentModel(task, model);
        var losses = TrainingLoop.Run(net.Parameters, training, rng =>
        {
            double loss = net.Loss(task.Generate(rng));
            net.Backward();
            return loss;
        });
        return new TrainedAlignment(net, losses, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Greedy-decodes every example and scores the outputs and the attention.</summary>
    /// <param name="model">A model.</param>
    /// <param name="examples">Examples of its task.</param>
    /// <returns>The evaluation.</returns>
    public static AlignmentEvaluation Evaluate(AlignmentModel model, IEnumerable<TaskExample> examples)
    {
        Check.NotNull(model, nameof(model));
        Check.NotNull(examples, nameof(examples));
        int tokens = 0, rightTokens = 0, count = 0, rightSequences = 0;
        double scores = 0, bestHeadScores = 0;
        foreach (var e in examples)
        {
            var p = model.Predict(e);
            bestHeadScores += BestHeadAlignmentScore(p.HeadWeights, e.Alignment);
            int right = p.Output.Zip(e.Target, (a, b) => a == b ? 1 : 0).Sum();
            tokens += e.Target.Length;
            rightTokens += right;
            rightSequences += right == e.Target.Length ? 1 : 0;
            scores += AlignmentScore(p.Weights, e.Alignment);
            count++;
        }
        if (count == 0) throw new ArgumentException("There are no examples to evaluate.", nameof(examples));
        return new AlignmentEvaluation((double)rightTokens / tokens, (double)rightSequences / count, scores / count, count, bestHeadScores / count);
    }

    /// <summary>Means of consecutive blocks of <paramref name="values"/> (e.g. a loss curve of 2000 steps as 100 points), with the
    /// step at the middle of each block. A last, shorter block is averaged too.</summary>
    /// <param name="values">One value per step.</param>
    /// <param name="block">Steps per block (≥ 1).</param>
    /// <returns>The middle step of each block and the block's mean.</returns>
    public static (double[] Steps, double[] Means) BlockMeans(IReadOnlyList<double> values, int block)
    {
        Check.NotNull(values, nameof(values));
        Check.Positive(block, nameof(block));
        int blocks = (values.Count + block - 1) / block;
        var steps = new double[blocks];
        var means = new double[blocks];
        for (int b = 0; b < blocks; b++)
        {
            int start = b * block, end = Math.Min(values.Count, start + block);
            double sum = 0;
            for (int i = start; i < end; i++) sum += values[i];
            means[b] = sum / (end - start);
            steps[b] = (start + end - 1) / 2.0;
        }
        return (steps, means);
    }

    /// <summary>
    /// The alignment score of one attention matrix: the mean, over the output positions j with an expected source
    /// position (<c>alignment[j] ≥ 0</c>), of the weight output j puts on that position. 1 means all attention is where a
    /// perfect model would put it; a uniform spread over n source tokens scores 1/n.
    /// </summary>
    /// <param name="weights">Attention weights <c>[outputs, sources]</c>.</param>
    /// <param name="alignment">The expected source position of each output, −1 for none.</param>
    /// <returns>The score in [0, 1], or NaN when no output has an expected position.</returns>
    public static double AlignmentScore(Matrix<double> weights, IReadOnlyList<int> alignment)
    {
        Check.NotNull(weights, nameof(weights));
        Check.NotNull(alignment, nameof(alignment));
        if (alignment.Count != weights.RowCount)
            throw new ArgumentException($"The weights are {Check.Shape(weights)} but the alignment has {alignment.Count} entries: give one per output (row).", nameof(alignment));
        double sum = 0;
        int n = 0;
        for (int j = 0; j < alignment.Count; j++)
        {
            if (alignment[j] < 0) continue;
            if (alignment[j] >= weights.ColumnCount)
                throw new ArgumentOutOfRangeException(nameof(alignment), alignment[j], $"Output {j} expects source position {alignment[j]} but there are {weights.ColumnCount} sources.");
            sum += weights[j, alignment[j]];
            n++;
        }
        return n == 0 ? double.NaN : sum / n;
    }

    /// <summary>
    /// The alignment score of several heads when each output may be read from its best head: for each output j that has an
    /// expected source position a_j, the largest weight any head puts on a_j, averaged over those outputs. Heads can share
    /// the work (one follows the year, another the month), which the mean over heads hides.
    /// </summary>
    /// <param name="heads">Each head's weights <c>[outputs, sources]</c>, all the same shape.</param>
    /// <param name="alignment">The expected source position of each output, or −1 for none.</param>
    /// <returns>The score in [0, 1], or NaN when no output has an expected position.</returns>
    public static double BestHeadAlignmentScore(IReadOnlyList<Matrix<double>> heads, IReadOnlyList<int> alignment)
    {
        Check.NotNull(heads, nameof(heads));
        if (heads.Count == 0) throw new ArgumentException("Pass at least one head's weights.", nameof(heads));
        var best = heads[0].Clone();
        for (int h = 1; h < heads.Count; h++)
        {
            if (heads[h].RowCount != best.RowCount || heads[h].ColumnCount != best.ColumnCount)
                throw new ArgumentException($"Head {h} is {Check.Shape(heads[h])} but head 0 is {Check.Shape(heads[0])}; all heads have the same shape.", nameof(heads));
            best = best.PointwiseMaximum(heads[h]);
        }
        return AlignmentScore(best, alignment);
    }
}

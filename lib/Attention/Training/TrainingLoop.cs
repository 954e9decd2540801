namespace Attention.Training;

/// <summary>The loop every model here trains with: mini-batches, averaged and clipped gradients, Adam on a schedule.</summary>
public static class TrainingLoop
{
    /// <summary>
    /// Trains <paramref name="parameters"/> for <see cref="TrainingSettings.Steps"/> steps. Each step clears the gradients,
    /// calls <paramref name="lossAndBackward"/> once per example of the batch (it draws an example from the random source,
    /// runs the forward pass, then the backward pass that adds to the gradients, and returns the example's loss), averages
    /// the gradients, clips their norm to <see cref="TrainingSettings.ClipNorm"/> and takes one Adam step (β2 = 0.98, as in
    /// the Transformer paper) at <see cref="TrainingSettings.LearningRateAt"/>. The examples come from
    /// <c>new Random(settings.Seed)</c>; everything runs on the calling thread, so the same inputs give the same result.
    /// </summary>
    /// <param name="parameters">What to train.</param>
    /// <param name="settings">Steps, batch size, learning rate, clipping and the seed of the examples.</param>
    /// <param name="lossAndBackward">One example's forward and backward pass; returns its loss.</param>
    /// <returns>The mean loss of each step's batch.</returns>
    public static double[] Run(IEnumerable<Parameter> parameters, TrainingSettings settings, Func<Random, double> lossAndBackward)
    {
        Check.NotNull(parameters, nameof(parameters));
        Check.NotNull(settings, nameof(settings));
        Check.NotNull(lossAndBackward, nameof(lossAndBackward));
        Check.Positive(settings.Steps, nameof(settings.Steps));
        Check.Positive(settings.BatchSize, nameof(settings.BatchSize));
        var adam = new Adam(parameters, settings.LearningRate, beta2: 0.98);
        var rng = new Random(settings.Seed);
        var losses = new double[settings.Steps];
        for (int step = 0; step < settings.Steps; step++)
        {
            adam.ZeroGradients();
            double sum = 0;
            for (int b = 0; b < settings.BatchSize; b++) sum += lossAndBackward(rng);
            losses[step] = sum / settings.BatchSize;
            adam.ScaleGradients(1.0 / settings.BatchSize);
            adam.ClipGradientNorm(settings.ClipNorm);
            adam.LearningRate = settings.LearningRateAt(step);
            adam.Step();
        }
        return losses;
    }
}

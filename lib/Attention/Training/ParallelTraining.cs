namespace Attention.Training;

/// <summary>
/// The training loop of <see cref="TrainingLoop"/>, with the examples of each batch spread over threads, and still the
/// same model bit for bit on any number of threads.
/// </summary>
/// <remarks>
/// <para>The caller builds <c>K</c> replicas of one model (the same shape; replica 0 is the model being trained). Every
/// step draws the whole batch first, from <c>new Random(settings.Seed)</c> on the calling thread, and gives replica c
/// the fixed slice <c>[c·B/K, (c+1)·B/K)</c> of it. Each replica starts the step with the trained model's values, clears
/// its gradients and runs its slice in order; the threads only decide which replica runs when. The gradients are then
/// summed replica by replica in the order 0, 1, …, K−1, so every floating-point sum has one order, whatever the thread
/// count. Only <c>K</c> changes the rounding (it fixes how the batch is split), so it is a setting, not a thread count.</para>
/// <para>The loss of a step is <c>Σ loss / Σ count</c> over the batch, and the gradient is scaled the same way: with a
/// count of 1 per example that is the mean over examples (as <see cref="TrainingLoop.Run"/>); with the number of scored
/// tokens it is the mean over every real token of the batch.</para>
/// </remarks>
public static class ParallelTraining
{
    /// <summary>Trains <c>replicas[0]</c>; see the class remarks for how the work is split.</summary>
    /// <typeparam name="TModel">The model type.</typeparam>
    /// <typeparam name="TExample">What <paramref name="draw"/> returns: one training example.</typeparam>
    /// <param name="replicas">K ≥ 1 models of the same shape; replica 0 is trained, the others are scratch copies.</param>
    /// <param name="parametersOf">A model's parameters, in the same order for every replica.</param>
    /// <param name="settings">Steps, batch size, learning rate, clipping and the seed of the examples.</param>
    /// <param name="draw">Draws one example from the random source (called on the calling thread, in order).</param>
    /// <param name="lossAndBackward">One example's forward and backward pass on a replica: adds the gradient of the
    /// example's summed loss to the replica's gradients and returns that sum and how many terms it has.</param>
    /// <param name="threads">Threads to use (0 = one per processor). The result does not depend on it.</param>
    /// <param name="onStep">Optional: called after each step with the step's index and mean loss (on the calling thread).</param>
    /// <returns>The mean loss of each step's batch.</returns>
    public static double[] Run<TModel, TExample>(IReadOnlyList<TModel> replicas, Func<TModel, IReadOnlyList<Parameter>> parametersOf,
        TrainingSettings settings, Func<Random, TExample> draw, Func<TModel, TExample, (double Loss, int Count)> lossAndBackward,
        int threads = 0, Action<int, double>? onStep = null)
    {
        Check.NotNull(lossAndBackward, nameof(lossAndBackward));
        return RunSlices(replicas, parametersOf, settings, draw, (model, slice) =>
        {
            double loss = 0;
            int count = 0;
            foreach (var example in slice)
            {
                var (l, n) = lossAndBackward(model, example);
                loss += l;
                count += n;
            }
            return (loss, count);
        }, threads, onStep);
    }

    /// <summary>
    /// As <see cref="Run{TModel, TExample}"/>, but each replica gets its whole slice of the batch in one call (a model that
    /// pads the slice into one batch runs its products on all rows at once).
    /// </summary>
    /// <typeparam name="TModel">The model type.</typeparam>
    /// <typeparam name="TExample">One training example.</typeparam>
    /// <param name="replicas">K ≥ 1 models of the same shape; replica 0 is trained.</param>
    /// <param name="parametersOf">A model's parameters, in the same order for every replica.</param>
    /// <param name="settings">Steps, batch size, learning rate, clipping and the seed of the examples.</param>
    /// <param name="draw">Draws one example (on the calling thread, in order).</param>
    /// <param name="sliceLossAndBackward">A slice's forward and backward pass on a replica: adds the gradient of the
    /// slice's summed loss and returns that sum and its number of terms. Not called for an empty slice.</param>
    /// <param name="threads">Threads to use (0 = one per processor). The result does not depend on it.</param>
    /// <param name="onStep">Optional: called after each step with its index and mean loss.</param>
    /// <param name="order">Optional: the batch is sorted with it (stably) before it is split, e.g. by length, so each
    /// slice pads less.</param>
    /// <returns>The mean loss of each step's batch.</returns>
    public static double[] RunSlices<TModel, TExample>(IReadOnlyList<TModel> replicas, Func<TModel, IReadOnlyList<Parameter>> parametersOf,
        TrainingSettings settings, Func<Random, TExample> draw, Func<TModel, ArraySegment<TExample>, (double Loss, int Count)> sliceLossAndBackward,
        int threads = 0, Action<int, double>? onStep = null, Comparison<TExample>? order = null)
    {
        Check.NotNull(replicas, nameof(replicas));
        Check.NotNull(parametersOf, nameof(parametersOf));
        Check.NotNull(settings, nameof(settings));
        Check.NotNull(draw, nameof(draw));
        Check.NotNull(sliceLossAndBackward, nameof(sliceLossAndBackward));
        Check.Positive(settings.Steps, nameof(settings.Steps));
        Check.Positive(settings.BatchSize, nameof(settings.BatchSize));
        Check.NonNegative(threads, nameof(threads));
        if (replicas.Count == 0) throw new ArgumentException("Give at least one model: replicas[0] is the one trained.", nameof(replicas));
        var parameters = replicas.Select(r => parametersOf(r).ToArray()).ToArray();
        for (int c = 1; c < parameters.Length; c++)
        {
            if (ReferenceEquals(replicas[c], replicas[0]))
                throw new ArgumentException($"Replica {c} is the same object as replica 0: each replica needs its own model (the same shape, built again).", nameof(replicas));
            if (parameters[c].Length != parameters[0].Length || parameters[c].Zip(parameters[0]).Any(p => p.First.Count != p.Second.Count))
                throw new ArgumentException($"Replica {c} does not have the shape of replica 0: build every replica with the same settings.", nameof(replicas));
        }

        int k = replicas.Count, batch = settings.BatchSize;
        var adam = new Adam(parameters[0], settings.LearningRate, beta2: 0.98);
        var rng = new Random(settings.Seed);
        var losses = new double[settings.Steps];
        var examples = new TExample[batch];
        var partLoss = new double[k];
        var partCount = new int[k];
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads == 0 ? Environment.ProcessorCount : threads };
        for (int step = 0; step < settings.Steps; step++)
        {
            for (int b = 0; b < batch; b++) examples[b] = draw(rng);
            if (order is not null)
            {
                var sorted = examples.Select((e, i) => (e, i)).OrderBy(x => x.e, Comparer<TExample>.Create(order)).ThenBy(x => x.i).ToArray();
                for (int b = 0; b < batch; b++) examples[b] = sorted[b].e;
            }
            Parallel.For(0, k, options, c =>
            {
                var own = parameters[c];
                for (int p = 0; p < own.Length; p++)
                {
                    if (c > 0) Array.Copy(parameters[0][p].Value.Data, own[p].Value.Data, own[p].Count);
                    own[p].ZeroGradient();
                }
                int first = (int)((long)c * batch / k), end = (int)((long)(c + 1) * batch / k);
                (partLoss[c], partCount[c]) = end > first ? sliceLossAndBackward(replicas[c], new ArraySegment<TExample>(examples, first, end - first)) : (0.0, 0);
            });
            double total = 0;
            int terms = 0;
            for (int c = 0; c < k; c++)
            {
                total += partLoss[c];
                terms += partCount[c];
                if (c == 0) continue;
                for (int p = 0; p < parameters[0].Length; p++)
                {
                    var g = parameters[0][p].Gradient.Data;
                    System.Numerics.Tensors.TensorPrimitives.Add(g, parameters[c][p].Gradient.Data, g);
                }
            }
            if (terms <= 0) throw new InvalidOperationException($"Step {step}: the batch scored no terms (every count was 0), so there is no mean loss to train on.");
            losses[step] = total / terms;
            adam.ScaleGradients(1.0 / terms);
            adam.ClipGradientNorm(settings.ClipNorm);
            adam.LearningRate = settings.LearningRateAt(step);
            adam.Step();
            onStep?.Invoke(step, losses[step]);
        }
        return losses;
    }
}

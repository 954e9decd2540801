using Attention.Training;

namespace Attention.Tests;

/// <summary>The batch-parallel loop: the same model bit for bit on any thread count, and the sequential loop when K = 1.</summary>
public class ParallelTrainingTests
{
    private static readonly TrainingSettings Schedule = new(Steps: 12, BatchSize: 8, LearningRate: 0.01, Seed: 5);

    private static CausalAttentionModel NewModel() =>
        new(new CausalModelSettings(Vocabulary: 6, PositionScheme.Rotary, TrainedLength: 7, DModel: 8, Heads: 2, Hidden: 16, Seed: 3));

    private static (int[] Tokens, int[] Targets) Draw(Random rng) => PositionShootout.OffsetSequence(rng, 7, 2, 6);

    private static (double[] Losses, double[][] Values) Parallel(int replicas, int threads)
    {
        var models = Enumerable.Range(0, replicas).Select(_ => NewModel()).ToArray();
        var losses = ParallelTraining.Run(models, m => m.Parameters, Schedule, Draw, (m, e) =>
        {
            double loss = m.Loss(e.Tokens, e.Targets);
            m.Backward();
            return (loss, 1);
        }, threads);
        return (losses, models[0].Parameters.Select(p => (double[])p.Value.Data.Clone()).ToArray());
    }

    [Fact]
    public void One_and_two_threads_train_the_same_model_bit_for_bit()
    {
        var one = Parallel(replicas: 4, threads: 1);
        var two = Parallel(replicas: 4, threads: 2);
        Assert.Equal(one.Losses, two.Losses);
        for (int p = 0; p < one.Values.Length; p++) Assert.Equal(one.Values[p], two.Values[p]);
        Assert.True(one.Losses[^1] < one.Losses[0], $"it trains: {one.Losses[0]} → {one.Losses[^1]}");
    }

    [Fact]
    public void One_replica_is_the_sequential_loop()
    {
        var model = NewModel();
        var expected = TrainingLoop.Run(model.Parameters, Schedule, rng =>
        {
            var (tokens, targets) = Draw(rng);
            double loss = model.Loss(tokens, targets);
            model.Backward();
            return loss;
        });
        var (losses, values) = Parallel(replicas: 1, threads: 2);
        Assert.Equal(expected, losses);
        for (int p = 0; p < values.Length; p++) Assert.Equal(model.Parameters[p].Value.Data, values[p]);
    }

    [Fact]
    public void Bad_replicas_are_refused_with_the_reason()
    {
        var m = NewModel();
        var same = Assert.Throws<ArgumentException>(() => ParallelTraining.Run([m, m], x => x.Parameters, Schedule, Draw, (x, e) => (0.0, 1)));
        Assert.Contains("same object", same.Message);
        var other = new CausalAttentionModel(new CausalModelSettings(6, PositionScheme.Rotary, 7, DModel: 4, Heads: 2, Hidden: 16));
        var shape = Assert.Throws<ArgumentException>(() => ParallelTraining.Run([m, other], x => x.Parameters, Schedule, Draw, (x, e) => (0.0, 1)));
        Assert.Contains("shape", shape.Message);
        Assert.Throws<ArgumentException>(() => ParallelTraining.Run(Array.Empty<CausalAttentionModel>(), x => x.Parameters, Schedule, Draw, (x, e) => (0.0, 1)));
        var none = Assert.Throws<InvalidOperationException>(() => ParallelTraining.Run([m], x => x.Parameters, Schedule, Draw, (x, e) => (0.0, 0)));
        Assert.Contains("no terms", none.Message);
    }
}

using MathNet.Numerics.LinearAlgebra;

namespace Attention.Tests;

public class CoreConceptsExercisesTests
{
    [Fact]
    public void Weighted_average_right_and_wrong()
    {
        Assert.True(CoreConceptsExercises.CheckWeightedAverage((w, v) =>
        {
            var o = Vector<double>.Build.Dense(v.ColumnCount);
            for (int j = 0; j < w.Length; j++) o += w[j] * v.Row(j);
            return o;
        }).Correct);

        var plainMean = CoreConceptsExercises.CheckWeightedAverage((w, v) => v.ColumnSums() / v.RowCount);
        Assert.False(plainMean.Correct);
        Assert.Contains("❌ not yet: weighted average of the values (entry 1 is 2.66667, expected 2)", plainMean.Message);
        Assert.Contains("Hint: start from a zero vector", plainMean.Message);
        Assert.Contains("not written yet", CoreConceptsExercises.CheckWeightedAverage((_, _) => throw new NotImplementedException()).Message);
    }

    [Fact]
    public void Query_weights_right_and_wrong()
    {
        Assert.True(CoreConceptsExercises.CheckQueryWeights((q, k) =>
        {
            var s = (k * q / Math.Sqrt(q.Count)).ToArray();
            var e = s.Select(x => Math.Exp(x - s.Max())).ToArray();
            return e.Select(x => x / e.Sum()).ToArray();
        }).Correct);

        // forgot the √d scale: wrong already on the hand case (scores 2, 0, 0 instead of √2, 0, 0)
        var unscaled = CoreConceptsExercises.CheckQueryWeights((q, k) =>
        {
            var e = (k * q).Select(Math.Exp).ToArray();
            return e.Select(x => x / e.Sum()).ToArray();
        });
        Assert.False(unscaled.Correct);
        Assert.Contains("❌ not yet: weights of one query (entry 0 is 0.786986, expected 0.672842)", unscaled.Message);
        Assert.Contains("Hint: score key j with q·k_j / √d", unscaled.Message);
    }

    [Fact]
    public void Shuffled_outputs_right_and_wrong()
    {
        Assert.True(CoreConceptsExercises.CheckShuffledOutputs((o, perm) =>
            Matrix<double>.Build.Dense(o.RowCount, o.ColumnCount, (i, j) => o[perm[i], j])).Correct);

        // the inverse shuffle (row perm[i] of the new output is row i of the old) is a classic slip
        var inverse = CoreConceptsExercises.CheckShuffledOutputs((o, perm) =>
        {
            var r = o.Clone();
            for (int i = 0; i < perm.Length; i++) r.SetRow(perm[i], o.Row(i));
            return r;
        });
        Assert.False(inverse.Correct);
        Assert.Contains("❌ not yet: outputs for the shuffled sequence (entry [", inverse.Message);

        var unchanged = CoreConceptsExercises.CheckShuffledOutputs((o, perm) => o);
        Assert.False(unchanged.Correct);
        Assert.Contains("Hint: attention without positions is permutation-equivariant", unchanged.Message);
    }
}

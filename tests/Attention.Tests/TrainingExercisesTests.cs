using MathNet.Numerics.LinearAlgebra;

namespace Attention.Tests;

/// <summary>Each checker of notebooks 06b and 09b says correct for a right answer and "not yet" with its hint for a wrong one.</summary>
public class TrainingExercisesTests
{
    private static double[] Probabilities(double[] z)
    {
        double max = z.Max();
        var e = z.Select(v => Math.Exp(v - max)).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    [Fact]
    public void Cross_entropy_gradient()
    {
        var right = TrainingExercises.CheckCrossEntropyGradient((z, t) => Probabilities(z).Select((p, i) => i == t ? p - 1 : p).ToArray());
        Assert.True(right.Correct, right.Message);

        var noOneHot = TrainingExercises.CheckCrossEntropyGradient((z, t) => Probabilities(z));
        Assert.False(noOneHot.Correct);
        Assert.Contains("you returned the probabilities", noOneHot.Message);
        Assert.Contains("Hint: subtract 1 at the target class", noOneHot.Message);
        Assert.Contains("wrong sign", TrainingExercises.CheckCrossEntropyGradient((z, t) => Probabilities(z).Select((p, i) => i == t ? 1 - p : -p).ToArray()).Message);
        Assert.Contains("entry 0", TrainingExercises.CheckCrossEntropyGradient((z, t) => new double[z.Length]).Message);
        var unwritten = TrainingExercises.CheckCrossEntropyGradient((z, t) => throw new NotImplementedException());
        Assert.StartsWith("❌ not yet", unwritten.Message);
        Assert.Contains("Hint: write p = softmax(z)", unwritten.Message);
    }

    [Fact]
    public void Sort_alignment()
    {
        var right = TrainingExercises.CheckSortAlignment(letters => Enumerable.Range(0, letters.Length).OrderBy(i => letters[i], StringComparer.Ordinal).ToArray());
        Assert.True(right.Correct, right.Message);

        var ranks = TrainingExercises.CheckSortAlignment(letters =>
        {
            var order = Enumerable.Range(0, letters.Length).OrderBy(i => letters[i], StringComparer.Ordinal).ToArray();
            var rank = new int[order.Length];
            for (int j = 0; j < order.Length; j++) rank[order[j]] = j;
            return rank;
        });
        Assert.False(ranks.Correct);
        Assert.Contains("invert it", ranks.Message);
        var copy = TrainingExercises.CheckSortAlignment(letters => Enumerable.Range(0, letters.Length).ToArray());
        Assert.False(copy.Correct);
        Assert.Contains("Hint: list the source positions", copy.Message);
    }

    [Fact]
    public void Alignment_score()
    {
        double Right(Matrix<double> w, int[] a)
        {
            var rows = Enumerable.Range(0, a.Length).Where(j => a[j] >= 0).ToArray();
            return rows.Average(j => w[j, a[j]]);
        }
        var right = TrainingExercises.CheckAlignmentScore(Right);
        Assert.True(right.Correct, right.Message);

        var countsSkipped = TrainingExercises.CheckAlignmentScore((w, a) => Enumerable.Range(0, a.Length).Where(j => a[j] >= 0).Sum(j => w[j, a[j]]) / a.Length);
        Assert.False(countsSkipped.Correct);
        Assert.Contains("were counted in the average", countsSkipped.Message);
        var maxInstead = TrainingExercises.CheckAlignmentScore((w, a) => Enumerable.Range(0, w.RowCount).Average(j => w.Row(j).Maximum()));
        Assert.False(maxInstead.Correct);
        Assert.Contains("Hint: for every output j", maxInstead.Message);
    }

    [Fact]
    public void Clamped_table_accuracy()
    {
        var right = ShootoutExercises.CheckClampedTableAccuracy(n => (16 - 3 + (n - 16) / 10.0) / (n - 3));
        Assert.True(right.Correct, right.Message);
        Assert.Contains("within its sampling error (100 test sequences a length)", right.Message); // not "to the third decimal"
        var noLuck = ShootoutExercises.CheckClampedTableAccuracy(n => 13.0 / (n - 3));
        Assert.False(noLuck.Correct);
        Assert.Contains("lucky guesses", noLuck.Message);
        var overAll = ShootoutExercises.CheckClampedTableAccuracy(n => 16.0 / n);
        Assert.False(overAll.Correct);
        Assert.Contains("Hint: positions k … n − 1 are scored", overAll.Message);
    }

    [Fact]
    public void Rotary_score()
    {
        var right = ShootoutExercises.CheckRotaryScore((q, k, m, n) => Rotary.Apply(q, m).Row(0) * Rotary.Apply(k, n).Row(0));
        Assert.True(right.Correct, right.Message);
        var plain = ShootoutExercises.CheckRotaryScore((q, k, m, n) => q.Row(0) * k.Row(0));
        Assert.False(plain.Correct);
        Assert.Contains("no rotation", plain.Message);
        var swapped = ShootoutExercises.CheckRotaryScore((q, k, m, n) => Rotary.Apply(q, n).Row(0) * Rotary.Apply(k, m).Row(0));
        Assert.False(swapped.Correct);
        Assert.Contains("Hint: Rotary.Apply(q, startPosition: m)", swapped.Message);
    }

    [Fact]
    public void Alibi_only_weights()
    {
        var right = ShootoutExercises.CheckAlibiOnlyWeights((i, m) => Softmax.Of(Enumerable.Range(0, i + 1).Select(j => -m * (i - j)).ToArray()));
        Assert.True(right.Correct, right.Message);
        Assert.Contains("cannot single out the token 3 back", right.Message);
        var raw = ShootoutExercises.CheckAlibiOnlyWeights((i, m) => Enumerable.Range(0, i + 1).Select(j => -m * (i - j)).ToArray());
        Assert.False(raw.Correct);
        Assert.Contains("apply softmax", raw.Message);
        var wrongSign = ShootoutExercises.CheckAlibiOnlyWeights((i, m) => Softmax.Of(Enumerable.Range(0, i + 1).Select(j => m * (i - j)).ToArray()));
        Assert.False(wrongSign.Correct);
        Assert.Contains("farthest key gets the most weight", wrongSign.Message);
        var uniform = ShootoutExercises.CheckAlibiOnlyWeights((i, m) => Enumerable.Repeat(1.0 / (i + 1), i + 1).ToArray());
        Assert.False(uniform.Correct);
        Assert.Contains("Hint: the score of key j is the bias", uniform.Message);
    }
}

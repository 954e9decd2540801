using MathNet.Numerics.LinearAlgebra;

namespace Attention.Tests;

/// <summary>The notebook 04 checkers say correct for a right answer and not yet, with a hint, for wrong ones.</summary>
public class MathModelExercisesTests
{
    private static double[] Stable(double[] x)
    {
        double max = x.Max();
        var e = x.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    [Fact]
    public void Stable_softmax()
    {
        Assert.True(MathModelExercises.StableSoftmax(Stable).Correct);

        var naive = MathModelExercises.StableSoftmax(x =>
        {
            var e = x.Select(v => Math.Exp(v)).ToArray();
            return e.Select(v => v / e.Sum()).ToArray();
        });
        Assert.False(naive.Correct);
        Assert.Contains("on [1000, 1001, 1002]", naive.Message);
        Assert.Contains("contain NaN", naive.Message);
        Assert.Contains("Hint: softmax(x) = softmax(x − c)", naive.Message);

        // the article's reading of 4.2.2: exponentials without dividing by their sum
        var unnormalised = MathModelExercises.StableSoftmax(x => x.Select(v => Math.Exp(v - x.Max())).ToArray());
        Assert.Contains("sum to", unnormalised.Message);

        var todo = MathModelExercises.StableSoftmax(x => throw new NotImplementedException());
        Assert.Contains("not written yet", todo.Message);
    }

    [Fact]
    public void Log_sum_exp()
    {
        Assert.True(MathModelExercises.LogSumExp(x => x.Max() + Math.Log(x.Sum(v => Math.Exp(v - x.Max())))).Correct);

        var naive = MathModelExercises.LogSumExp(x => Math.Log(x.Sum(v => Math.Exp(v))));
        Assert.False(naive.Correct);
        Assert.Contains("overflowed or underflowed", naive.Message);
        Assert.Contains("Hint: factor out the largest term", naive.Message);

        var maxOnly = MathModelExercises.LogSumExp(x => x.Max());
        Assert.Contains("you have 1002, expected 1002.41", maxOnly.Message);
    }

    [Fact]
    public void Query_output()
    {
        Assert.True(MathModelExercises.QueryOutput((q, k, v) =>
        {
            var w = Vector<double>.Build.Dense(Stable((k * q / Math.Sqrt(q.Count)).ToArray()));
            var o = Vector<double>.Build.Dense(v.ColumnCount);
            for (int i = 0; i < k.RowCount; i++) o += w[i] * v.Row(i);
            return o;
        }).Correct);

        var unscaled = MathModelExercises.QueryOutput((q, k, v) => Vector<double>.Build.Dense(Stable((k * q).ToArray())) * v);
        Assert.Contains("not divided by √d_k", unscaled.Message);

        var byScores = MathModelExercises.QueryOutput((q, k, v) => (k * q / Math.Sqrt(q.Count)) * v);
        Assert.Contains("raw scores, not by the softmax weights", byScores.Message);

        var firstValue = MathModelExercises.QueryOutput((q, k, v) => v.Row(0));
        Assert.False(firstValue.Correct);
        Assert.Contains("Hint: score every key", firstValue.Message);

        var todo = MathModelExercises.QueryOutput((q, k, v) => throw new NotImplementedException());
        Assert.Contains("not written yet", todo.Message);
    }
}

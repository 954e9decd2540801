using MathNet.Numerics.LinearAlgebra;

namespace Attention.Tests;

/// <summary>The notebook 03 checkers say correct for a right answer and not yet, with a hint, for wrong ones.</summary>
public class AlgorithmExercisesTests
{
    [Fact]
    public void Scaled_scores()
    {
        Assert.True(AlgorithmExercises.ScaledScores((q, k) => q * k.Transpose() / Math.Sqrt(q.ColumnCount)).Correct);

        var unscaled = AlgorithmExercises.ScaledScores((q, k) => q * k.Transpose());
        Assert.False(unscaled.Correct);
        Assert.Contains("unscaled scores Q·Kᵀ", unscaled.Message);
        Assert.Contains("Hint: divide every score by √d_k", unscaled.Message);

        var transposed = AlgorithmExercises.ScaledScores((q, k) => k * q.Transpose() / 2);
        Assert.Contains("K·Qᵀ/√d_k, the transpose", transposed.Message);

        var off = AlgorithmExercises.ScaledScores((q, k) => q * k.Transpose() / 3);
        Assert.StartsWith("❌ not yet: scaled dot-product scores", off.Message);
        Assert.Contains("entry [0, 0]", off.Message);

        var todo = AlgorithmExercises.ScaledScores((q, k) => throw new NotImplementedException());
        Assert.Contains("not written yet", todo.Message);
        Assert.Contains("Hint: entry (i, j) is query row i dotted with key row j", todo.Message);
    }

    [Fact]
    public void Sinusoidal_entry()
    {
        static double Angle(int pos, int col, int d, double b) => pos / Math.Pow(b, 2.0 * (col / 2) / d);
        Assert.True(AlgorithmExercises.SinusoidalEntry((p, c, d) =>
            c % 2 == 0 ? Math.Sin(Angle(p, c, d, 10000)) : Math.Cos(Angle(p, c, d, 10000))).Correct);

        var article = AlgorithmExercises.SinusoidalEntry((p, c, d) =>
            c % 2 == 0 ? Math.Sin(Angle(p, c, d, 1000)) : Math.Cos(Angle(p, c, d, 1000)));
        Assert.Contains("base 1000, as the article does", article.Message);

        var swapped = AlgorithmExercises.SinusoidalEntry((p, c, d) =>
            c % 2 == 0 ? Math.Cos(Angle(p, c, d, 10000)) : Math.Sin(Angle(p, c, d, 10000)));
        Assert.Contains("sine and cosine are swapped", swapped.Message);

        // the usual slip: i = column instead of column / 2, so the pair no longer shares a frequency
        var unpaired = AlgorithmExercises.SinusoidalEntry((p, c, d) =>
        {
            double a = p / Math.Pow(10000, 2.0 * c / d);
            return c % 2 == 0 ? Math.Sin(a) : Math.Cos(a);
        });
        Assert.False(unpaired.Correct);
        Assert.Contains("Hint: columns 2i and 2i+1 share one angle", unpaired.Message);
    }

    [Fact]
    public void Additive_score()
    {
        Assert.True(AlgorithmExercises.AdditiveScore((q, k, wq, wk, v) => v * (wq * q + wk * k).PointwiseTanh()).Correct);

        var linear = AlgorithmExercises.AdditiveScore((q, k, wq, wk, v) => v * (wq * q + wk * k));
        Assert.Contains("the tanh is missing", linear.Message);

        var wrong = AlgorithmExercises.AdditiveScore((q, k, wq, wk, v) => v * (wq * q).PointwiseTanh());
        Assert.False(wrong.Correct);
        Assert.Contains("Hint: map q and k into the hidden size", wrong.Message);

        var crash = AlgorithmExercises.AdditiveScore((q, k, wq, wk, v) => v * (wq * k));
        Assert.Contains("your code threw ArgumentException", crash.Message);
    }
}

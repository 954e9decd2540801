using static Attention.Tests.Helpers;

namespace Attention.Tests;

public class AlgorithmCostTests
{
    private static readonly double[] Lengths = [64, 128, 256, 384, 512, 640, 768, 896, 1024];

    [Fact]
    public void Quadratic_fit_recovers_exact_coefficients()
    {
        var y = Lengths.Select(n => 2 * n * n - 3 * n + 5).ToArray();
        var fit = AlgorithmCost.FitQuadratic(Lengths, y);
        Assert.Equal(2.0, fit.A, 1e-12);
        Assert.Equal(-3.0, fit.B, 1e-8);
        Assert.Equal(5.0, fit.C, 1e-5);
        Assert.Equal(2 * 100.0 * 100 - 3 * 100 + 5, fit.At(100), 1e-6);
    }

    [Fact]
    public void Quadratic_fit_of_timing_sized_numbers_stays_accurate()
    {
        // milliseconds like the notebook's: 4e-5·n² with no linear or constant part
        var y = Lengths.Select(n => 4e-5 * n * n).ToArray();
        var fit = AlgorithmCost.FitQuadratic(Lengths, y);
        Assert.Equal(4e-5, fit.A, 1e-15);
        Assert.Equal(0.0, fit.B, 1e-12);
        Assert.Equal(0.0, fit.C, 1e-9);
    }

    [Fact]
    public void Quadratic_fit_is_the_least_squares_solution_on_noisy_points()
    {
        // for points that do not lie on a parabola, the residual is orthogonal to 1, x and x² (the normal equations)
        double[] x = [0, 1, 2, 3, 4];
        double[] y = [1, 0, 2, 1, 5];
        var fit = AlgorithmCost.FitQuadratic(x, y);
        var r = x.Select((v, i) => y[i] - fit.At(v)).ToArray();
        Assert.Equal(0.0, r.Sum(), 1e-12);
        Assert.Equal(0.0, r.Select((v, i) => v * x[i]).Sum(), 1e-12);
        Assert.Equal(0.0, r.Select((v, i) => v * x[i] * x[i]).Sum(), 1e-11);
    }

    [Fact]
    public void Exponent_of_exact_power_laws()
    {
        Assert.Equal(2.0, AlgorithmCost.FitExponent(Lengths, Lengths.Select(n => 3 * n * n).ToArray()), 1e-12);
        Assert.Equal(1.0, AlgorithmCost.FitExponent(Lengths, Lengths.Select(n => 5 * n).ToArray()), 1e-12);
        Assert.Equal(0.5, AlgorithmCost.FitExponent([1, 4, 9], [1, 2, 3]), 1e-12);
    }

    [Fact]
    public void Median_of_odd_and_even_counts()
    {
        Assert.Equal(2.0, AlgorithmCost.Median([3, 1, 2]));
        Assert.Equal(2.5, AlgorithmCost.Median([4, 1, 3, 2]));
        Assert.Equal(7.0, AlgorithmCost.Median([7]));
        Throws<ArgumentException>(() => AlgorithmCost.Median([]), "no values");
    }

    [Fact]
    public void Timing_returns_one_entry_per_length_in_order_with_every_run()
    {
        var timings = AlgorithmCost.TimeSelfAttention([8, 3, 16], dModel: 4, runs: 3, seed: 1);
        Assert.Equal([8, 3, 16], timings.Select(t => t.Length));
        foreach (var t in timings)
        {
            Assert.Equal(3, t.RunMilliseconds.Count);
            Assert.All(t.RunMilliseconds, ms => Assert.True(ms >= 0));
            Assert.Equal(t.RunMilliseconds.Order().ElementAt(1), t.MedianMilliseconds);
        }
    }

    [Fact]
    public void Time_runs_the_action_once_to_warm_up_then_once_per_timed_run()
    {
        int calls = 0;
        var times = AlgorithmCost.Time(() => calls++, 4);
        Assert.Equal(4, times.Length);
        Assert.Equal(5, calls);
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        Throws<ArgumentException>(() => AlgorithmCost.FitQuadratic([1, 2, 2, 1], [1, 2, 3, 4]), "three distinct x values", "has 2");
        Throws<ArgumentException>(() => AlgorithmCost.FitQuadratic([1, 2, 3], [1, 2]), "3 x values but 2 y values");
        Throws<ArgumentException>(() => AlgorithmCost.FitQuadratic([1, 2, 3], [1, double.NaN, 3]), "Point 1", "finite");
        Throws<ArgumentException>(() => AlgorithmCost.FitExponent([1, 2, 0], [1, 2, 3]), "Point 2", "positive");
        Throws<ArgumentException>(() => AlgorithmCost.FitExponent([2, 2], [1, 2]), "two distinct x values");
        Throws<ArgumentOutOfRangeException>(() => AlgorithmCost.TimeSelfAttention([8, 0]), "each length");
        Throws<ArgumentOutOfRangeException>(() => AlgorithmCost.TimeSelfAttention([8], runs: 0), "runs");
        Throws<ArgumentNullException>(() => AlgorithmCost.Time(null!, 1));
    }
}

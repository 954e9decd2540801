using static Attention.Tests.Helpers;

namespace Attention.Tests;

/// <summary>Fits, medians and timing rounds of <see cref="ScalingMeasurements"/>.</summary>
public class ScalingFitAndTimingTests
{
    private static readonly double[] Lengths = [64, 128, 256, 384, 512, 640, 768, 896, 1024];

    [Fact]
    public void Quadratic_fit_recovers_exact_coefficients()
    {
        var y = Lengths.Select(n => 2 * n * n - 3 * n + 5).ToArray();
        var fit = ScalingMeasurements.FitPolynomial(Lengths, y, 2);
        Assert.Equal(2.0, fit.Coefficients[2], 1e-12);
        Assert.Equal(-3.0, fit.Coefficients[1], 1e-8);
        Assert.Equal(5.0, fit.Coefficients[0], 1e-5);
        Assert.Equal(2 * 100.0 * 100 - 3 * 100 + 5, fit.Evaluate(100), 1e-6);
    }

    [Fact]
    public void Quadratic_fit_of_timing_sized_numbers_stays_accurate()
    {
        // milliseconds like the notebook's: 4e-5·n² with no linear or constant part
        var y = Lengths.Select(n => 4e-5 * n * n).ToArray();
        var fit = ScalingMeasurements.FitPolynomial(Lengths, y, 2);
        Assert.Equal(4e-5, fit.Coefficients[2], 1e-15);
        Assert.Equal(0.0, fit.Coefficients[1], 1e-12);
        Assert.Equal(0.0, fit.Coefficients[0], 1e-9);
    }

    [Fact]
    public void Quadratic_fit_is_the_least_squares_solution_on_noisy_points()
    {
        // for points that do not lie on a parabola, the residual is orthogonal to 1, x and x² (the normal equations)
        double[] x = [0, 1, 2, 3, 4];
        double[] y = [1, 0, 2, 1, 5];
        var fit = ScalingMeasurements.FitPolynomial(x, y, 2);
        var r = x.Select((v, i) => y[i] - fit.Evaluate(v)).ToArray();
        Assert.Equal(0.0, r.Sum(), 1e-12);
        Assert.Equal(0.0, r.Select((v, i) => v * x[i]).Sum(), 1e-12);
        Assert.Equal(0.0, r.Select((v, i) => v * x[i] * x[i]).Sum(), 1e-11);
    }

    [Fact]
    public void Exponent_of_exact_power_laws()
    {
        Assert.Equal(2.0, ScalingMeasurements.FitExponent(Lengths, Lengths.Select(n => 3 * n * n).ToArray()), 1e-12);
        Assert.Equal(1.0, ScalingMeasurements.FitExponent(Lengths, Lengths.Select(n => 5 * n).ToArray()), 1e-12);
        Assert.Equal(0.5, ScalingMeasurements.FitExponent([1, 4, 9], [1, 2, 3]), 1e-12);
    }

    [Fact]
    public void Median_of_odd_and_even_counts()
    {
        Assert.Equal(2.0, ScalingMeasurements.Median([3, 1, 2]));
        Assert.Equal(2.5, ScalingMeasurements.Median([4, 1, 3, 2]));
        Assert.Equal(7.0, ScalingMeasurements.Median([7]));
        Throws<ArgumentException>(() => ScalingMeasurements.Median([]), "no values");
    }

    [Fact]
    public void Timing_returns_one_entry_per_length_in_order_with_every_run()
    {
        var timings = ScalingMeasurements.TimeSelfAttention([8, 3, 16], dModel: 4, runs: 3, seed: 1);
        Assert.Equal([8, 3, 16], timings.Select(t => t.Size));
        foreach (var t in timings)
        {
            Assert.Equal(3, t.RunMilliseconds.Count);
            Assert.All(t.RunMilliseconds, ms => Assert.True(ms >= 0));
            Assert.Equal(t.RunMilliseconds.Order().ElementAt(1), t.MedianMilliseconds);
        }
    }

    [Fact]
    public void Timing_rounds_prepare_each_size_once_and_run_it_untimed_once_then_per_run()
    {
        var calls = new Dictionary<int, int>();
        var timings = ScalingMeasurements.Time([5, 7], n => { calls[n] = 0; return () => calls[n]++; }, runs: 4, maxWarmup: TimeSpan.Zero);
        Assert.Equal([5, 7], timings.Select(t => t.Size));
        Assert.Equal(1 + 4, calls[7]);             // one untimed first touch, four timed runs
        Assert.True(calls[5] >= 1 + 4);            // the first size also carries the warm-up
        Assert.All(timings, t => Assert.Equal(4, t.RunMilliseconds.Count));
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        Throws<ArgumentException>(() => ScalingMeasurements.FitPolynomial([1, 2, 2, 1], [1, 2, 3, 4], 2), "3 distinct x values", "has 2");
        Throws<ArgumentException>(() => ScalingMeasurements.FitPolynomial([1, 2, 3], [1, 2], 2), "3 x values but 2 y values");
        Throws<ArgumentException>(() => ScalingMeasurements.FitPolynomial([1, 2, 3], [1, double.NaN, 3], 2), "Point 1", "finite");
        Throws<ArgumentException>(() => ScalingMeasurements.FitExponent([1, 2, 0], [1, 2, 3]), "Point 2", "positive");
        Throws<ArgumentException>(() => ScalingMeasurements.FitExponent([2, 2], [1, 2]), "two distinct x values");
        Throws<ArgumentOutOfRangeException>(() => ScalingMeasurements.TimeSelfAttention([8, 0]), "each length");
        Throws<ArgumentOutOfRangeException>(() => ScalingMeasurements.TimeSelfAttention([8], runs: 0), "runs");
        Throws<ArgumentNullException>(() => ScalingMeasurements.Time([1], null!));
    }
}

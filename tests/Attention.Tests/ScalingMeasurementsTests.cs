namespace Attention.Tests;

public class ScalingMeasurementsTests
{
    [Fact]
    public void Polynomial_fit_recovers_exact_coefficients()
    {
        double[] x = [1, 2, 3, 4, 5];
        var y = x.Select(v => 2 * v * v - 3 * v + 1).ToArray();
        var fit = ScalingMeasurements.FitPolynomial(x, y, 2);
        // least squares on x = 1…5 (Vandermonde condition number ≈ 1e2): coefficients within ≈ κ·ε·|y|max ≈ 1e-12
        Approx.Equal(2.0, fit.Leading, abs: 1e-11);
        Approx.Equal(-3.0, fit.Coefficients[1], abs: 1e-11);
        Approx.Equal(1.0, fit.Coefficients[0], abs: 1e-11);
        Approx.Equal(1.0, fit.RSquared, abs: 1e-11);
        Approx.Equal(2 * 36 - 18 + 1, fit.Evaluate(6), abs: 1e-10); // 55 from coefficients scaled by up to 36
        Assert.Equal("2·n² − 3·n + 1", fit.Formula());
    }

    [Fact]
    public void Fit_needs_enough_points_and_matching_lengths()
    {
        Assert.Throws<ArgumentException>(() => ScalingMeasurements.FitPolynomial([1, 2], [1, 2], 2));
        Assert.Throws<ArgumentException>(() => ScalingMeasurements.FitPolynomial([1, 2, 3], [1, 2], 1));
    }

    [Fact]
    public void Byte_formulas_count_weights_and_inputs()
    {
        // 8 bytes · (n² + 2·n·dk + 2·n·dv) with n = 10, dk = 4, dv = 2
        Assert.Equal(8 * (100 + 80 + 40), ScalingMeasurements.FullAttentionBytes(10, 4, 2));
        Assert.Equal(4 * (100 + 80 + 40), ScalingMeasurements.FullAttentionBytes(10, 4, 2, bytesPerValue: 4));
        // band of width 2·3 + 1 = 7 instead of n = 10
        Assert.Equal(8 * (70 + 80 + 40), ScalingMeasurements.LocalAttentionBytes(10, 4, 2, window: 3, causal: false));
        Assert.Equal(8 * (40 + 80 + 40), ScalingMeasurements.LocalAttentionBytes(10, 4, 2, window: 3, causal: true));
        // a window wider than the sequence is clamped: no bigger than full
        Assert.Equal(8 * (10 * 19 + 80 + 40), ScalingMeasurements.LocalAttentionBytes(10, 4, 2, window: 50, causal: false));
    }

    [Fact]
    public void Allocated_bytes_see_an_array_and_timing_runs_the_action()
    {
        long bytes = ScalingMeasurements.AllocatedBytes(() => GC.KeepAlive(new double[100_000]));
        Assert.InRange(bytes, 800_000, 900_000);
        int calls = 0;
        double ms = ScalingMeasurements.MedianMilliseconds(() => calls++, runs: 3, warmup: 2);
        Assert.Equal(5, calls);
        Assert.True(ms >= 0);
        var prepared = new List<int>();
        var times = ScalingMeasurements.MedianMilliseconds([3, 5], n => { prepared.Add(n); return () => { }; }, runs: 1, warmup: TimeSpan.Zero);
        Assert.Equal([3, 5], prepared);
        Assert.Equal(2, times.Length);
    }

    [Fact]
    public void Attention_timings_cover_every_kernel_and_length()
    {
        int[] lengths = [16, 40];
        foreach (var kernel in Enum.GetValues<AttentionKernel>())
        {
            var timings = ScalingMeasurements.TimeAttention(lengths, kernel, dModel: 8, window: 3, causal: kernel == AttentionKernel.Streaming, runs: 2);
            Assert.Equal(lengths, timings.Select(t => t.Size));
            Assert.All(timings, t => Assert.Equal(2, t.RunMilliseconds.Count));
            Assert.All(timings, t => Assert.True(t.MedianMilliseconds >= 0));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => ScalingMeasurements.TimeAttention([0], AttentionKernel.Full));
        Assert.Throws<ArgumentOutOfRangeException>(() => ScalingMeasurements.TimeAttention([8], AttentionKernel.SlidingWindow, window: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ScalingMeasurements.TimeAttention([8], (AttentionKernel)17));
    }

    /// <summary>What each kernel needs beyond its inputs, measured: full attention the n×n weights (8 bytes each), masked full
    /// attention those and the n×n mask (1 byte each), streaming attention O(n·d), the banded kernel its band.</summary>
    [Fact]
    public void Attention_allocations_follow_each_kernels_memory_law()
    {
        const int n = 600, d = 16, window = 5;
        long full = ScalingMeasurements.AttentionAllocatedBytes(n, AttentionKernel.Full, d, window);
        long masked = ScalingMeasurements.AttentionAllocatedBytes(n, AttentionKernel.FullWithWindowMask, d, window);
        long streaming = ScalingMeasurements.AttentionAllocatedBytes(n, AttentionKernel.Streaming, d, window);
        long local = ScalingMeasurements.AttentionAllocatedBytes(n, AttentionKernel.SlidingWindow, d, window);
        long weights = 8L * n * n, output = 8L * n * d, band = 8L * n * (2 * window + 1);
        long perThread = Environment.ProcessorCount * (128L << 10); // a streaming call's blocks, one set per thread
        Assert.InRange(full, weights + output, weights + output + 16L * n * d + (64 << 10));
        Assert.InRange(masked, full + 2L * n * n, full + 2L * n * n + (64 << 10)); // the bool[,] and its flat copy
        Assert.InRange(streaming, output, output + 16L * n * d + perThread);
        Assert.InRange(local, band + output, band + output + 16L * n * d + perThread);
        Assert.True(streaming < weights / 10 && local < weights / 10);
    }
}

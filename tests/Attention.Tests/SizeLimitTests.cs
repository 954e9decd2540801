using MathNet.Numerics.LinearAlgebra;

namespace Attention.Tests;

/// <summary>
/// Sizes whose products overflow an int, or that no array can hold, are refused with a clear
/// <see cref="ArgumentOutOfRangeException"/> before any allocation (they used to overflow into a small buffer that the
/// kernels then wrote past, ending the process), and a tiny temperature gives the softmax's limit instead of NaN.
/// </summary>
public class SizeLimitTests
{
    /// <summary>65536² = 2³² wraps to 0 in int arithmetic; 46341² is the first square past int.MaxValue.</summary>
    [Theory]
    [InlineData(65536)]
    [InlineData(46341)]
    public void Attention_over_more_tokens_than_the_weights_can_hold_says_how_much_memory_and_what_to_use(int n)
    {
        var x = Init.Normal(n, 4, seed: 1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ScaledDotProductAttention.Compute(x));
        Assert.Equal("q", e.ParamName);
        Assert.Contains($"{n}×{n}", e.Message);
        Assert.Contains("GiB", e.Message);
        Assert.Contains("StreamingAttention", e.Message);
        Assert.Contains($"{n}×{n}", Assert.Throws<ArgumentOutOfRangeException>(() => Scores.Dot(x, x)).Message);
        Assert.Contains($"{n}×{n}", Assert.Throws<ArgumentOutOfRangeException>(() => Scores.ScaledDot(x, x)).Message);
        var mha = MultiHeadAttention.Random(4, 2, seed: 1);
        Assert.Contains("StreamingAttention", Assert.Throws<ArgumentOutOfRangeException>(() => mha.Forward(x)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Masks.Causal(n));
        Assert.Throws<ArgumentOutOfRangeException>(() => Alibi.Bias(n, n, 0.5));
    }

    [Fact]
    public void The_memory_a_refused_size_needs_is_stated_in_the_message()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ScaledDotProductAttention.Compute(Init.Normal(65536, 4, seed: 1)));
        // 65536² doubles = 2³² × 8 bytes = 32 GiB.
        Assert.Contains("4,294,967,296 values (32 GiB)", e.Message);
    }

    [Fact]
    public void Streaming_attention_handles_the_length_that_the_full_kernel_refuses()
    {
        // The suggested way out works at this length: O(n·d) memory, exact output (checked on its first rows below).
        const int n = 46341;
        var x = Init.Normal(n, 4, seed: 2);
        var output = StreamingAttention.Compute(x, x, x, causal: true);
        Assert.Equal(n, output.RowCount);
        // Row 0 of causal attention sees only itself: its output is its own value row.
        for (int c = 0; c < 4; c++) Assert.Equal(x[0, c], output[0, c]);
    }

    [Fact]
    public void Tables_and_random_matrices_too_big_for_one_array_throw_ArgumentOutOfRangeException()
    {
        var pe = Assert.Throws<ArgumentOutOfRangeException>(() => PositionalEncoding.Sinusoidal(int.MaxValue, 4));
        Assert.Equal("positions", pe.ParamName);
        Assert.Contains("2147483647×4", pe.Message);
        var init = Assert.Throws<ArgumentOutOfRangeException>(() => Init.Normal(50000, 50000, seed: 1));
        Assert.Equal("rows", init.ParamName);
        Assert.Contains("50000×50000", init.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Init.Uniform(50000, 50000, seed: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PositionalEncoding.RotationFor(1, 65536));
        Assert.Throws<ArgumentOutOfRangeException>(() => PositionalEncoding.ArticleFormula(int.MaxValue, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Attention.Training.RowMatrix(65536, 65536));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Attention.Training.RowMatrix(-1, 3));
        // A table that fits is still made.
        Assert.Equal(46341, PositionalEncoding.Sinusoidal(46341, 2).RowCount);
    }

    [Theory]
    [InlineData(1e-310)] // subnormal: its reciprocal overflows to +∞
    [InlineData(5e-324)] // the smallest positive double
    [InlineData(1e-300)]
    public void A_tiny_positive_temperature_gives_the_limit_the_maximum_entries_share_the_weight(double temperature)
    {
        var w = Softmax.Of([1.0, 3.0, 3.0, -2.0], temperature);
        Assert.Equal([0.0, 0.5, 0.5, 0.0], w);
        var rows = Softmax.Rows(Matrix<double>.Build.DenseOfArray(new[,] { { 0.0, 1.0 }, { 2.0, 2.0 } }), temperature);
        Assert.Equal([0.0, 1.0, 0.5, 0.5], rows.ToRowMajorArray());
        var masked = Softmax.Masked(Matrix<double>.Build.DenseOfArray(new[,] { { 5.0, 1.0, 0.0 } }), new[,] { { false, true, true } }, temperature);
        Assert.Equal([0.0, 1.0, 0.0], masked.ToRowMajorArray());
    }

    [Fact]
    public void A_tiny_float_temperature_gives_the_limit_too()
    {
        float[] x = [1f, 4f, 4f, 2f, 0f, 0f, 0f, 0f];
        var y = new float[8];
        Softmax.Rows(x, y, cols: 8, temperature: 1e-40f); // subnormal float: 1/T overflows
        Assert.Equal([0f, 0.5f, 0.5f, 0f, 0f, 0f, 0f, 0f], y);
    }

    [Fact]
    public void A_tiny_temperature_still_separates_entries_whose_gap_is_comparable_to_it()
    {
        // The division (x − max)/T is exact enough here: gap/T = 1, so the weights are 1/(1+e⁻¹) and e⁻¹/(1+e⁻¹).
        var w = Softmax.Of([0.0, -1e-310], 1e-310);
        double expected = 1 / (1 + Math.Exp(-1));
        Assert.InRange(Math.Abs(w[0] - expected), 0, 1e-12);
        Assert.InRange(Math.Abs(w[1] - (1 - expected)), 0, 1e-12);
    }
}

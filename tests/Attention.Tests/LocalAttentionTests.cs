using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

/// <summary>The banded kernel equals full attention with a sliding-window mask, without ever building n×n.</summary>
public class LocalAttentionTests
{
    [Fact]
    public void Equals_masked_full_attention_on_random_shapes()
    {
        var rng = new Random(101);
        for (int trial = 0; trial < 60; trial++)
        {
            int n = Size(rng, 33), dk = Size(rng, 17), dv = Size(rng, 9);
            int window = rng.Next(0, n + 3); // includes windows wider than the sequence
            bool causal = rng.Next(2) == 0;
            var q = M(n, dk, RandomArray(rng, n * dk, 3));
            var k = M(n, dk, RandomArray(rng, n * dk, 3));
            var v = M(n, dv, RandomArray(rng, n * dv, 3));

            var local = LocalAttention.Compute(q, k, v, window, causal);
            var full = ScaledDotProductAttention.Compute(q, k, v, Masks.SlidingWindow(n, window, causal));

            string what = $"n={n} dk={dk} dv={dv} window={window} causal={causal}";
            Close(full.Output, local.Output, 1e-12, what);
            Close(full.Weights, local.DenseWeights(), 1e-12, what);
            Assert.Equal(LocalAttention.BandWidth(Math.Min(window, n - 1), causal), local.Band.ColumnCount);
        }
    }

    [Fact]
    public void Matches_a_plain_reference_loop()
    {
        var rng = new Random(7);
        int n = 9, d = 5, window = 2;
        var x = RandomArray(rng, n * d, 2);
        var local = LocalAttention.Compute(M(n, d, x), window, causal: true);
        for (int i = 0; i < n; i++)
        {
            int first = Math.Max(0, i - window);
            var scores = new List<double>();
            for (int j = first; j <= i; j++)
            {
                double s = 0;
                for (int t = 0; t < d; t++) s += x[i * d + t] * x[j * d + t];
                scores.Add(s / Math.Sqrt(d));
            }
            var w = Reference.Softmax(scores.ToArray(), scores.Count);
            for (int c = 0; c < d; c++)
            {
                double o = 0;
                for (int j = first; j <= i; j++) o += w[j - first] * x[j * d + c];
                // scores up to 5·4/√5 ≈ 9, from 5 products, carry ≈ 1e-14; the weights move as much relatively, outputs below 2
                Approx.Equal(o, local.Output[i, c], abs: 1e-13, because: $"output ({i}, {c})");
            }
            // band column t holds key i − window + t
            for (int j = first; j <= i; j++) Approx.Equal(w[j - first], local.Band[i, j - i + window], abs: 1e-13, because: $"weight ({i}, {j})");
        }
        Assert.Equal(0.0, local.Band[0, 0]); // key −2 does not exist
    }

    [Fact]
    public void Window_zero_returns_each_value_and_rows_sum_to_one()
    {
        var x = M(4, 2, [1, 2, 3, 4, 5, 6, 7, 8]);
        var r = LocalAttention.Compute(x, 0);
        Close(x, r.Output, 0);
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(1.0, r.Band.Row(i).Sum())); // one key, weight e⁰/e⁰ = 1 exactly
        var wide = LocalAttention.Compute(x, 100);
        Assert.Equal(3, wide.Window); // clamped to n − 1
        Close(ScaledDotProductAttention.Compute(x).Output, wide.Output, 1e-14);
    }

    [Fact]
    public void Float_and_double_span_kernels_agree_with_the_matrix_face()
    {
        var rng = new Random(3);
        int n = 17, dk = 9, dv = 4, window = 3;
        var q = RandomArray(rng, n * dk); var k = RandomArray(rng, n * dk); var v = RandomArray(rng, n * dv);
        var expected = LocalAttention.Compute(M(n, dk, q), M(n, dk, k), M(n, dv, v), window, causal: false);
        int width = LocalAttention.BandWidth(window, false);
        var outD = new double[n * dv]; var bandD = new double[n * width];
        LocalAttention.Compute(q, k, v, outD, bandD, n, dk, dv, window);
        Close(RowMajor(expected.Output), outD, 1e-14);
        Close(RowMajor(expected.Band), bandD, 1e-14);
        var outF = new float[n * dv]; var bandF = new float[n * width];
        LocalAttention.Compute(ToFloat(q), ToFloat(k), ToFloat(v), outF, bandF, n, dk, dv, window);
        Close(RowMajor(expected.Output), outF, 1e-5);
    }

    [Fact]
    public void Key_range_and_band_width()
    {
        Assert.Equal((0, 2), LocalAttention.KeyRange(0, 10, 2, causal: false));
        Assert.Equal((3, 7), LocalAttention.KeyRange(5, 10, 2, causal: false));
        Assert.Equal((3, 5), LocalAttention.KeyRange(5, 10, 2, causal: true));
        Assert.Equal((7, 9), LocalAttention.KeyRange(9, 10, 2, causal: false));
        Assert.Equal(5, LocalAttention.BandWidth(2, causal: false));
        Assert.Equal(3, LocalAttention.BandWidth(2, causal: true));
    }

    [Fact]
    public void Bad_input_names_the_shapes()
    {
        var a = Matrix<double>.Build.Dense(4, 3);
        Throws<ArgumentException>(() => LocalAttention.Compute(a, Matrix<double>.Build.Dense(5, 3), Matrix<double>.Build.Dense(5, 3), 1), "4×3", "5×3", "same number of rows");
        Throws<ArgumentException>(() => LocalAttention.Compute(a, a, Matrix<double>.Build.Dense(3, 2), 1), "4×3", "3×2");
        Assert.Throws<ArgumentOutOfRangeException>(() => LocalAttention.Compute(a, -1));
        Throws<ArgumentException>(() => LocalAttention.Compute(new double[12], new double[12], new double[12], new double[12], new double[4 * 2], 4, 3, 3, 1, false), "the band", "4×3");
    }
}

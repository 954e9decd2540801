using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

public class ScaledDotProductAttentionTests
{
    /// <summary>
    /// Erratum 7, redone: the article's Q = [1,2,3], K = [4,5,6], V = [7,8,9] read as three tokens
    /// with scalar features (d_k = d_v = 1, so √d_k = 1).
    /// Scores q_i·k_j:   row 0: [4, 5, 6]     row 1: [8, 10, 12]     row 2: [12, 15, 18]
    /// Weights (softmax is unchanged by subtracting the row max):
    ///   row 0 = softmax([−2, −1, 0]) = [e^−2, e^−1, 1] / 1.5032147 = [0.0900306, 0.2447285, 0.6652410]
    ///   row 1 = softmax([−4, −2, 0]) = [e^−4, e^−2, 1] / 1.1536510 = [0.0158762, 0.1173104, 0.8668133]
    ///   row 2 = softmax([−6, −3, 0]) = [e^−6, e^−3, 1] / 1.0522658 = [0.0023556, 0.0473142, 0.9503302]
    /// Outputs Σ_j α_ij v_j = 7 + α_i1 + 2 α_i2:
    ///   o0 = 7 + 0.2447285 + 1.3304820 = 8.5752104
    ///   o1 = 7 + 0.1173104 + 1.7336266 = 8.8509371
    ///   o2 = 7 + 0.0473142 + 1.9006604 = 8.9479746
    /// Every weight row sums to 1; no query puts all its weight on one key, and no output is [7].
    /// </summary>
    [Fact]
    public void Erratum_7_corrected_example()
    {
        var r = ScaledDotProductAttention.Compute(M(3, 1, [1, 2, 3]), M(3, 1, [4, 5, 6]), M(3, 1, [7, 8, 9]));
        Close([0.0900306, 0.2447285, 0.6652410, 0.0158762, 0.1173104, 0.8668133, 0.0023556, 0.0473142, 0.9503302],
            RowMajor(r.Weights), 1e-7);
        Close([8.5752104, 8.8509371, 8.9479746], RowMajor(r.Output), 1e-7);
    }

    [Fact]
    public void Two_dimensional_example_uses_the_scale()
    {
        // q = [1, 1], k0 = [1, 0], k1 = [0, 2]; scores [1, 2] / √2 = [0.7071068, 1.4142136]
        // weights = softmax → [1/(1+e^0.7071068), e^0.7071068/(1+e^0.7071068)] = [0.3302385, 0.6697615]; v0 = [1, 0], v1 = [0, 10]
        var r = ScaledDotProductAttention.Compute(M(1, 2, [1, 1]), M(2, 2, [1, 0, 0, 2]), M(2, 2, [1, 0, 0, 10]));
        double e = Math.Exp(1 / Math.Sqrt(2));
        // a few roundings (scale, exp, sum, divide) of values below 1: 1e-14
        Approx.Equal(1 / (1 + e), r.Weights[0, 0], abs: 1e-14);
        Approx.Equal(e / (1 + e), r.Weights[0, 1], abs: 1e-14);
        Close([0.3302385, 6.697615], RowMajor(r.Output), 1e-7);
    }

    [Fact]
    public void Fully_masked_query_gives_zero_output()
    {
        var rng = new Random(6);
        var x = M(3, 4, RandomArray(rng, 12));
        var mask = new[,] { { false, false, false }, { true, true, false }, { true, true, true } };
        var r = ScaledDotProductAttention.Compute(x, x, x, mask);
        Assert.All(r.Weights.Row(0).ToArray(), w => Assert.Equal(0.0, w));
        Assert.All(r.Output.Row(0).ToArray(), o => Assert.Equal(0.0, o));
        Assert.Equal(0.0, r.Weights[1, 2]);
        Approx.Equal(1.0, r.Weights.Row(1).Sum(), abs: 4e-15); // two weights of a few roundings each, then one addition
    }

    [Fact]
    public void NaN_in_a_query_spoils_only_that_query()
    {
        var q = M(2, 2, [double.NaN, 1, 1, 1]);
        var kv = M(2, 2, [1, 0, 0, 1]);
        var r = ScaledDotProductAttention.Compute(q, kv, kv);
        Assert.All(r.Output.Row(0).ToArray(), o => Assert.True(double.IsNaN(o)));
        Assert.All(r.Output.Row(1).ToArray(), o => Assert.True(double.IsFinite(o)));
    }

    [Fact]
    public void Additive_mask_bias_equals_boolean_mask()
    {
        var rng = new Random(7);
        var q = M(4, 3, RandomArray(rng, 12)); var k = M(5, 3, RandomArray(rng, 15)); var v = M(5, 2, RandomArray(rng, 10));
        var mask = Masks.Causal(4, 5);
        var a = ScaledDotProductAttention.Compute(q, k, v, mask);
        var b = ScaledDotProductAttention.Compute(q, k, v, bias: Masks.ToAdditive(mask));
        Close(a.Output, b.Output, 0);
        Close(a.Weights, b.Weights, 0);
    }

    [Fact]
    public void Double_kernel_matches_reference_on_random_shapes()
    {
        var rng = new Random(8);
        for (int trial = 0; trial < 250; trial++)
        {
            int n = Size(rng), m = Size(rng), dk = Size(rng), dv = Size(rng);
            var q = RandomArray(rng, n * dk, 2); var k = RandomArray(rng, m * dk, 2); var v = RandomArray(rng, m * dv);
            bool[]? mask = trial % 2 == 0 ? RandomMask(rng, n * m) : null;
            double[]? bias = trial % 3 == 0 ? RandomArray(rng, n * m) : null;
            var (eo, ew) = Reference.Attention(q, k, v, n, m, dk, dv, mask, bias);
            var o = new double[n * dv]; var w = new double[n * m];
            ScaledDotProductAttention.Compute(q, k, v, o, w, n, m, dk, dv, mask, bias);
            string shape = $"Q {n}×{dk}, K {m}×{dk}, V {m}×{dv}";
            Close(ew, w, 1e-13, shape);
            Close(eo, o, 1e-13, shape);
            if (mask is null && bias is null)
            {
                var r = ScaledDotProductAttention.Compute(M(n, dk, q), M(m, dk, k), M(m, dv, v));
                Close(eo, RowMajor(r.Output), 1e-13, shape);
                Close(ew, RowMajor(r.Weights), 1e-13, shape);
            }
        }
    }

    [Fact]
    public void Float_kernel_matches_reference_on_random_shapes()
    {
        var rng = new Random(9);
        for (int trial = 0; trial < 250; trial++)
        {
            int n = Size(rng), m = Size(rng), dk = Size(rng), dv = Size(rng);
            var q = ToFloat(RandomArray(rng, n * dk, 2)); var k = ToFloat(RandomArray(rng, m * dk, 2)); var v = ToFloat(RandomArray(rng, m * dv));
            bool[]? mask = trial % 2 == 0 ? RandomMask(rng, n * m) : null;
            var (eo, ew) = Reference.Attention(ToDouble(q), ToDouble(k), ToDouble(v), n, m, dk, dv, mask);
            var o = new float[n * dv]; var w = new float[n * m];
            ScaledDotProductAttention.Compute(q, k, v, o, w, n, m, dk, dv, mask);
            string shape = $"Q {n}×{dk}, K {m}×{dk}, V {m}×{dv}";
            Close(ew, w, 1e-5, shape);
            Close(eo, o, 1e-5, shape);
        }
    }

    [Fact]
    public void Wrong_shapes_name_the_shapes()
    {
        var q = M(3, 4, new double[12]);
        Throws<ArgumentException>(() => ScaledDotProductAttention.Compute(q, M(5, 6, new double[30]), M(5, 2, new double[10])),
            "Q is 3×4 but K is 5×6", "d_k");
        Throws<ArgumentException>(() => ScaledDotProductAttention.Compute(q, M(5, 4, new double[20]), M(4, 2, new double[8])),
            "keys have 5 rows but values have 4", "5×4", "4×2");
        Throws<ArgumentException>(() => ScaledDotProductAttention.Compute(q, M(5, 4, new double[20]), M(5, 2, new double[10]), new bool[5, 3]),
            "3×5", "5×3");
        Throws<ArgumentException>(() => ScaledDotProductAttention.Compute(q, M(5, 4, new double[20]), M(5, 2, new double[10]), bias: M(3, 4, new double[12])),
            "3×5", "3×4");
        Throws<ArgumentException>(() => ScaledDotProductAttention.Compute(new double[12], new double[20], new double[8], new double[6], new double[15], 3, 5, 4, 2),
            "V", "5×2", "8");
        Throws<ArgumentException>(() => ScaledDotProductAttention.Compute(new double[12], new double[20], new double[10], new double[6], new double[15], 3, 5, 4, 2, new bool[14]),
            "mask", "3×5", "14");
        Throws<ArgumentException>(() => ScaledDotProductAttention.Compute(new float[12], new float[20], new float[10], new float[7], new float[15], 3, 5, 4, 2),
            "output", "3×2", "7");
        Assert.Throws<ArgumentNullException>(() => ScaledDotProductAttention.Compute(q, null!, q));
    }
}

using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

public class MultiHeadAttentionTests
{
    [Fact]
    public void One_head_with_identity_projections_equals_scaled_dot_product_attention()
    {
        var rng = new Random(11);
        foreach (int d in new[] { 1, 3, 8, 17 })
        {
            var x = M(5, d, RandomArray(rng, 5 * d, 2));
            var mask = Masks.Causal(5);
            var mha = MultiHeadAttention.Identity(d, 1).Forward(x, mask);
            var sdpa = ScaledDotProductAttention.Compute(x, x, x, mask);
            Close(sdpa.Output, mha.Output, 1e-14);
            Close(sdpa.Weights, mha.HeadWeights[0], 1e-14);
        }
    }

    [Fact]
    public void Identity_heads_attend_over_their_own_columns()
    {
        // two heads of width 1: head 0 sees column 0, head 1 column 1
        var x = M(3, 2, [1, 0, 2, 5, 3, -1]);
        var r = MultiHeadAttention.Identity(2, 2).Forward(x);
        var h0 = ScaledDotProductAttention.Compute(x.SubMatrix(0, 3, 0, 1));
        var h1 = ScaledDotProductAttention.Compute(x.SubMatrix(0, 3, 1, 1));
        Close(h0.Weights, r.HeadWeights[0], 1e-15);
        Close(h1.Weights, r.HeadWeights[1], 1e-15);
        Close(h0.Output.Append(h1.Output), r.Output, 1e-15);
    }

    [Fact]
    public void Matches_reference_on_random_shapes()
    {
        var rng = new Random(12);
        for (int trial = 0; trial < 200; trial++)
        {
            int heads = new[] { 1, 2, 3, 4 }[rng.Next(4)];
            int dh = new[] { 1, 2, 3, 5, 8 }[rng.Next(5)];
            int d = heads * dh, n = Size(rng, 17), m = Size(rng, 17);
            var mha = MultiHeadAttention.Random(d, heads, trial);
            var xq = RandomArray(rng, n * d); var xk = RandomArray(rng, m * d); var xv = RandomArray(rng, m * d);
            bool[,]? mask = trial % 2 == 0 ? Masks.Causal(n, m) : null;
            var r = mha.Forward(M(n, d, xq), M(m, d, xk), M(m, d, xv), mask);
            var expected = Reference.MultiHead(xq, xk, xv, RowMajor(mha.Wq), RowMajor(mha.Wk), RowMajor(mha.Wv), RowMajor(mha.Wo),
                n, m, d, heads, mask is null ? null : Masks.Flatten(mask));
            Close(expected, RowMajor(r.Output), 1e-12, $"n={n} m={m} d={d} heads={heads}");
            Assert.Equal(heads, r.HeadWeights.Count);
        }
    }

    [Fact]
    public void Random_is_deterministic_and_glorot_scaled()
    {
        var a = MultiHeadAttention.Random(64, 8, 42);
        var b = MultiHeadAttention.Random(64, 8, 42);
        Close(a.Wq, b.Wq, 0);
        Assert.NotEqual(a.Wq[0, 0], a.Wk[0, 0]);
        // std should be about √(2/128) = 0.125
        var all = RowMajor(a.Wq).Concat(RowMajor(a.Wk)).Concat(RowMajor(a.Wv)).Concat(RowMajor(a.Wo)).ToArray();
        double std = Math.Sqrt(all.Select(v => v * v).Average());
        Assert.InRange(std, 0.12, 0.13);
        Assert.Equal(8, a.HeadDim);
    }

    [Fact]
    public void Bad_shapes_and_heads()
    {
        Throws<ArgumentException>(() => MultiHeadAttention.Random(10, 3, 0), "d_model = 10", "heads = 3", "1, 2, 5, 10");
        Throws<ArgumentException>(() => MultiHeadAttention.Identity(6, 4), "6", "4");
        var i4 = Matrix<double>.Build.DenseIdentity(4);
        Throws<ArgumentException>(() => new MultiHeadAttention(i4, i4, Matrix<double>.Build.Dense(4, 3), i4, 2), "Wv is 4×3", "4×4");
        var mha = MultiHeadAttention.Identity(4, 2);
        Throws<ArgumentException>(() => mha.Forward(M(3, 5, new double[15])), "3×5", "d_model = 4");
        Throws<ArgumentException>(() => mha.Forward(M(3, 4, new double[12]), M(2, 4, new double[8]), M(3, 4, new double[12])),
            "keys have 2 rows but values have 3");
        Throws<ArgumentException>(() => mha.Forward(M(3, 4, new double[12]), new bool[3, 2]), "3×3", "3×2");
        Assert.Throws<ArgumentOutOfRangeException>(() => MultiHeadAttention.Identity(4, 0));
    }
}

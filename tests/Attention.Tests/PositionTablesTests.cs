using static Attention.Tests.Helpers;

namespace Attention.Tests;

public class LearnedPositionalTableTests
{
    [Fact]
    public void Table_is_seeded_and_lookup_returns_rows()
    {
        var a = new LearnedPositionalTable(16, 4, seed: 1);
        var b = new LearnedPositionalTable(16, 4, seed: 1);
        Close(a.Table, b.Table, 0);
        Close(a.Table.SubMatrix(3, 5, 0, 4), a.Lookup(3, 5), 0);
        Close(Init.Normal(16, 4, 1, 0.02), a.Table, 0);
        Assert.Equal(16, a.MaxPositions);
        Assert.Equal(0, a.Lookup(16, 0).RowCount);
    }

    [Fact]
    public void Cannot_extrapolate()
    {
        var t = new LearnedPositionalTable(16, 4, seed: 1);
        Throws<ArgumentOutOfRangeException>(() => t.Lookup(10, 7), "cannot extrapolate past 16 positions", "10…16");
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Lookup(-1, 2));
    }
}

public class EmbeddingTests
{
    [Fact]
    public void Lookup_takes_rows_by_id()
    {
        var table = M(3, 2, [0, 1, 10, 11, 20, 21]);
        Close([20, 21, 0, 1, 20, 21], RowMajor(Embedding.Lookup(table, [2, 0, 2])), 0);
        Throws<ArgumentOutOfRangeException>(() => Embedding.Lookup(table, [0, 3]), "id 3", "3×2", "0 and 2");
    }
}

public class InitTests
{
    [Fact]
    public void Same_seed_same_numbers_known_values()
    {
        Close(Init.Normal(3, 5, 7), Init.Normal(3, 5, 7), 0);
        Assert.NotEqual(Init.Normal(1, 1, 7)[0, 0], Init.Normal(1, 1, 8)[0, 0]);
        // Box–Muller on System.Random(0): computed here the same way, so a change of algorithm is caught
        var rng = new Random(0);
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        var n = Init.Normal(1, 2, 0);
        Assert.Equal(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2), n[0, 0]);
        Assert.Equal(Math.Sqrt(-2 * Math.Log(u1)) * Math.Sin(2 * Math.PI * u2), n[0, 1]);
    }

    [Fact]
    public void Moments_are_right()
    {
        var n = RowMajor(Init.Normal(200, 200, 1, std: 3));
        Assert.InRange(n.Average(), -0.05, 0.05);
        Assert.InRange(Math.Sqrt(n.Select(v => v * v).Average()), 2.95, 3.05);
        var u = RowMajor(Init.Uniform(200, 200, 1, -2, 4));
        Assert.All(u, v => Assert.InRange(v, -2, 4));
        Assert.InRange(u.Average(), 0.95, 1.05);
        var g = Init.Glorot(30, 70, 2);
        Assert.Equal(30, g.RowCount);
        Assert.Equal(70, g.ColumnCount);
        Assert.InRange(Math.Sqrt(RowMajor(g).Select(v => v * v).Average()), 0.13, 0.15); // √(2/100) = 0.1414
    }
}

public class AlibiTests
{
    [Fact]
    public void Slopes_for_powers_of_two_are_geometric()
    {
        Close([0.5, 0.25, 0.125, 0.0625, 1.0 / 32, 1.0 / 64, 1.0 / 128, 1.0 / 256], Alibi.Slopes(8), 1e-15);
        Close([1.0 / 16, 1.0 / 256], Alibi.Slopes(2), 1e-15);
        Close([0.00390625], Alibi.Slopes(1), 1e-15);
    }

    [Fact]
    public void Slopes_for_other_counts_interleave()
    {
        // 6 heads: the 4-head slopes [2^−2, 2^−4, 2^−6, 2^−8] then the 8-head slopes with odd k: 2^−1, 2^−3
        Close([0.25, 1.0 / 16, 1.0 / 64, 1.0 / 256, 0.5, 0.125], Alibi.Slopes(6), 1e-15);
        Assert.Equal(12, Alibi.Slopes(12).Length);
        Assert.Equal(Alibi.Slopes(8), Alibi.Slopes(12)[..8]);
    }

    [Fact]
    public void Bias_is_minus_slope_times_distance()
    {
        var b = Alibi.Bias(3, 3, 0.5);
        Close([0, -0.5, -1, -0.5, 0, -0.5, -1, -0.5, 0], RowMajor(b), 0);
        // unequal sizes: queries aligned to the end, so the last query is at the last key
        var r = Alibi.Bias(1, 4, 1);
        Close([-3, -2, -1, 0], RowMajor(r), 0);
        Assert.Equal(4, Alibi.Biases(2, 2, 4).Length);
    }

    [Fact]
    public void Bias_plugs_into_attention()
    {
        var x = M(4, 2, [1, 0, 0, 1, 1, 1, 0, 0]);
        var plain = ScaledDotProductAttention.Compute(x, x, x, Masks.Causal(4));
        var biased = ScaledDotProductAttention.Compute(x, x, x, Masks.Causal(4), Alibi.Bias(4, 4, 1.0));
        // the bias moves weight toward nearby keys: last query's weight on key 3 grows
        Assert.True(biased.Weights[3, 3] > plain.Weights[3, 3]);
    }
}

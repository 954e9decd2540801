using static Attention.Tests.Helpers;

namespace Attention.Tests;

public class AlgorithmScaleTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(512)]
    public void Dot_product_variance_grows_like_dk_and_the_scaled_one_stays_near_one(int dk)
    {
        const int samples = 3000;
        var s = AlgorithmScale.DotProductVariance(dk, samples, seed: 5);
        // q·k is a sum of dk independent products x·y of standard normals (mean 0, variance 1, fourth moment 9),
        // so Var(q·k) = dk and the sample variance has relative standard error √((2 + 6/dk) / samples).
        double tolerance = 4 * Math.Sqrt((2 + 6.0 / dk) / samples);
        Assert.InRange(s.Variance / dk, 1 - tolerance, 1 + tolerance);
        Assert.InRange(s.ScaledVariance, 1 - tolerance, 1 + tolerance);
        Assert.Equal(s.Variance / dk, s.ScaledVariance, 1e-12);
        Assert.Equal(dk, s.Dk);
        Assert.Equal(samples, s.Samples);
    }

    [Fact]
    public void Same_seed_same_numbers_other_seed_other_numbers()
    {
        Assert.Equal(AlgorithmScale.DotProductVariance(16, 100, 1), AlgorithmScale.DotProductVariance(16, 100, 1));
        Assert.NotEqual(AlgorithmScale.DotProductVariance(16, 100, 1).Variance, AlgorithmScale.DotProductVariance(16, 100, 2).Variance);
        Assert.Equal(AlgorithmScale.SoftmaxSaturation(16, 8, 10, 1), AlgorithmScale.SoftmaxSaturation(16, 8, 10, 1));
    }

    [Fact]
    public void One_saturation_trial_matches_plain_loops_over_the_same_draws()
    {
        const int dk = 9, keys = 5, seed = 17;
        // the same draws in the same order: the query, then the keys row by row
        var rng = new Random(seed);
        var q = new double[dk];
        var k = new double[keys * dk];
        Init.FillNormal(rng, q, 1.0);
        Init.FillNormal(rng, k, 1.0);
        var scores = new double[keys];
        for (int j = 0; j < keys; j++)
            for (int t = 0; t < dk; t++) scores[j] += q[t] * k[j * dk + t];

        (double max, double entropy) Row(double scale)
        {
            var e = scores.Select(s => Math.Exp(s * scale)).ToArray();
            var w = e.Select(v => v / e.Sum()).ToArray();
            return (w.Max(), -w.Sum(p => p * Math.Log(p)));
        }

        var plain = Row(1.0);
        var scaled = Row(1.0 / 3.0); // √9 = 3
        var s = AlgorithmScale.SoftmaxSaturation(dk, keys, trials: 1, seed);
        Assert.Equal(plain.max, s.MaxWeight, 1e-12);
        Assert.Equal(plain.entropy, s.Entropy, 1e-12);
        Assert.Equal(scaled.max, s.ScaledMaxWeight, 1e-12);
        Assert.Equal(scaled.entropy, s.ScaledEntropy, 1e-12);
        Assert.Equal(s.Entropy / Math.Log(keys), s.RelativeEntropy, 1e-15);
    }

    [Fact]
    public void Without_the_scale_softmax_saturates_as_dk_grows_with_it_it_does_not()
    {
        var small = AlgorithmScale.SoftmaxSaturation(4, 16, 300, 3);
        var mid = AlgorithmScale.SoftmaxSaturation(64, 16, 300, 3);
        var large = AlgorithmScale.SoftmaxSaturation(1024, 16, 300, 3);
        Assert.True(small.MaxWeight < mid.MaxWeight && mid.MaxWeight < large.MaxWeight);
        Assert.True(large.MaxWeight > 0.9, $"unscaled max weight at d_k = 1024 is {large.MaxWeight}");
        Assert.True(large.RelativeEntropy < 0.1, $"unscaled relative entropy at d_k = 1024 is {large.RelativeEntropy}");
        // scaled: the score distribution is the same for every d_k, so the row looks the same
        Assert.InRange(large.ScaledMaxWeight - small.ScaledMaxWeight, -0.05, 0.05);
        Assert.InRange(large.ScaledRelativeEntropy, 0.75, 0.95);
        foreach (var s in new[] { small, mid, large })
        {
            Assert.InRange(s.Entropy, 0, Math.Log(16));
            Assert.InRange(s.MaxWeight, 1.0 / 16, 1.0);
        }
    }

    [Fact]
    public void Entropy_hand_values()
    {
        Assert.Equal(Math.Log(4), AlgorithmScale.Entropy([0.25, 0.25, 0.25, 0.25]), 1e-15);
        Assert.Equal(0.0, AlgorithmScale.Entropy([0, 1, 0]));
        Assert.Equal(Math.Log(2), AlgorithmScale.Entropy([0.5, 0, 0.5]), 1e-15);
        // p = [0.1, 0.9]: −0.1 ln 0.1 − 0.9 ln 0.9
        Assert.Equal(0.325082973391448, AlgorithmScale.Entropy([0.1, 0.9]), 1e-14);
        Assert.Equal(0.0, AlgorithmScale.Entropy([]));
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        Throws<ArgumentException>(() => AlgorithmScale.Entropy([0.5, -0.5, 1]), "Weight 1 is -0.5", "raw scores");
        Throws<ArgumentException>(() => AlgorithmScale.Entropy([double.NaN]), "Weight 0 is NaN");
        Throws<ArgumentOutOfRangeException>(() => AlgorithmScale.DotProductVariance(0, 10, 1), "dk");
        Throws<ArgumentOutOfRangeException>(() => AlgorithmScale.DotProductVariance(4, 1, 1), "at least 2 samples");
        Throws<ArgumentOutOfRangeException>(() => AlgorithmScale.SoftmaxSaturation(4, 0, 1, 1), "keys");
        Throws<ArgumentOutOfRangeException>(() => AlgorithmScale.SoftmaxSaturation(4, 4, 0, 1), "trials");
    }
}

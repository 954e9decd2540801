using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

public class WeightAmbiguityTests
{
    [Fact]
    public void Different_weights_same_output()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            int n = 4 + rng.Next(6), dv = 1 + rng.Next(n - 2); // n > dv + 1
            var v = M(n, dv, RandomArray(rng, n * dv, 2));
            var w = Softmax.Of(RandomArray(rng, n, 2));
            int favoured = rng.Next(n);
            var alt = WeightAmbiguity.SameOutputWeights(w, v, favoured);

            Assert.All(alt, a => Assert.True(a > 0));
            Approx.Equal(1.0, alt.Sum(), abs: 1e-13, because: $"trial {trial}"); // weights moved along a null direction of Vᵀ and 1ᵀ
            Close(RowMajor(Matrix<double>.Build.DenseOfRowArrays(w) * v), RowMajor(Matrix<double>.Build.DenseOfRowArrays(alt) * v), 1e-12);
            Assert.True(alt[favoured] > w[favoured] + 1e-6, "the favoured key gains weight");
            // they are a softmax of finite scores: log α'
            Close(alt, Softmax.Of(alt.Select(a => Math.Log(a)).ToArray()), 1e-12);
        }
    }

    [Fact]
    public void Hand_worked_case_with_two_equal_values()
    {
        // keys 0 and 1 carry the same value, so weight can move between them freely
        var v = M(3, 1, [1, 1, 0]);
        var alt = WeightAmbiguity.SameOutputWeights([0.2, 0.3, 0.5], v, favouredKey: 0, stepFraction: 1);
        Close([0.5, 0.0, 0.5], alt, 1e-12);
    }

    [Fact]
    public void Refuses_when_the_output_pins_the_weights()
    {
        var v = M(2, 1, [1, 0]); // 2 keys, 1-d values: o = α_0, so α is unique
        Throws<ArgumentException>(() => WeightAmbiguity.SameOutputWeights([0.4, 0.6], v, 0), "fix the weight");
        Throws<ArgumentException>(() => WeightAmbiguity.SameOutputWeights([0.4, 0.6], M(3, 1, [1, 0, 2]), 0), "2 weights", "3×1");
        Throws<ArgumentException>(() => WeightAmbiguity.SameOutputWeights([0.4, 0.4], v, 0), "sum to 1");
    }
}

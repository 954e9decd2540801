using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

public class PositionalEncodingTests
{
    [Fact]
    public void Sinusoidal_hand_values()
    {
        // d = 4: frequencies 1 (cols 0, 1) and 10000^(−2/4) = 0.01 (cols 2, 3)
        var pe = PositionalEncoding.Sinusoidal(3, 4);
        Close([0, 1, 0, 1], pe.Row(0).ToArray(), 0);
        Close([Math.Sin(1), Math.Cos(1), Math.Sin(0.01), Math.Cos(0.01)], pe.Row(1).ToArray(), 1e-15);
        // pos 2: sin 2 = 0.9092974, cos 2 = −0.4161468, sin 0.02 = 0.0199987, cos 0.02 = 0.9998000
        Close([0.9092974, -0.4161468, 0.0199987, 0.9998000], pe.Row(2).ToArray(), 1e-7);
    }

    [Fact]
    public void Odd_width_ends_with_a_sine()
    {
        var pe = PositionalEncoding.Sinusoidal(5, 3);
        double w = Math.Pow(10000, -2.0 / 3);
        for (int pos = 0; pos < 5; pos++) Approx.Equal(Math.Sin(pos * w), pe[pos, 2], abs: 0, rel: 2 * Approx.Eps, because: $"position {pos}"); // the same formula: within 2 ulps
    }

    [Fact]
    public void Matches_reference_on_random_shapes_float_and_double()
    {
        var rng = new Random(13);
        for (int trial = 0; trial < 200; trial++)
        {
            int positions = Size(rng) + rng.Next(200), d = Size(rng);
            double b = trial % 2 == 0 ? 10000 : 100 + rng.Next(1000);
            var expected = Reference.Sinusoidal(positions, d, b);
            Close(expected, RowMajor(PositionalEncoding.Sinusoidal(positions, d, b)), 1e-12);
            var f = new float[positions * d];
            PositionalEncoding.Sinusoidal(f, positions, d, b);
            Close(expected, f, 1e-6);
            var dd = new double[positions * d];
            PositionalEncoding.Sinusoidal(dd, positions, d, b);
            Close(expected, dd, 1e-12);
        }
    }

    [Fact]
    public void Shift_is_the_same_rotation_for_every_position()
    {
        foreach (int d in new[] { 2, 8, 64 })
        {
            var pe = PositionalEncoding.Sinusoidal(120, d);
            foreach (int k in new[] { 1, 5, 17, -3 })
            {
                var mk = PositionalEncoding.RotationFor(k, d);
                Close(Matrix<double>.Build.DenseIdentity(d), mk * mk.Transpose(), 1e-12, "orthogonal");
                for (int pos = Math.Max(0, -k); pos < 120 && pos + k < 120; pos += 7)
                    Close(pe.Row(pos + k).ToArray(), (mk * pe.Row(pos)).ToArray(), 1e-9, $"d={d} k={k} pos={pos}");
            }
        }
    }

    [Fact]
    public void Rotation_needs_an_even_width()
        => Throws<ArgumentException>(() => PositionalEncoding.RotationFor(1, 5), "5", "odd");

    [Fact]
    public void Article_formula_carries_almost_no_position_information()
    {
        var a = PositionalEncoding.ArticleFormula(50, 8);
        // column 0 divides by zero: NaN by decision
        Assert.All(a.Column(0).ToArray(), v => Assert.True(double.IsNaN(v)));
        for (int pos = 0; pos < 50; pos++)
            for (int d = 1; d < 8; d++)
            {
                if (d % 2 == 0) Assert.InRange(a[pos, d], 0, 0.001);
                else Assert.InRange(a[pos, d], 1 - 1e-6, 1);
            }
        // literal value: i = 1, d = 2: sin(1000^(−1) / 1000) = sin(1e-6)
        Assert.Equal(Math.Sin(1e-6), a[1, 2]);
        // cos(1000^(−2/3)/1000) at i = 1, d = 3
        Approx.Equal(Math.Cos(Math.Pow(1000, -2.0 / 3) / 1000), a[1, 3], abs: 0, rel: 2 * Approx.Eps); // the same formula: within 2 ulps
    }

    [Fact]
    public void Bad_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PositionalEncoding.Sinusoidal(-1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => PositionalEncoding.Sinusoidal(3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PositionalEncoding.Sinusoidal(3, 4, 0));
        Throws<ArgumentException>(() => PositionalEncoding.Sinusoidal(new float[10], 3, 4), "3×4", "10");
    }
}

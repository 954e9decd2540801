using static Attention.Tests.Helpers;

namespace Attention.Tests;

public class RotaryTests
{
    [Fact]
    public void Hand_values()
    {
        // d = 2: one pair, angle = pos. x = [1, 0] at positions 0, 1 → [1, 0], [cos 1, sin 1]
        var r = Rotary.Apply(M(2, 2, [1, 0, 1, 0]));
        Close([1, 0, Math.Cos(1), Math.Sin(1)], RowMajor(r), 1e-15);
        // d = 4, start 2: pair 1 has frequency 10000^(−1/2) = 0.01 → angle 0.02
        var s = Rotary.Apply(M(1, 4, [0, 1, 0, 1]), startPosition: 2);
        Close([-Math.Sin(2), Math.Cos(2), -Math.Sin(0.02), Math.Cos(0.02)], RowMajor(s), 1e-15);
    }

    [Fact]
    public void Matches_reference_on_random_shapes_float_and_double_in_place()
    {
        var rng = new Random(14);
        for (int trial = 0; trial < 200; trial++)
        {
            int rows = Size(rng), d = 2 * Size(rng, 33), start = rng.Next(1000);
            var x = RandomArray(rng, rows * d);
            var expected = Reference.Rotary(x, rows, d, start);
            Close(expected, RowMajor(Rotary.Apply(M(rows, d, x), start)), 1e-12);
            var y = (double[])x.Clone();
            Rotary.Apply(y, y, rows, d, start);
            Close(expected, y, 1e-12);
            var f = ToFloat(x); var fy = new float[f.Length];
            Rotary.Apply(f, fy, rows, d, start);
            Close(Reference.Rotary(ToDouble(f), rows, d, start), fy, 1e-6);
        }
    }

    [Fact]
    public void Preserves_norms()
    {
        var rng = new Random(15);
        var x = M(9, 16, RandomArray(rng, 144));
        var r = Rotary.Apply(x, 100);
        // a rotation keeps the norm up to a few ulps per pair, ≈ 16·4·ε relative over 16 features
        for (int i = 0; i < 9; i++) Approx.Equal(x.Row(i).L2Norm(), r.Row(i).L2Norm(), abs: 0, rel: 2e-14, because: $"row {i}");
    }

    [Fact]
    public void Bad_input()
    {
        Throws<ArgumentException>(() => Rotary.Apply(M(2, 3, new double[6])), "2×3", "even");
        Throws<ArgumentException>(() => Rotary.Apply(new float[6], new float[6], 2, 4), "x", "2×4", "6");
        Assert.Throws<ArgumentOutOfRangeException>(() => Rotary.Apply(M(1, 2, [1, 0]), -1));
        Assert.Throws<ArgumentNullException>(() => Rotary.Apply(null!));
    }
}

using static Attention.Tests.Helpers;

namespace Attention.Tests;

public class MasksTests
{
    private static string Draw(bool[,] m)
    {
        var rows = new List<string>();
        for (int i = 0; i < m.GetLength(0); i++)
        {
            var s = "";
            for (int j = 0; j < m.GetLength(1); j++) s += m[i, j] ? '1' : '.';
            rows.Add(s);
        }
        return string.Join("|", rows);
    }

    [Fact]
    public void Causal_square_is_lower_triangle()
        => Assert.Equal("1...|11..|111.|1111", Draw(Masks.Causal(4, 4)));

    [Fact]
    public void Causal_rectangular_is_aligned_to_the_end()
    {
        // 2 queries are the last 2 of 4 tokens
        Assert.Equal("111.|1111", Draw(Masks.Causal(2, 4)));
        // more queries than keys: the first rows see nothing
        Assert.Equal("..|1.|11", Draw(Masks.Causal(3, 2)));
        Assert.Equal(Draw(Masks.Causal(3, 3)), Draw(Masks.Causal(3)));
    }

    [Fact]
    public void Key_padding()
    {
        Assert.Equal("11..|11..", Draw(Masks.KeyPadding(2, 4, 2)));
        var batch = Masks.KeyPadding([1, 3], 3);
        Assert.Equal("1..|1..|1..", Draw(batch[0]));
        Assert.Equal("111|111|111", Draw(batch[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Masks.KeyPadding(2, 4, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Masks.KeyPadding([4], 3));
    }

    [Fact]
    public void And_combines_and_checks_shapes()
    {
        Assert.Equal("1..|11.|11.", Draw(Masks.And(Masks.Causal(3), Masks.KeyPadding(3, 3, 2))));
        Throws<ArgumentException>(() => Masks.And(new bool[2, 3], new bool[3, 2]), "2×3", "3×2");
    }

    [Fact]
    public void Sliding_window()
    {
        Assert.Equal("11...|111..|.111.|..111|...11", Draw(Masks.SlidingWindow(5, 1, causal: false)));
        Assert.Equal("1....|11...|.11..|..11.|...11", Draw(Masks.SlidingWindow(5, 1, causal: true)));
        Assert.Equal("1..|.1.|..1", Draw(Masks.SlidingWindow(3, 0, causal: false)));
        Assert.Equal(Draw(Masks.Causal(4)), Draw(Masks.SlidingWindow(4, 10, causal: true)));
    }

    [Fact]
    public void Additive_form_is_zero_or_minus_infinity_and_equivalent_to_masking()
    {
        var mask = Masks.Causal(3);
        var add = Masks.ToAdditive(mask);
        Assert.Equal(0.0, add[1, 0]);
        Assert.Equal(double.NegativeInfinity, add[0, 1]);
        var scores = M(3, 3, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Close(Softmax.Masked(scores, mask), Softmax.Rows(scores + add), 0);
        Assert.Equal([true, false, true, true], Masks.Flatten(new[,] { { true, false }, { true, true } }));
    }
}

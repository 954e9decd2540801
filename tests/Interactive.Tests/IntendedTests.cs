namespace Interactive.Tests;

/// <summary>
/// What the differential test accepts as a measured difference, and what it still refuses. These run without either
/// kernel: they check the rule itself.
/// </summary>
public sealed class IntendedTests
{
    private const string TimingCode = "double[] ms = Medians(AttentionKernel.SlidingWindow, 32);";
    private const string Difference = "standard output differs: …";

    private static CellRun Printed(string stdout) => new(true, stdout, [], 0, "");

    [Theory]
    [InlineData("time ≈ 0.000316·n + 0.0226 ms (R² = 0.998)", "time ≈ -3.1E-05·n − 0.1 ms (R² = -0.5)")]
    [InlineData("at n = 4096: full 21.6 ms", "at n = 4096: full 85.9 ms")]
    [InlineData("slope 1E+03", "slope -2.5e-4")]
    public void A_timing_cell_may_differ_in_its_numbers_and_their_signs(string released, string engine)
    {
        string both = "first line\n" + released + "\n";
        string ours = "first line\n" + engine + "\n";
        Assert.Equal("measured", Intended.Explain(TimingCode, Printed(both), Printed(ours), Difference));
        Assert.Null(Intended.FirstLineBeyondNumbers(both, ours));
    }

    [Fact]
    public void A_timing_cell_may_not_differ_in_its_words()
    {
        var (released, engine) = ("banded kernel: time ≈ 0.3·n ms\n", "banded kernel: memory ≈ 0.3·n ms\n");
        Assert.Null(Intended.Explain(TimingCode, Printed(released), Printed(engine), Difference));
        Assert.Equal("line 1: «banded kernel: time ≈ 0.3·n ms» | «banded kernel: memory ≈ 0.3·n ms»",
                     Intended.FirstLineBeyondNumbers(released, engine));
    }

    [Fact]
    public void A_timing_cell_may_not_print_a_line_more()
    {
        Assert.Null(Intended.Explain(TimingCode, Printed("a 1 ms\n"), Printed("a 2 ms\nwarning\n"), Difference));
        Assert.Equal("line 2: «» | «warning»", Intended.FirstLineBeyondNumbers("a 1 ms\n", "a 2 ms\nwarning\n"));
        Assert.Equal("1 lines | 2 lines", Intended.FirstLineBeyondNumbers("a 1 ms", "a 2 ms\n"));
    }

    [Fact]
    public void A_cell_that_measures_nothing_may_not_differ_even_in_its_numbers()
    {
        Assert.Null(Intended.Explain("Console.WriteLine(Softmax(x)[0]);", Printed("0.25\n"), Printed("0.26\n"), Difference));
    }
}

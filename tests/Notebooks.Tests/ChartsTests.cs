using Attention.Plots;
using MathNet.Numerics.LinearAlgebra;
using Plotly.NET;

namespace Notebooks.Tests;

public class ChartsTests
{
    private static readonly Matrix<double> W = Matrix<double>.Build.DenseOfArray(new[,]
    {
        { 0.7, 0.2, 0.1 },
        { 0.1, 0.8, 0.1 },
        { 0.3, 0.3, 0.4 },
    });

    [Fact]
    public void Charts_fit_Jupyters_output_area_and_long_titles_break_into_lines()
    {
        static int Width(GenericChart c) =>
            int.Parse(System.Text.RegularExpressions.Regex.Match(GenericChart.toJson(c), "\"width\":(\\d+)").Groups[1].Value);
        var longTitle = string.Join(" ", Enumerable.Repeat("accuracy against test length", 6));
        var heat = Charts.AttentionHeatmap(W, ["I", "like", "tea"], title: longTitle);
        Assert.InRange(Width(heat), 1, Theme.MaxWidth);
        // The title is broken into lines at spaces, not cut off.
        Assert.Matches("\"title\":\\{\"text\":\"accuracy against test length[^\"]*<br>[^\"]*length\"", GenericChart.toJson(heat));
        var eight = Charts.HeadHeatmaps(Enumerable.Repeat(W, 8).ToList(), ["I", "like", "tea"]);
        Assert.InRange(Width(eight), 1, Theme.MaxWidth);
        Assert.True(Theme.MaxWidth <= 978 - 18, "Jupyter's output area is 978 px wide");
        var shortTitle = Charts.AttentionHeatmap(W, ["I", "like", "tea"], title: "Self-attention");
        Assert.Contains("\"text\":\"Self-attention\"", GenericChart.toJson(shortTitle));
    }

    [Fact]
    public void Attention_heatmap_carries_tokens_on_both_axes_title_and_axis_labels()
    {
        var json = GenericChart.toJson(Charts.AttentionHeatmap(W, ["I", "like", "tea"], title: "Self-attention"));
        Assert.Contains("\"type\":\"heatmap\"", json);
        Assert.Contains("\"x\":[\"I\",\"like\",\"tea\"]", json);
        Assert.Contains("\"y\":[\"I\",\"like\",\"tea\"]", json);
        Assert.Contains("Self-attention", json);
        Assert.Contains("key (attended to)", json);
        Assert.Contains("query (attending)", json);
        Assert.Contains("\"z\":[[0.7,0.2,0.1],[0.1,0.8,0.1],[0.3,0.3,0.4]]", json);
    }

    [Fact]
    public void Charts_with_token_labels_use_category_axes_so_digit_tokens_are_not_drawn_as_numbers()
    {
        // "2 0 2 6" as numbers would put two cells at x = 2 and leave gaps: every label-carrying axis must be a category axis.
        string[] digits = ["2", "0", "2"];
        int Categories(GenericChart chart) => CountOf(GenericChart.toJson(chart), "\"type\":\"category\"");
        Assert.Equal(2, Categories(Charts.AttentionHeatmap(W, digits)));
        Assert.Equal(6, Categories(Charts.HeadHeatmaps([W, W, W], digits)));
        Assert.Equal(4, Categories(Charts.ScoreFunctionHeatmaps([("dot", W), ("scaled", W)], digits)));
        Assert.Equal(2, Categories(Charts.Heatmap(W, digits, ["1", "1", "9"], "Digits", "column", "row")));
        Assert.Equal(1, Categories(Charts.Bars(digits, [0.2, 0.3, 0.5], "Digits", "token", "weight")));
        Assert.Equal(0, Categories(Charts.EncodingWaves(W, [0, 1]))); // positions are numbers and stay numeric
    }

    [Fact]
    public void Repeated_tokens_keep_their_own_rows_and_columns()
    {
        var json = GenericChart.toJson(Charts.AttentionHeatmap(W, ["the", "cat", "the"]));
        // Each occurrence keeps its own cell (distinct categories) and reads the same ("the" twice, no visible suffix).
        var x = System.Text.Json.Nodes.JsonNode.Parse(json)!["data"]![0]!["x"]!.AsArray().Select(l => l!.GetValue<string>()).ToArray();
        Assert.Equal(3, x.Distinct().Count());
        Assert.Equal(["the", "cat", "the"], x.Select(l => l.Replace("\u200B", "", StringComparison.Ordinal)));
        var again = GenericChart.toJson(Charts.AttentionHeatmap(
            Matrix<double>.Build.Dense(4, 4, 0.25), ["the", "the\u200B", "the", "a"]));  // a label that already looks like a repeat
        Assert.Equal(4, System.Text.Json.Nodes.JsonNode.Parse(again)!["data"]![0]!["x"]!.AsArray().Select(l => l!.GetValue<string>()).Distinct().Count());
    }

    [Fact]
    public void Heatmap_labels_that_do_not_match_the_shape_are_rejected_with_both_counts()
    {
        var ex = Assert.Throws<ArgumentException>(() => Charts.AttentionHeatmap(W, ["a", "b"]));
        Assert.Contains("3 rows", ex.Message);
        Assert.Contains("2 query tokens", ex.Message);
        var ex2 = Assert.Throws<ArgumentException>(() => Charts.AttentionHeatmap(W, ["a", "b", "c"], ["k"]));
        Assert.Contains("3 columns", ex2.Message);
    }

    [Fact]
    public void Head_heatmaps_draw_one_panel_per_head_on_independent_axes()
    {
        var json = GenericChart.toJson(Charts.HeadHeatmaps([W, W, W.Transpose()], ["a", "b", "c"]));
        Assert.Equal(3, CountOf(json, "\"type\":\"heatmap\""));
        Assert.Contains("\"xaxis\":\"x3\"", json);
        Assert.Contains("head 3: key", json);
        Assert.Contains("\"columns\":3", json);
        Assert.Throws<ArgumentException>(() => Charts.HeadHeatmaps([W, Matrix<double>.Build.Dense(2, 3)], ["a", "b", "c"]));
    }

    [Fact]
    public void Encoding_waves_draw_one_line_per_requested_dimension_and_reject_unknown_ones()
    {
        var table = Matrix<double>.Build.Dense(10, 4, (i, j) => i + 10 * j);
        var json = GenericChart.toJson(Charts.EncodingWaves(table, [0, 3]));
        Assert.Equal(2, CountOf(json, "\"type\":\"scatter\""));
        Assert.Contains("\"name\":\"dim 3\"", json);
        Assert.Contains("position", json);
        var ex = Assert.Throws<ArgumentException>(() => Charts.EncodingWaves(table, [4]));
        Assert.Contains("4 dimensions", ex.Message);
    }

    [Fact]
    public void Non_finite_values_become_gaps_not_invalid_json()
    {
        var table = Matrix<double>.Build.DenseOfArray(new[,] { { double.NaN, 1.0 }, { double.PositiveInfinity, -1.0 } });
        var json = GenericChart.toJson(Charts.EncodingHeatmap(table));
        Assert.Contains("\"z\":[[null,1.0],[null,-1.0]]", json);
        Assert.DoesNotContain("NaN", json);
        Assert.DoesNotContain("Infinity", json);
    }

    [Fact]
    public void Every_chart_needs_a_title()
    {
        Assert.Throws<ArgumentException>(() => Charts.Lines([1.0], [("a", new[] { 1.0 })], " ", "x", "y"));
    }

    [Fact]
    public void Series_shorter_than_x_are_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Charts.Lines([1.0, 2.0], [("s", new[] { 1.0 })], "t", "x", "y"));
        Assert.Contains("'s' has 1 values but there are 2 x values", ex.Message);
    }

    [Fact]
    public void Points_with_fit_draw_the_points_and_the_fitted_curve()
    {
        var json = GenericChart.toJson(Charts.PointsWithFit([1.0, 2.0, 3.0], [1.0, 4.0, 9.0], "t", "n", "ms",
            fit: x => x * x, fitName: "quadratic fit"));
        Assert.Contains("\"mode\":\"markers\"", json);
        Assert.Contains("quadratic fit", json);
    }

    private static int CountOf(string s, string part)
    {
        int n = 0;
        for (int i = s.IndexOf(part, StringComparison.Ordinal); i >= 0; i = s.IndexOf(part, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }
}

using MathNet.Numerics.LinearAlgebra;
using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;

namespace Notebooks.Tests;

/// <summary>The engine's formatters: compact shaped tables and offline Plotly charts.</summary>
public class FormattingTests
{
    public FormattingTests() => ValueFormatting.EnsureRegistered();

    [Fact]
    public void Arrays_and_vectors_state_their_shape_and_round_to_four_significant_digits()
    {
        Assert.Equal("double[2, 3]\n    1  0.3333  -2.5E+04\n1E-05       0         ∞",
            new double[,] { { 1, 1.0 / 3, -25000 }, { 1e-5, 0, double.PositiveInfinity } }.ToDisplayString("text/plain"));
        Assert.StartsWith("float[1, 2]", new float[,] { { 1.5f, 2 } }.ToDisplayString("text/plain"));
        Assert.Equal("double[3]\n0.5  0.25  0.125", new[] { 0.5, 0.25, 0.125 }.ToDisplayString("text/plain"));
        Assert.Equal("Vector<double> 2\n1  2", Vector<double>.Build.Dense([1.0, 2.0]).ToDisplayString("text/plain"));
        Assert.Contains("double[2, 2]", new double[,] { { 1, 2 }, { 3, 4 } }.ToDisplayString("text/html"));
    }

    [Fact]
    public void Big_matrices_are_truncated_with_an_ellipsis_and_the_full_shape()
    {
        var m = Matrix<double>.Build.Dense(200, 300, (i, j) => i * 1000 + j);
        var plain = m.ToDisplayString("text/plain");
        var lines = plain.Split('\n');
        Assert.Equal("Matrix<double> 200×300 (showing 10 of 200 rows, 10 of 300 columns)", lines[0]);
        Assert.Equal(1 + 11, lines.Length); // title, 8 rows, "⋮", 2 rows
        Assert.Contains("…", lines[1]);
        Assert.EndsWith("299", lines[1]);
        Assert.StartsWith("⋮", lines[9].Trim());
        Assert.StartsWith("1.99E+05", lines[11].Trim());
        var html = m.ToDisplayString("text/html");
        Assert.Contains("200×300", System.Net.WebUtility.HtmlDecode(html));
        Assert.True(html.Length < 10_000, "the table must stay compact");
        var v = new double[1000];
        Assert.StartsWith("double[1000] (showing 20 of 1000)", v.ToDisplayString("text/plain"));
    }

    [Fact]
    public void Plotlyjs_is_embedded_in_the_first_chart_of_a_session_only_and_later_charts_wait_for_it()
    {
        var session = new ScriptSession();
        var t = new Trace2D("scatter");
        t.SetProperty("y", new[] { 1, 2 });
        var chart = GenericChart.ofTraceObject(true, t);
        var first = session.Format(chart)["text/html"];
        var second = session.Format(chart)["text/html"];
        Assert.Contains($"plotly.js {ValueFormatting.PlotlyJsVersion}", first);
        Assert.StartsWith("2.28", ValueFormatting.PlotlyJsVersion);
        Assert.True(first.Length > 3_000_000, "plotly.js is inlined, no CDN");
        Assert.DoesNotContain("<script src", first);
        Assert.DoesNotContain("plotly.js", second);
        Assert.True(second.Length < 20_000, "later charts only call Plotly");
        Assert.Contains("if (window.Plotly)", second);
        Assert.Single(session.Format(chart));
    }

    [Fact]
    public void Charts_use_a_light_template()
    {
        ValueFormatting.EnsureRegistered();
        var t = new Trace2D("scatter");
        var html = ValueFormatting.ChartHtml(GenericChart.ofTraceObject(true, t));
        Assert.True(html.Length < 5_000, $"default template leaked into the chart ({html.Length} chars)");
    }
}

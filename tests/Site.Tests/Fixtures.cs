using System.Text.Json.Nodes;
using TestSupport;

namespace Site.Tests;

/// <summary>
/// Small notebooks that exercise what the tutorial's notebooks do not (yet): math, text that looks
/// like HTML, an error, a notebook without charts. Names sort after the tutorial's.
/// </summary>
public static class Fixtures
{
    /// <summary>Math, a table, a diagram, hostile text, two charts and a failing cell.</summary>
    public const string Rich = "90-site-fixture.ipynb";

    /// <summary>Prose and one code cell, nothing else.</summary>
    public const string Plain = "91-plain-fixture.ipynb";

    /// <summary>The fixture notebooks' names, in order.</summary>
    public static readonly string[] Names = [Rich, Plain];

    /// <summary>The title the rich fixture's first heading gives (it contains characters HTML must escape).</summary>
    public const string RichTitle = "Site fixture: a < b & \"c\" <i>not italic</i>";

    /// <summary>Printed by a cell; must appear as text, never run.</summary>
    public const string Hostile = "<script>window.__injected = 1;</script> & <b>not bold</b>";

    public static void WriteAll(string dir)
    {
        Write(dir, Rich,
            Markdown("# Site fixture: a &lt; b &amp; \"c\" \\<i>not italic\\</i>\n\nA fixture for the site tests."),
            Markdown("## Math\n\nInline, $\\alpha_i = \\frac{e^{s_i}}{\\sum_j e^{s_j}}$, and on its own line:\n\n$$\n\\mathrm{softmax}(x)_i = \\frac{e^{x_i}}{\\sum_{j=1}^{n} e^{x_j}}\n$$\n\n" +
                     "| token | weight |\n|---|---:|\n| the | 0.1 |\n| cat | 0.9 |\n\nCode is not math: `$\"{x}\"`."),
            Markdown("## A diagram\n\n```mermaid\nflowchart LR\n    Q[\"query<br/>查询\"] --> S[\"scores\"]\n    K[\"keys\"] --> S\n```"),
            Code($"Console.WriteLine(\"{Hostile.Replace("\"", "\\\"", StringComparison.Ordinal)}\");"),
            Code("\"<i>plain</i> & text\""),
            Code("#r \"nuget: Plotly.NET, 6.0.0\"\nusing Plotly.NET;\nvar t = new Trace2D(\"scatter\"); t.SetProperty(\"y\", new[] { 1, 3, 2 });\nGenericChart.ofTraceObject(true, t)"),
            Code("display(GenericChart.ofTraceObject(true, t));"),
            Code("throw new InvalidOperationException(\"bad <tag> & more\");"));
        Write(dir, Plain,
            Markdown("# Plain fixture\n\nNo charts, no formulas, no diagrams: the page loads none of their libraries."),
            Code("var x = 6 * 7; // the answer\nx"));
    }

    private static JsonObject Code(string source) => NotebookFiles.Code(source, "csharp");

    private static JsonObject Markdown(string source) => NotebookFiles.Markdown(source);

    private static void Write(string dir, string name, params JsonObject[] cells) => NotebookFiles.Write(dir, name, cells);
}

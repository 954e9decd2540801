using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Notebooks.Images;

/// <summary>
/// Finds Plotly.NET chart outputs in an executed notebook and separates a chart's own HTML from the
/// copy of plotly.js the engine inlines into a notebook's first chart.
/// </summary>
public static partial class PlotlyOutputs
{
    /// <summary>True for a <c>display_data</c>/<c>execute_result</c> output whose <c>text/html</c> draws a Plotly chart.</summary>
    public static bool IsChart(JsonObject output) =>
        output["output_type"]?.GetValue<string>() is "display_data" or "execute_result"
        && Html(output) is { } html
        && html.Contains("Plotly.newPlot(", StringComparison.Ordinal);

    /// <summary>The output's <c>text/html</c> entry as one string, or null when it has none.</summary>
    public static string? Html(JsonObject output) => output["data"]?["text/html"] switch
    {
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>() ?? "")),
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => null,
    };

    /// <summary>Every chart output of a notebook, in document order.</summary>
    public static IEnumerable<JsonObject> Charts(NotebookDocument doc) =>
        doc.Cells.Where(c => c.CellType == "code")
            .SelectMany(c => c.Node["outputs"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(IsChart);

    /// <summary>
    /// The chart's HTML without any plotly.js it carries: the engine's inline copy (see
    /// <see cref="ValueFormatting.PlotlyJsScriptTag"/>) and script tags that would load plotly.js from a CDN.
    /// The chart's own script waits for <c>window.Plotly</c>, so the page supplies plotly.js once.
    /// </summary>
    public static string WithoutPlotlyJs(string html)
    {
        var tag = ValueFormatting.PlotlyJsScriptTag;
        var i = html.IndexOf(tag, StringComparison.Ordinal);
        if (i >= 0) html = html.Remove(i, tag.Length);
        html = InlinePlotlyJs().Replace(html, "");
        return CdnPlotlyJs().Replace(html, "");
    }

    /// <summary>plotly.js itself (the minified copy Plotly.NET carries), as a script file's text that defines <c>window.Plotly</c>.</summary>
    public static string PlotlyJs => plotlyJs.Value;

    /// <summary>A file name for <see cref="PlotlyJs"/> that names its version, e.g. <c>plotly-2.28.0.min.js</c>.</summary>
    public static string PlotlyJsFileName => $"plotly-{ValueFormatting.PlotlyJsVersion}.min.js";

    private static readonly Lazy<string> plotlyJs = new(() =>
    {
        // The script tag is the one source of plotly.js in the engine; its body is the file.
        var tag = ValueFormatting.PlotlyJsScriptTag;
        var start = tag.IndexOf('>', StringComparison.Ordinal) + 1;
        var end = tag.LastIndexOf("</script>", StringComparison.Ordinal);
        return tag[start..end];
    });

    // An inline copy written by an earlier version of the engine (same marker comment).
    [GeneratedRegex(@"<script[^>]*>/\* plotly\.js [^\n]*?\*/.*?</script>\n?", RegexOptions.Singleline)]
    private static partial Regex InlinePlotlyJs();

    [GeneratedRegex(@"<script[^>]*\bsrc=[""']https?://cdn\.plot\.ly/[^""']*[""'][^>]*>\s*</script>\n?", RegexOptions.IgnoreCase)]
    private static partial Regex CdnPlotlyJs();
}

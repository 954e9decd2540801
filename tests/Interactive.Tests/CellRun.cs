using System.Text.Json.Nodes;

namespace Interactive.Tests;

/// <summary>What one code cell did, in either engine: the parts the differential test compares.</summary>
/// <param name="Succeeded">The cell ran without an error.</param>
/// <param name="Stdout">Everything it wrote to standard output, in order.</param>
/// <param name="Returned">Each value it returned or displayed that is not a chart: its <c>text/plain</c> and <c>text/html</c>, where given.</param>
/// <param name="Charts">How many Plotly charts it showed.</param>
/// <param name="Error">The first line of its error, if it failed.</param>
public sealed record CellRun(bool Succeeded, string Stdout, IReadOnlyList<Formatted> Returned, int Charts, string Error)
{
    /// <summary>An HTML output that holds a Plotly chart (both engines emit plotly.js's newPlot call).</summary>
    public static bool IsChart(string? html) => html is not null && html.Contains("Plotly.newPlot", StringComparison.Ordinal);

    /// <summary>The code cells of an executed copy written by the project's runner, one <see cref="CellRun"/> each.</summary>
    public static List<CellRun> FromExecutedCopy(string path)
    {
        var nb = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var runs = new List<CellRun>();
        foreach (var cell in nb["cells"]!.AsArray().Select(c => c!.AsObject()).Where(c => c["cell_type"]!.GetValue<string>() == "code"))
        {
            bool ok = true;
            string stdout = "", error = "";
            var returned = new List<Formatted>();
            int charts = 0;
            foreach (var output in cell["outputs"]!.AsArray().Select(o => o!.AsObject()))
            {
                switch (output["output_type"]!.GetValue<string>())
                {
                    case "stream" when output["name"]!.GetValue<string>() == "stdout":
                        stdout += Text(output["text"]);
                        break;
                    case "error":
                        ok = false;
                        error = error.Length > 0 ? error : $"{output["ename"]}: {output["evalue"]}".Split('\n')[0];
                        break;
                    case "execute_result" or "display_data":
                        var data = output["data"]!.AsObject();
                        if (IsChart(Text(data["text/html"]))) charts++;
                        else returned.Add(new Formatted(data["text/plain"] is { } plain ? Text(plain) : null,
                                                        data["text/html"] is { } html ? Text(html) : null));
                        break;
                }
            }
            runs.Add(new CellRun(ok, stdout, returned, charts, error));
        }
        return runs;
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonArray lines => string.Concat(lines.Select(l => l!.GetValue<string>())),
        _ => node.GetValue<string>(),
    };
}

/// <summary>One value as the engine formatted it: plain text and HTML, either of which may be missing.</summary>
public sealed record Formatted(string? Plain, string? Html);

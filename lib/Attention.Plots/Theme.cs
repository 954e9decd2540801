using Plotly.NET;

namespace Attention.Plots;

/// <summary>
/// The one light look shared by every chart: white background, soft grid, a colour-blind-safe
/// palette. Plotly.NET's default template costs 160–200 ms per rendered chart; this one costs
/// about a millisecond, which keeps notebooks with many charts quick.
/// </summary>
public static class Theme
{
    /// <summary>Line and bar colours (Okabe–Ito, readable for colour-blind readers).</summary>
    public static readonly IReadOnlyList<string> Palette =
        ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

    /// <summary>Sequential colour scale for weights: white at 0, dark blue at the maximum.</summary>
    public static readonly object[][] Sequential =
        [[0.0, "#f7fbff"], [0.25, "#c6dbef"], [0.5, "#6baed6"], [0.75, "#2171b5"], [1.0, "#08306b"]];

    /// <summary>A layout with a title, two labelled axes and the shared look.</summary>
    /// <param name="title">Chart title (required: every chart has one).</param>
    /// <param name="xLabel">x axis title, or null for none.</param>
    /// <param name="yLabel">y axis title, or null for none.</param>
    public static Layout Layout(string title, string? xLabel, string? yLabel)
    {
        if (string.IsNullOrWhiteSpace(title))
            throw new ArgumentException("Every chart needs a title; pass a short description of what it shows.", nameof(title));
        var layout = new Layout();
        layout.SetProperty("title", new Dictionary<string, object?> { ["text"] = title, ["x"] = 0.02, ["xanchor"] = "left" });
        layout.SetProperty("xaxis", Axis(xLabel));
        layout.SetProperty("yaxis", Axis(yLabel));
        layout.SetProperty("paper_bgcolor", "white");
        layout.SetProperty("plot_bgcolor", "white");
        layout.SetProperty("font", new Dictionary<string, object?> { ["family"] = "Segoe UI, Helvetica, Arial, sans-serif", ["size"] = 13, ["color"] = "#222" });
        layout.SetProperty("colorway", Palette.ToArray());
        layout.SetProperty("margin", new Dictionary<string, object?> { ["l"] = 70, ["r"] = 30, ["t"] = 60, ["b"] = 60 });
        layout.SetProperty("legend", new Dictionary<string, object?> { ["bgcolor"] = "rgba(255,255,255,0.8)" });
        return layout;
    }

    /// <summary>An axis with a title and the shared grid style.</summary>
    public static Dictionary<string, object?> Axis(string? label)
    {
        var axis = new Dictionary<string, object?>
        {
            ["gridcolor"] = "#e5e5e5",
            ["zerolinecolor"] = "#bbbbbb",
            ["linecolor"] = "#888888",
            ["showline"] = true,
            ["automargin"] = true,
        };
        if (label is not null) axis["title"] = new Dictionary<string, object?> { ["text"] = label };
        return axis;
    }

    /// <summary>An <see cref="Axis"/> whose values are category labels (tokens), never read as numbers.</summary>
    public static Dictionary<string, object?> CategoryAxis(string? label)
    {
        var axis = Axis(label);
        axis["type"] = "category";
        return axis;
    }

    /// <summary>Puts traces and a layout together into a chart (without Plotly.NET's heavy default template).</summary>
    public static GenericChart Chart(Layout layout, params Trace[] traces)
    {
        ArgumentNullException.ThrowIfNull(layout);
        FitWidth(layout);
        var chart = traces.Length == 1
            ? GenericChart.ofTraceObject(false, traces[0])
            : GenericChart.ofTraceObjects(false, traces);
        var config = new Config();
        config.SetProperty("responsive", true);
        config.SetProperty("displaylogo", false);
        return GenericChart.setConfig(config, GenericChart.setLayout(layout, chart));
    }

    /// <summary>The widest a chart is drawn: Jupyter's output area is 978 px, so a wider chart clips its colour bar.</summary>
    public const int MaxWidth = 960;

    /// <summary>Plotly's width when a layout sets none.</summary>
    private const int DefaultWidth = 700;

    /// <summary>
    /// Caps the layout's width at <see cref="MaxWidth"/> and breaks a title too long for the width into lines (at spaces,
    /// about 9 px a character at the title's size, leaving room for the toolbar), with room above the plot for them.
    /// </summary>
    internal static void FitWidth(Layout layout)
    {
        int width = layout.TryGetPropertyValue("width") is { } w && w.Value is int set ? set : DefaultWidth;
        if (width > MaxWidth)
        {
            width = MaxWidth;
            layout.SetProperty("width", width);
        }
        if (layout.TryGetPropertyValue("title") is not { } t || t.Value is not Dictionary<string, object?> title
            || title.GetValueOrDefault("text") is not string text || text.Contains("<br>", StringComparison.Ordinal)) return;
        int perLine = Math.Max(20, (width - 230) / 9);
        if (text.Length <= perLine) return;
        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > perLine)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        lines.Add(line.ToString());
        title["text"] = string.Join("<br>", lines);
        if (layout.TryGetPropertyValue("margin") is { } m && m.Value is Dictionary<string, object?> margin)
            margin["t"] = 40 + 22 * lines.Count;
    }
}

using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using MathNet.Numerics.LinearAlgebra;
using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;

namespace Notebooks;

/// <summary>
/// The engine's formatters, registered with Microsoft.DotNet.Interactive.Formatting: compact
/// tables for matrices and vectors (shape stated, 4 significant digits, big ones truncated with
/// "…"), and Plotly.NET charts as HTML the way Plotly.NET.Interactive renders them.
/// </summary>
public static partial class ValueFormatting
{
    /// <summary>Rows or columns shown before a matrix is truncated.</summary>
    public const int MaxShown = 10;

    /// <summary>Entries of a vector shown before it is truncated.</summary>
    public const int MaxShownVector = 20;

    private static readonly Lock Gate = new();
    private static bool registered;

    /// <summary>Registers the formatters (once per process) and makes Plotly.NET's default chart template a light one.</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (registered) return;
            registered = true;
            Register<Matrix<double>>(m => Grid(m.RowCount, m.ColumnCount, (i, j) => m[i, j], $"Matrix<double> {m.RowCount}×{m.ColumnCount}"));
            Register<Matrix<float>>(m => Grid(m.RowCount, m.ColumnCount, (i, j) => m[i, j], $"Matrix<float> {m.RowCount}×{m.ColumnCount}"));
            Register<Vector<double>>(v => Row(v.Count, i => v[i], $"Vector<double> {v.Count}"));
            Register<Vector<float>>(v => Row(v.Count, i => v[i], $"Vector<float> {v.Count}"));
            Register<double[,]>(a => Grid(a.GetLength(0), a.GetLength(1), (i, j) => a[i, j], $"double[{a.GetLength(0)}, {a.GetLength(1)}]"));
            Register<float[,]>(a => Grid(a.GetLength(0), a.GetLength(1), (i, j) => a[i, j], $"float[{a.GetLength(0)}, {a.GetLength(1)}]"));
            Register<double[]>(a => Row(a.Length, i => a[i], $"double[{a.Length}]"));
            Register<float[]>(a => Row(a.Length, i => a[i], $"float[{a.Length}]"));
            Formatter.Register<GenericChart>((chart, writer) => writer.Write(ChartHtml(chart)), "text/html");
            Defaults.DefaultTemplate = LightTemplate();
        }
    }

    /// <summary>Formats a number to 4 significant digits, the way the tables show it.</summary>
    public static string Number(double x) =>
        double.IsNaN(x) ? "NaN"
        : double.IsPositiveInfinity(x) ? "∞"
        : double.IsNegativeInfinity(x) ? "-∞"
        : x == 0 ? "0"
        : x.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>
    /// A chart as an HTML fragment (a div and a script calling <c>Plotly.newPlot</c>), as
    /// Plotly.NET.Interactive renders it, except that it waits for plotly.js if it is not loaded yet.
    /// plotly.js itself is not included: see <see cref="PlotlyJsScriptTag"/>.
    /// </summary>
    public static string ChartHtml(GenericChart chart)
    {
        var html = GenericChart.toChartHTML(chart);
        return RenderCall().Replace(html, m =>
            $"(function nbDraw(){{ if (window.Plotly) {m.Groups[1].Value}(); else setTimeout(nbDraw, 50); }})();\n</script>", 1);
    }

    /// <summary>plotly.js (the minified copy Plotly.NET carries) as one inline script tag that defines <c>window.Plotly</c> even where require.js is loaded.</summary>
    public static string PlotlyJsScriptTag => plotlyTag.Value;

    /// <summary>The plotly.js version Plotly.NET carries.</summary>
    public static string PlotlyJsVersion => Globals.PLOTLYJS_VERSION;

    private static readonly Lazy<string> plotlyTag = new(() =>
    {
        var asm = typeof(GenericChart).Assembly;
        var name = asm.GetManifestResourceNames().Single(n => n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) && n.EndsWith(".min.js", StringComparison.Ordinal));
        using var stream = asm.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var js = reader.ReadToEnd();
        // Hide AMD/CommonJS loaders so that plotly.js sets window.Plotly (classic Jupyter has require.js).
        return $"<script type=\"text/javascript\">/* plotly.js {Globals.PLOTLYJS_VERSION}, embedded once per notebook */\n(function(){{var define=undefined,module=undefined,exports=undefined;\n{js}\n}}).call(window);</script>\n";
    });

    [GeneratedRegex(@"(renderPlotly_[0-9a-fA-F]+)\(\);\s*</script>")]
    private static partial Regex RenderCall();

    private static Template LightTemplate()
    {
        var layout = new Layout();
        layout.SetProperty("paper_bgcolor", "white");
        layout.SetProperty("plot_bgcolor", "white");
        layout.SetProperty("font", new Dictionary<string, object> { ["color"] = "#222" });
        var axis = new Dictionary<string, object> { ["gridcolor"] = "#e5e5e5", ["zerolinecolor"] = "#bbbbbb", ["linecolor"] = "#888888", ["showline"] = true, ["automargin"] = true };
        layout.SetProperty("xaxis", axis);
        layout.SetProperty("yaxis", axis);
        return Template.init<Trace>(layout, null);
    }

    private static void Register<T>(Func<T, Table> table)
    {
        Formatter.Register<T>((value, writer) => writer.Write(table(value).Html()), "text/html");
        Formatter.Register<T>((value, writer) => writer.Write(table(value).Plain()), "text/plain");
    }

    private static Table Grid(int rows, int cols, Func<int, int, double> get, string title)
    {
        var r = Shown(rows, MaxShown);
        var c = Shown(cols, MaxShown);
        var note = rows > r.Count(i => i >= 0) || cols > c.Count(j => j >= 0)
            ? $" (showing {r.Count(i => i >= 0)} of {rows} rows, {c.Count(j => j >= 0)} of {cols} columns)"
            : "";
        return new Table(title + note, r, c, get);
    }

    private static Table Row(int n, Func<int, double> get, string title)
    {
        var c = Shown(n, MaxShownVector);
        var note = n > c.Count(j => j >= 0) ? $" (showing {c.Count(j => j >= 0)} of {n})" : "";
        return new Table(title + note, [0], c, (_, j) => get(j), rowHeaders: false);
    }

    /// <summary>Indices to show; -1 marks the "…" gap.</summary>
    private static int[] Shown(int n, int max) =>
        n <= max ? [.. Enumerable.Range(0, n)] : [.. Enumerable.Range(0, max - 2), -1, n - 2, n - 1];

    private sealed class Table(string title, int[] rows, int[] cols, Func<int, int, double> get, bool rowHeaders = true)
    {
        private string Cell(int i, int j) => i < 0 ? (j < 0 ? "⋱" : "⋮") : j < 0 ? "…" : Number(get(i, j));

        public string Html()
        {
            const string th = "style=\"color:#888;font-weight:normal\"";
            var sb = new StringBuilder();
            sb.Append("<div class=\"nb-array\"><div style=\"font-family:monospace;color:#555\">").Append(WebUtility.HtmlEncode(title)).Append("</div>");
            sb.Append("<table style=\"border-collapse:collapse;font-family:monospace;text-align:right\" cellpadding=\"3\"><thead><tr>");
            if (rowHeaders) sb.Append("<th ").Append(th).Append("></th>");
            foreach (var j in cols) sb.Append("<th ").Append(th).Append('>').Append(j < 0 ? "…" : j.ToString(CultureInfo.InvariantCulture)).Append("</th>");
            sb.Append("</tr></thead><tbody>");
            foreach (var i in rows)
            {
                sb.Append("<tr>");
                if (rowHeaders) sb.Append("<th ").Append(th).Append('>').Append(i < 0 ? "⋮" : i.ToString(CultureInfo.InvariantCulture)).Append("</th>");
                foreach (var j in cols) sb.Append("<td>").Append(Cell(i, j)).Append("</td>");
                sb.Append("</tr>");
            }
            return sb.Append("</tbody></table></div>").ToString();
        }

        public string Plain()
        {
            var cells = rows.Select(i => cols.Select(j => Cell(i, j)).ToArray()).ToArray();
            var widths = cols.Select((_, k) => cells.Max(r => r[k].Length)).ToArray();
            var sb = new StringBuilder(title);
            foreach (var r in cells)
            {
                sb.Append('\n');
                sb.AppendJoin("  ", r.Select((s, k) => s.PadLeft(widths[k])));
            }
            return sb.ToString();
        }
    }
}

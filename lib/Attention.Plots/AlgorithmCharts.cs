using MathNet.Numerics.LinearAlgebra;
using Plotly.NET;

namespace Attention.Plots;

public static partial class Charts
{
    /// <summary>
    /// Attention weights of the same tokens under different score functions (dot, scaled dot,
    /// multiplicative, additive …), one named heatmap per score function, side by side on one shared
    /// colour scale, so the patterns can be compared cell by cell. Unlike <see cref="HeadHeatmaps"/>,
    /// the panels are labelled by their names, not as heads.
    /// </summary>
    /// <param name="panels">One (name, weights <c>[queries, keys]</c>) per panel, all the same shape.</param>
    /// <param name="queryTokens">One label per row.</param>
    /// <param name="keyTokens">One label per column; defaults to <paramref name="queryTokens"/>.</param>
    /// <param name="title">Chart title.</param>
    /// <exception cref="ArgumentException">No panels, panels of different shapes, or labels that do not match.</exception>
    public static GenericChart ScoreFunctionHeatmaps(IReadOnlyList<(string Name, Matrix<double> Weights)> panels,
        IReadOnlyList<string> queryTokens, IReadOnlyList<string>? keyTokens = null,
        string title = "Attention weights under different score functions")
    {
        ArgumentNullException.ThrowIfNull(panels);
        ArgumentNullException.ThrowIfNull(queryTokens);
        if (panels.Count == 0) throw new ArgumentException("Pass at least one panel (a name and its weights).", nameof(panels));
        keyTokens ??= queryTokens;
        foreach (var (name, w) in panels)
        {
            ArgumentNullException.ThrowIfNull(w, nameof(panels));
            if (w.RowCount != queryTokens.Count || w.ColumnCount != keyTokens.Count)
                throw new ArgumentException(
                    $"Panel '{name}' is {w.RowCount}×{w.ColumnCount} but the labels describe {queryTokens.Count} queries × " +
                    $"{keyTokens.Count} keys; every panel needs one row per query token and one column per key token.",
                    nameof(panels));
        }

        var xs = Unique(keyTokens);
        var ys = Unique(queryTokens);
        double zmax = Math.Max(1e-12, panels.Max(p => p.Weights.Enumerate().Where(double.IsFinite).DefaultIfEmpty(0).Max()));
        bool showValues = queryTokens.Count <= 8 && keyTokens.Count <= 8;
        var layout = Theme.Layout(title, null, null);
        layout.RemoveProperty("xaxis");
        layout.RemoveProperty("yaxis");
        var traces = new Trace[panels.Count];
        for (int p = 0; p < panels.Count; p++)
        {
            var t = HeatmapTrace(panels[p].Weights, xs, ys, "weight", showValues);
            string suffix = p == 0 ? "" : (p + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            t.SetProperty("xaxis", "x" + suffix);
            t.SetProperty("yaxis", "y" + suffix);
            t.SetProperty("zmin", 0.0);
            t.SetProperty("zmax", zmax);
            t.SetProperty("colorscale", Theme.Sequential);
            t.SetProperty("showscale", p == panels.Count - 1);
            traces[p] = t;
            var y = Theme.Axis(p == 0 ? "query (attending)" : null);
            y["autorange"] = "reversed";
            layout.SetProperty("xaxis" + suffix, Theme.Axis($"{panels[p].Name}: key"));
            layout.SetProperty("yaxis" + suffix, y);
        }
        layout.SetProperty("grid", new Dictionary<string, object?>
        {
            ["rows"] = 1, ["columns"] = panels.Count, ["pattern"] = "independent", ["xgap"] = 0.12,
        });
        layout.SetProperty("width", Math.Min(1500, 140 + 300 * panels.Count));
        layout.SetProperty("height", 380);
        return Theme.Chart(layout, traces);
    }
}

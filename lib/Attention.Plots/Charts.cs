using MathNet.Numerics.LinearAlgebra;
using Plotly.NET;

namespace Attention.Plots;

/// <summary>
/// The charts every notebook shares: attention heatmaps with tokens on both axes, positional
/// encoding waves and heatmaps, similarity against distance, and plain line, scatter and bar
/// charts. Every chart has a title and axis labels; all use one light template
/// (<see cref="Theme"/>) so that rendering stays fast and the look stays the same.
/// </summary>
/// <remarks>
/// Charts are built from plotly.js trace and layout objects directly, so the property names
/// are those of the plotly.js reference. Matrices are row-major <c>[rows, columns]</c>: row i of an
/// attention matrix is query i, column j is key j.
/// </remarks>
public static partial class Charts
{
    /// <summary>
    /// Heatmap of attention weights: queries down the y axis (first token at the top), keys
    /// along the x axis, one cell per weight, with the weight printed in each cell when the
    /// matrix is small enough to read.
    /// </summary>
    /// <param name="weights">Weights <c>[queries, keys]</c>, typically each row summing to 1.</param>
    /// <param name="queryTokens">One label per row.</param>
    /// <param name="keyTokens">One label per column; defaults to <paramref name="queryTokens"/> (self-attention).</param>
    /// <param name="title">Chart title.</param>
    /// <param name="showValues">Print the weights in the cells, where they fit (small cells stay plain).</param>
    /// <exception cref="ArgumentException">The labels do not match the matrix shape.</exception>
    public static GenericChart AttentionHeatmap(Matrix<double> weights, IReadOnlyList<string> queryTokens,
        IReadOnlyList<string>? keyTokens = null, string title = "Attention weights", bool showValues = true)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(queryTokens);
        keyTokens ??= queryTokens;
        if (queryTokens.Count != weights.RowCount)
            throw new ArgumentException(
                $"The weights have {weights.RowCount} rows (queries) but {queryTokens.Count} query tokens were given; pass one label per row.",
                nameof(queryTokens));
        if (keyTokens.Count != weights.ColumnCount)
            throw new ArgumentException(
                $"The weights have {weights.ColumnCount} columns (keys) but {keyTokens.Count} key tokens were given; pass one label per column.",
                nameof(keyTokens));

        int cell = SquareCellSize(weights.RowCount, weights.ColumnCount);
        var trace = HeatmapTrace(weights, Unique(keyTokens), Unique(queryTokens), "weight",
            showValues ? ValueFontSize(cell, cell, [weights]) : null);
        trace.SetProperty("zmin", 0.0);
        trace.SetProperty("zmax", Math.Max(1e-12, weights.Enumerate().DefaultIfEmpty(0).Max()));
        trace.SetProperty("colorscale", Theme.Sequential);
        var layout = Theme.Layout(title, "key (attended to)", "query (attending)");
        CategoryAxes(layout);
        ((Dictionary<string, object?>)layout.GetPropertyValue("yaxis"))["autorange"] = "reversed";
        SquareCells(layout, weights.RowCount, weights.ColumnCount, cell, title);
        return Theme.Chart(layout, trace);
    }

    /// <summary>
    /// One attention heatmap per head, side by side, sharing one colour scale. Use it for
    /// multi-head attention, where each head learns its own pattern.
    /// </summary>
    /// <param name="heads">One weight matrix per head, all the same shape.</param>
    /// <param name="queryTokens">One label per row.</param>
    /// <param name="keyTokens">One label per column; defaults to <paramref name="queryTokens"/>.</param>
    /// <param name="title">Chart title.</param>
    /// <exception cref="ArgumentException">No heads, heads of different shapes, or labels that do not match.</exception>
    public static GenericChart HeadHeatmaps(IReadOnlyList<Matrix<double>> heads, IReadOnlyList<string> queryTokens,
        IReadOnlyList<string>? keyTokens = null, string title = "Attention weights per head")
    {
        ArgumentNullException.ThrowIfNull(heads);
        ArgumentNullException.ThrowIfNull(queryTokens);
        if (heads.Count == 0) throw new ArgumentException("Pass at least one head's weights.", nameof(heads));
        keyTokens ??= queryTokens;
        for (int h = 0; h < heads.Count; h++)
        {
            if (heads[h].RowCount != queryTokens.Count || heads[h].ColumnCount != keyTokens.Count)
                throw new ArgumentException(
                    $"Head {h} is {heads[h].RowCount}×{heads[h].ColumnCount} but the labels describe " +
                    $"{queryTokens.Count} queries × {keyTokens.Count} keys; every head needs one row per query token and one column per key token.",
                    nameof(heads));
        }
        var panels = heads.Select((w, h) => ($"head {h + 1}", w)).ToArray();
        return PanelHeatmaps(panels, queryTokens, keyTokens, title, "query",
            showValues: true, panelWidth: 260, height: 360);
    }

    /// <summary>
    /// Heatmaps side by side on one colour scale (0 … the largest finite weight unless <paramref name="zmax"/> is given),
    /// each panel on its own pair of category axes, the x axis titled "<c>name: key</c>", rows reversed so the first
    /// query is at the top. Callers check the shapes (their messages name heads, panels or sources).
    /// </summary>
    private static GenericChart PanelHeatmaps(IReadOnlyList<(string Name, Matrix<double> Weights)> panels,
        IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels, string title, string rowTitle,
        bool showValues, int panelWidth, int height, string columnTitle = "key", double? zmax = null, double? xgap = null)
    {
        var xs = Unique(columnLabels);
        var ys = Unique(rowLabels);
        double top = zmax ?? Math.Max(1e-12, panels.Max(p => p.Weights.Enumerate().Where(double.IsFinite).DefaultIfEmpty(0).Max()));
        // The numbers in the cells only where they fit: estimate a cell's size from the layout (plotly's default grid
        // gap of 0.1 between panels, the row labels' margin on the left, the colour bar on the right).
        int width = Math.Min(Theme.MaxWidth, 140 + panelWidth * panels.Count);
        double gap = xgap ?? 0.1;
        double plotWidth = width - Math.Max(70, 30 + 7 * ys.Max(y => y.ToString()!.Length)) - 30 - 90;
        double cellWidth = plotWidth * (1 - gap * (panels.Count - 1)) / panels.Count / columnLabels.Count;
        double cellHeight = (height - 150.0) / rowLabels.Count;
        int? valueFont = showValues ? ValueFontSize(cellWidth, cellHeight, panels.Select(p => p.Weights)) : null;
        var layout = Theme.Layout(title, null, null);
        layout.RemoveProperty("xaxis");
        layout.RemoveProperty("yaxis");
        var traces = new Trace[panels.Count];
        for (int p = 0; p < panels.Count; p++)
        {
            var t = HeatmapTrace(panels[p].Weights, xs, ys, "weight", valueFont);
            string suffix = p == 0 ? "" : (p + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            t.SetProperty("xaxis", "x" + suffix);
            t.SetProperty("yaxis", "y" + suffix);
            t.SetProperty("zmin", 0.0);
            t.SetProperty("zmax", top);
            t.SetProperty("colorscale", Theme.Sequential);
            t.SetProperty("showscale", p == panels.Count - 1);
            traces[p] = t;
            var y = Theme.CategoryAxis(p == 0 ? rowTitle : null);
            y["autorange"] = "reversed";
            // Every panel has the same rows: label them once, on the left, where they cannot run into the panel before.
            if (p > 0) y["showticklabels"] = false;
            layout.SetProperty("xaxis" + suffix, Theme.CategoryAxis($"{panels[p].Name}: {columnTitle}"));
            layout.SetProperty("yaxis" + suffix, y);
        }
        var grid = new Dictionary<string, object?> { ["rows"] = 1, ["columns"] = panels.Count, ["pattern"] = "independent" };
        if (xgap is not null) grid["xgap"] = gap;
        layout.SetProperty("grid", grid);
        // At most about a notebook column wide (1000 px): more panels get narrower rather than a horizontal scroll bar.
        layout.SetProperty("width", width);
        layout.SetProperty("height", height);
        return Theme.Chart(layout, traces);
    }

    /// <summary>
    /// Positional encoding waves: the chosen dimensions (columns) of an encoding table plotted
    /// against position, one line per dimension.
    /// </summary>
    /// <param name="table">Encoding <c>[positions, dimensions]</c>.</param>
    /// <param name="dimensions">Which columns to draw.</param>
    /// <param name="title">Chart title.</param>
    /// <exception cref="ArgumentException">A dimension outside the table.</exception>
    public static GenericChart EncodingWaves(Matrix<double> table, IReadOnlyList<int> dimensions,
        string title = "Positional encoding: value against position")
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(dimensions);
        foreach (var d in dimensions)
        {
            if (d < 0 || d >= table.ColumnCount)
                throw new ArgumentException(
                    $"Dimension {d} is outside the table, which has {table.ColumnCount} dimensions (0..{table.ColumnCount - 1}).",
                    nameof(dimensions));
        }
        var positions = Enumerable.Range(0, table.RowCount).Select(p => (double)p).ToArray();
        var series = dimensions.Select(d => ($"dim {d}", table.Column(d).ToArray())).ToArray();
        return Lines(positions, series, title, "position", "encoding value");
    }

    /// <summary>
    /// An encoding table as a heatmap: position down the y axis, dimension along the x axis,
    /// on a diverging colour scale centred on 0.
    /// </summary>
    /// <param name="table">Encoding <c>[positions, dimensions]</c>.</param>
    /// <param name="title">Chart title.</param>
    public static GenericChart EncodingHeatmap(Matrix<double> table, string title = "Positional encoding table")
    {
        ArgumentNullException.ThrowIfNull(table);
        var xs = Enumerable.Range(0, table.ColumnCount).Select(i => (object)i).ToArray();
        var ys = Enumerable.Range(0, table.RowCount).Select(i => (object)i).ToArray();
        var trace = HeatmapTrace(table, xs, ys, "value", null);
        double absMax = Math.Max(1e-12, table.Enumerate().Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max());
        trace.SetProperty("zmin", -absMax);
        trace.SetProperty("zmax", absMax);
        trace.SetProperty("zmid", 0.0);
        trace.SetProperty("colorscale", "RdBu");
        var layout = Theme.Layout(title, "dimension", "position");
        ((Dictionary<string, object?>)layout.GetPropertyValue("yaxis"))["autorange"] = "reversed";
        return Theme.Chart(layout, trace);
    }

    /// <summary>
    /// Similarity against distance: one line per encoding, x = distance between two positions,
    /// y = the similarity measure the caller computed (for example the dot product or cosine of
    /// two encodings that far apart).
    /// </summary>
    /// <param name="distances">The distances (x values).</param>
    /// <param name="series">Named y series, each as long as <paramref name="distances"/>.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="yLabel">What the similarity is (for the y axis).</param>
    public static GenericChart SimilarityVsDistance(IReadOnlyList<double> distances,
        IReadOnlyList<(string Name, double[] Values)> series,
        string title = "Similarity against distance", string yLabel = "similarity")
        => Lines(distances, series, title, "distance between positions", yLabel);

    /// <summary>A line chart: one line per named series against shared x values.</summary>
    /// <exception cref="ArgumentException">A series whose length differs from <paramref name="x"/>.</exception>
    public static GenericChart Lines(IReadOnlyList<double> x, IReadOnlyList<(string Name, double[] Values)> series,
        string title, string xLabel, string yLabel, bool markers = false, bool logX = false, bool logY = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(series);
        var traces = series.Select(s =>
        {
            if (s.Values.Length != x.Count)
                throw new ArgumentException(
                    $"Series '{s.Name}' has {s.Values.Length} values but there are {x.Count} x values; give one y per x.",
                    nameof(series));
            return LineTrace(x, s.Values, s.Name, markers ? "lines+markers" : "lines");
        }).ToArray();
        var layout = Theme.Layout(title, xLabel, yLabel);
        if (logX) ((Dictionary<string, object?>)layout.GetPropertyValue("xaxis"))["type"] = "log";
        if (logY) ((Dictionary<string, object?>)layout.GetPropertyValue("yaxis"))["type"] = "log";
        return Theme.Chart(layout, traces);
    }

    /// <summary>
    /// Measured points with an optional fitted curve drawn through them, e.g. time against
    /// sequence length with a quadratic fit.
    /// </summary>
    /// <param name="x">x of each measurement.</param>
    /// <param name="y">y of each measurement.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="xLabel">x axis label.</param>
    /// <param name="yLabel">y axis label.</param>
    /// <param name="pointsName">Legend entry for the points.</param>
    /// <param name="fit">Optional fitted function drawn over the x range.</param>
    /// <param name="fitName">Legend entry for the fitted curve.</param>
    public static GenericChart PointsWithFit(IReadOnlyList<double> x, IReadOnlyList<double> y, string title,
        string xLabel, string yLabel, string pointsName = "measured", Func<double, double>? fit = null,
        string fitName = "fit")
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
            throw new ArgumentException($"There are {x.Count} x values but {y.Count} y values; give one y per x.", nameof(y));
        var traces = new List<Trace> { LineTrace(x, y.ToArray(), pointsName, "markers") };
        if (fit is not null && x.Count > 0)
        {
            double lo = x.Min(), hi = x.Max();
            var fx = Enumerable.Range(0, 101).Select(i => lo + (hi - lo) * i / 100.0).ToArray();
            traces.Add(LineTrace(fx, fx.Select(fit).ToArray(), fitName, "lines"));
        }
        return Theme.Chart(Theme.Layout(title, xLabel, yLabel), traces.ToArray());
    }

    /// <summary>A bar chart of labelled values, e.g. attention weights of one query.</summary>
    public static GenericChart Bars(IReadOnlyList<string> labels, IReadOnlyList<double> values, string title,
        string xLabel, string yLabel)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(values);
        if (labels.Count != values.Count)
            throw new ArgumentException($"There are {labels.Count} labels but {values.Count} values; give one value per label.", nameof(values));
        var trace = new Trace2D("bar");
        trace.SetProperty("x", Unique(labels));
        trace.SetProperty("y", values.ToArray());
        trace.SetProperty("marker", new Dictionary<string, object?> { ["color"] = Theme.Palette[0] });
        var layout = Theme.Layout(title, xLabel, yLabel);
        ((Dictionary<string, object?>)layout.GetPropertyValue("xaxis"))["type"] = "category";
        return Theme.Chart(layout, trace);
    }

    /// <summary>A heatmap of any matrix with numeric or text labels (row i at the top).</summary>
    public static GenericChart Heatmap(Matrix<double> values, IReadOnlyList<string> rowLabels,
        IReadOnlyList<string> columnLabels, string title, string xLabel, string yLabel, string colorTitle = "value",
        bool diverging = false)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (rowLabels.Count != values.RowCount || columnLabels.Count != values.ColumnCount)
            throw new ArgumentException(
                $"The matrix is {values.RowCount}×{values.ColumnCount} but {rowLabels.Count} row labels and {columnLabels.Count} column labels were given.",
                nameof(values));
        // No width is set, so the chart takes plotly's default (700 px, or its container's width): about 500 px of cells.
        var trace = HeatmapTrace(values, Unique(columnLabels), Unique(rowLabels), colorTitle,
            ValueFontSize(500.0 / values.ColumnCount, 300.0 / values.RowCount, [values]));
        if (diverging)
        {
            double absMax = Math.Max(1e-12, values.Enumerate().Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max());
            trace.SetProperty("zmin", -absMax);
            trace.SetProperty("zmax", absMax);
            trace.SetProperty("colorscale", "RdBu");
        }
        else
        {
            trace.SetProperty("colorscale", Theme.Sequential);
        }
        var layout = Theme.Layout(title, xLabel, yLabel);
        CategoryAxes(layout);
        ((Dictionary<string, object?>)layout.GetPropertyValue("yaxis"))["autorange"] = "reversed";
        return Theme.Chart(layout, trace);
    }

    private static Trace HeatmapTrace(Matrix<double> z, object[] x, object[] y, string colorTitle, int? valueFont)
    {
        var rows = new double?[z.RowCount][];
        for (int i = 0; i < z.RowCount; i++)
        {
            rows[i] = new double?[z.ColumnCount];
            for (int j = 0; j < z.ColumnCount; j++)
            {
                double v = z[i, j];
                rows[i][j] = double.IsFinite(v) ? v : null; // JSON has no NaN; plotly draws null as a gap
            }
        }
        var trace = new Trace2D("heatmap");
        trace.SetProperty("z", rows);
        trace.SetProperty("x", x);
        trace.SetProperty("y", y);
        trace.SetProperty("colorbar", new Dictionary<string, object?> { ["title"] = new Dictionary<string, object?> { ["text"] = colorTitle } });
        trace.SetProperty("hovertemplate", "x: %{x}<br>y: %{y}<br>" + colorTitle + ": %{z:.4f}<extra></extra>");
        if (valueFont is int size)
        {
            trace.SetProperty("texttemplate", "%{z:.2f}");
            trace.SetProperty("textfont", new Dictionary<string, object?> { ["size"] = size });
        }
        return trace;
    }

    private static Trace LineTrace(IReadOnlyList<double> x, double[] y, string name, string mode)
    {
        var trace = new Trace2D("scatter");
        trace.SetProperty("x", x.ToArray());
        trace.SetProperty("y", y.Select(v => double.IsFinite(v) ? v : (double?)null).ToArray());
        trace.SetProperty("name", name);
        trace.SetProperty("mode", mode);
        return trace;
    }

    /// <summary>
    /// Labels are labels: without this, plotly reads all-digit labels ("2", "0", "2", "6") as numbers and
    /// draws a number line instead of one cell per token.
    /// </summary>
    private static void CategoryAxes(Layout layout)
    {
        ((Dictionary<string, object?>)layout.GetPropertyValue("xaxis"))["type"] = "category";
        ((Dictionary<string, object?>)layout.GetPropertyValue("yaxis"))["type"] = "category";
    }

    /// <summary>
    /// The font size (px) for the numbers printed in heatmap cells of about <paramref name="cellWidth"/> ×
    /// <paramref name="cellHeight"/> px, at most 11, or null when even 8 px would not fit: plotly's default font draws a
    /// digit about 0.6 em wide, and 4 px of the cell stay free so neighbouring numbers never run together.
    /// </summary>
    internal static int? ValueFontSize(double cellWidth, double cellHeight, IEnumerable<Matrix<double>> values)
    {
        int chars = values.SelectMany(m => m.Enumerate()).Where(double.IsFinite)
            .Select(v => v.ToString("F2", System.Globalization.CultureInfo.InvariantCulture).Length).DefaultIfEmpty(4).Max();
        double fits = Math.Min((cellWidth - 4) / (0.6 * chars), cellHeight - 4);
        return fits >= 8 ? (int)Math.Min(11, Math.Floor(fits)) : null;
    }

    private static int SquareCellSize(int rows, int cols) => Math.Clamp(480 / Math.Max(rows, cols), 12, 56);

    private static void SquareCells(Layout layout, int rows, int cols, int cell, string title)
    {
        // Wide enough for the title (about 10 px a character at plotly's 17 px) and the toolbar to its right (about 200 px).
        layout.SetProperty("width", Math.Max(Math.Max(360, 160 + cell * cols), 230 + 10 * title.Length));
        layout.SetProperty("height", Math.Max(300, 140 + cell * rows));
    }

    /// <summary>
    /// Heatmap categories must be distinct or plotly merges them: a repeated token ("the" … "the") gets invisible
    /// zero-width spaces appended (U+200B, one more for each repeat), so every row and column keeps its own cell and the
    /// axis still reads "the" twice, as the sentence does.
    /// </summary>
    internal const char InvisibleSuffix = '\u200B';

    internal static object[] Unique(IReadOnlyList<string> labels)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        var result = new object[labels.Count];
        for (int i = 0; i < labels.Count; i++)
        {
            string label = labels[i] ?? "";
            while (!used.Add(label)) label += InvisibleSuffix;
            result[i] = label;
        }
        return result;
    }
}

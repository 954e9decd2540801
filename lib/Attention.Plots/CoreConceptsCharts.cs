using MathNet.Numerics.LinearAlgebra;
using Plotly.NET;

namespace Attention.Plots;

public static partial class Charts
{
    /// <summary>
    /// Attention's output as a weighted average, drawn in the plane: each value vector (2-d) is a labelled point
    /// whose size grows with its attention weight, and the output is a star inside their cloud, pulled towards the
    /// heavy points. Dotted lines join the output to each value, darker for larger weights.
    /// </summary>
    /// <param name="values">The value vectors <c>[n, 2]</c>, one row per token.</param>
    /// <param name="tokens">One label per value.</param>
    /// <param name="weights">One weight per value (typically summing to 1).</param>
    /// <param name="output">The weighted average, length 2.</param>
    /// <param name="title">Chart title.</param>
    /// <exception cref="ArgumentException">The values are not 2-d, or the labels, weights or output do not match them.</exception>
    public static GenericChart WeightedAverage2D(Matrix<double> values, IReadOnlyList<string> tokens,
        IReadOnlyList<double> weights, IReadOnlyList<double> output, string title = "The output is a weighted average of the values")
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(output);
        if (values.ColumnCount != 2)
            throw new ArgumentException($"The values are {values.RowCount}×{values.ColumnCount}; this chart draws 2-d values ([n, 2]).", nameof(values));
        if (tokens.Count != values.RowCount || weights.Count != values.RowCount)
            throw new ArgumentException(
                $"The values have {values.RowCount} rows but {tokens.Count} tokens and {weights.Count} weights were given; give one of each per row.",
                nameof(weights));
        if (output.Count != 2)
            throw new ArgumentException($"The output has {output.Count} entries; it must be 2-d like the values.", nameof(output));

        double wmax = Math.Max(1e-12, weights.Max());
        var traces = new List<Trace>();
        for (int j = 0; j < values.RowCount; j++)
        {
            var link = new Trace2D("scatter");
            link.SetProperty("x", new[] { output[0], values[j, 0] });
            link.SetProperty("y", new[] { output[1], values[j, 1] });
            link.SetProperty("mode", "lines");
            link.SetProperty("showlegend", false);
            link.SetProperty("hoverinfo", "skip");
            link.SetProperty("line", new Dictionary<string, object?>
            {
                ["dash"] = "dot", ["width"] = 1.5, ["color"] = $"rgba(0,114,178,{0.15 + 0.85 * weights[j] / wmax:F3})",
            });
            traces.Add(link);
        }

        var points = new Trace2D("scatter");
        points.SetProperty("x", values.Column(0).ToArray());
        points.SetProperty("y", values.Column(1).ToArray());
        points.SetProperty("mode", "markers+text");
        points.SetProperty("name", "values (size = weight)");
        points.SetProperty("text", tokens.Select((t, j) => $"{t} ({weights[j]:F2})").ToArray());
        points.SetProperty("textposition", "top center");
        points.SetProperty("marker", new Dictionary<string, object?>
        {
            ["size"] = weights.Select(w => 10 + 30 * w / wmax).ToArray(), ["color"] = Theme.Palette[0], ["opacity"] = 0.75,
        });
        traces.Add(points);

        var star = new Trace2D("scatter");
        star.SetProperty("x", new[] { output[0] });
        star.SetProperty("y", new[] { output[1] });
        star.SetProperty("mode", "markers+text");
        star.SetProperty("name", "output = Σ weight · value");
        star.SetProperty("text", new[] { "output" });
        star.SetProperty("textposition", "bottom center");
        star.SetProperty("marker", new Dictionary<string, object?> { ["size"] = 18, ["symbol"] = "star", ["color"] = Theme.Palette[3] });
        traces.Add(star);

        var layout = Theme.Layout(title, "value feature 1", "value feature 2");
        ((Dictionary<string, object?>)layout.GetPropertyValue("xaxis"))["range"] = PaddedRange(values.Column(0).Append(output[0]));
        ((Dictionary<string, object?>)layout.GetPropertyValue("yaxis"))["range"] = PaddedRange(values.Column(1).Append(output[1]));
        layout.SetProperty("legend", new Dictionary<string, object?> { ["orientation"] = "h", ["x"] = 0.0, ["y"] = -0.22 });
        layout.SetProperty("width", 620);
        layout.SetProperty("height", 520);
        return Theme.Chart(layout, traces.ToArray());
    }

    /// <summary>
    /// Data points and curves over their own x grid on one chart, e.g. noisy training pairs (x_j, y_j) with the true
    /// function and the predictions of attention pooling drawn as lines through the query points.
    /// </summary>
    /// <param name="xData">x of each data point.</param>
    /// <param name="yData">y of each data point.</param>
    /// <param name="dataName">Legend entry for the points.</param>
    /// <param name="x">The shared x values of the curves.</param>
    /// <param name="curves">Named curves, each with one y per <paramref name="x"/>.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="xLabel">x axis label.</param>
    /// <param name="yLabel">y axis label.</param>
    /// <exception cref="ArgumentException">The points' x and y differ in length, or a curve's length differs from
    /// <paramref name="x"/>.</exception>
    public static GenericChart PointsAndCurves(IReadOnlyList<double> xData, IReadOnlyList<double> yData,
        string dataName, IReadOnlyList<double> x, IReadOnlyList<(string Name, double[] Values)> curves,
        string title, string xLabel, string yLabel)
    {
        ArgumentNullException.ThrowIfNull(xData);
        ArgumentNullException.ThrowIfNull(yData);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(curves);
        if (xData.Count != yData.Count)
            throw new ArgumentException(
                $"There are {xData.Count} x values but {yData.Count} y values for the points; give one y per x.", nameof(yData));
        var traces = new List<Trace>();
        var points = LineTrace(xData, yData.ToArray(), dataName, "markers");
        points.SetProperty("marker", new Dictionary<string, object?> { ["size"] = 6, ["color"] = "#888888" });
        traces.Add(points);
        foreach (var (name, values) in curves)
        {
            if (values.Length != x.Count)
                throw new ArgumentException(
                    $"Curve '{name}' has {values.Length} values but there are {x.Count} x values; give one y per x.", nameof(curves));
            traces.Add(LineTrace(x, values, name, "lines"));
        }
        var layout = Theme.Layout(title, xLabel, yLabel);
        layout.SetProperty("width", 900);
        layout.SetProperty("height", 480);
        return Theme.Chart(layout, traces.ToArray());
    }

    /// <summary>The data range with a margin on both sides, so that text labels next to the points are not cut off.</summary>
    private static double[] PaddedRange(IEnumerable<double> data)
    {
        var finite = data.Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        double lo = finite.Min(), hi = finite.Max(), pad = 0.2 * Math.Max(hi - lo, 1e-9) + 0.3;
        return [lo - pad, hi + pad];
    }
}

using MathNet.Numerics.LinearAlgebra;
using Plotly.NET;

namespace Attention.Plots;

public static partial class Charts
{
    /// <summary>
    /// A trained model's attention beside the alignment a perfect model would use, as two heatmaps on one colour scale:
    /// output tokens down the y axis, source tokens along the x axes (both as categories, so digit tokens stay tokens). Rows of
    /// the expected panel that are all zero are outputs that need no particular source token.
    /// </summary>
    /// <param name="learned">The model's attention weights <c>[outputs, sources]</c>.</param>
    /// <param name="expected">The expected alignment, same shape (1 where an output should look).</param>
    /// <param name="outputTokens">One label per output (row).</param>
    /// <param name="sourceTokens">One label per source token (column).</param>
    /// <param name="title">Chart title.</param>
    /// <exception cref="ArgumentException">The matrices differ in shape or the labels do not match them.</exception>
    public static GenericChart LearnedVersusExpected(Matrix<double> learned, Matrix<double> expected,
        IReadOnlyList<string> outputTokens, IReadOnlyList<string> sourceTokens, string title = "Learned attention and expected alignment")
    {
        ArgumentNullException.ThrowIfNull(learned);
        ArgumentNullException.ThrowIfNull(expected);
        if (learned.RowCount != expected.RowCount || learned.ColumnCount != expected.ColumnCount)
            throw new ArgumentException(
                $"The learned weights are {learned.RowCount}×{learned.ColumnCount} but the expected alignment is {expected.RowCount}×{expected.ColumnCount}; both are [outputs, sources].",
                nameof(expected));
        ArgumentNullException.ThrowIfNull(outputTokens);
        ArgumentNullException.ThrowIfNull(sourceTokens);
        if (outputTokens.Count != learned.RowCount || sourceTokens.Count != learned.ColumnCount)
            throw new ArgumentException(
                $"The weights are {learned.RowCount}×{learned.ColumnCount} but {outputTokens.Count} output and {sourceTokens.Count} source tokens were given; pass one label per row and per column.",
                nameof(outputTokens));
        return PanelHeatmaps([("learned attention", learned), ("expected alignment", expected)], outputTokens, sourceTokens,
            title, "output", showValues: true, panelWidth: 340,
            height: Math.Max(360, 160 + 34 * learned.RowCount), columnTitle: "source token", zmax: 1.0, xgap: 0.12);
    }

    /// <summary>
    /// Training-loss curves on a logarithmic y axis (powers of ten written as 10⁻³, not as SI prefixes), one line per run.
    /// </summary>
    /// <param name="steps">The x values (training steps), shared by every run.</param>
    /// <param name="series">Named loss values, each as long as <paramref name="steps"/>.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="yLabel">y axis label (what the loss is).</param>
    /// <exception cref="ArgumentException">A series whose length differs from <paramref name="steps"/>.</exception>
    public static GenericChart LossCurves(IReadOnlyList<double> steps, IReadOnlyList<(string Name, double[] Values)> series,
        string title, string yLabel = "loss")
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(series);
        var traces = series.Select(s =>
        {
            if (s.Values.Length != steps.Count)
                throw new ArgumentException($"Series '{s.Name}' has {s.Values.Length} values but there are {steps.Count} steps; give one loss per step.", nameof(series));
            return LineTrace(steps, s.Values, s.Name, "lines");
        }).ToArray();
        var layout = Theme.Layout(title, "training step", yLabel);
        var y = (Dictionary<string, object?>)layout.GetPropertyValue("yaxis");
        y["type"] = "log";
        y["exponentformat"] = "power";
        return Theme.Chart(layout, traces);
    }

    /// <summary>
    /// Lines through the mean of several runs (for example several seeds), with a bar from the lowest to the highest run at
    /// each point, so the spread between runs is visible. The x axis has its ticks at the measured x values.
    /// </summary>
    /// <param name="x">The x values.</param>
    /// <param name="series">Named series: the mean, the lowest and the highest value at each x.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="xLabel">x axis label.</param>
    /// <param name="yLabel">y axis label.</param>
    /// <exception cref="ArgumentException">A series whose arrays differ in length from <paramref name="x"/>.</exception>
    public static GenericChart MeanWithRange(IReadOnlyList<double> x,
        IReadOnlyList<(string Name, double[] Mean, double[] Low, double[] High)> series, string title, string xLabel, string yLabel)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(series);
        var traces = series.Select(s =>
        {
            if (s.Mean.Length != x.Count || s.Low.Length != x.Count || s.High.Length != x.Count)
                throw new ArgumentException(
                    $"Series '{s.Name}' has {s.Mean.Length} means, {s.Low.Length} lows and {s.High.Length} highs but there are {x.Count} x values; give one of each per x.",
                    nameof(series));
            var trace = LineTrace(x, s.Mean, s.Name, "lines+markers");
            trace.SetProperty("error_y", new Dictionary<string, object?>
            {
                ["type"] = "data",
                ["symmetric"] = false,
                ["array"] = s.High.Zip(s.Mean, (h, m) => h - m).ToArray(),
                ["arrayminus"] = s.Mean.Zip(s.Low, (m, l) => m - l).ToArray(),
                ["thickness"] = 1.5,
                ["width"] = 4,
            });
            return trace;
        }).ToArray();
        var layout = Theme.Layout(title, xLabel, yLabel);
        ((Dictionary<string, object?>)layout.GetPropertyValue("xaxis"))["tickvals"] = x.ToArray(); // ticks where the measurements are
        return Theme.Chart(layout, traces);
    }
}

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

        return PanelHeatmaps(panels, queryTokens, keyTokens, title, "query (attending)",
            showValues: true, panelWidth: 300, height: 380, xgap: 0.12);
    }
}

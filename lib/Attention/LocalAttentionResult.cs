using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>The result of <see cref="LocalAttention"/>: the outputs and the banded weights.</summary>
/// <param name="Output">One row per query, <c>[n, d_v]</c>.</param>
/// <param name="Band">The weights as a band <c>[n, width]</c>: entry <c>(i, t)</c> is the weight of key
/// <c>i − Window + t</c>; entries for keys outside the sequence are 0.</param>
/// <param name="Window">The window used (the requested one, clamped to <c>n − 1</c>).</param>
/// <param name="Causal">Whether keys after the query were excluded.</param>
public sealed record LocalAttentionResult(Matrix<double> Output, Matrix<double> Band, int Window, bool Causal)
{
    /// <summary>The weights as a full <c>[n, n]</c> matrix (zeros outside the window), e.g. to compare with
    /// masked full attention or to draw a heatmap. This allocates <c>n²</c> values: for inspection, not for speed.</summary>
    /// <returns>The dense weights.</returns>
    public Matrix<double> DenseWeights()
    {
        int n = Band.RowCount;
        var dense = Matrix<double>.Build.Dense(n, n);
        for (int i = 0; i < n; i++)
            for (int t = 0; t < Band.ColumnCount; t++)
            {
                int j = i - Window + t;
                if (j >= 0 && j < n) dense[i, j] = Band[i, t];
            }
        return dense;
    }
}

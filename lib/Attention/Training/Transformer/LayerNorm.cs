using System.Numerics.Tensors;

namespace Attention.Training;

/// <summary>
/// Layer normalisation (层归一化, Ba et al. 2016): each token's features are shifted to mean 0 and scaled to variance 1,
/// then multiplied by a learned gain and shifted by a learned bias: <c>y = g ⊙ (x − μ) / √(σ² + ε) + b</c>, with
/// <c>μ</c> and the biased variance <c>σ²</c> taken over the d features of the row.
/// </summary>
/// <remarks>
/// Backward, for one row with <c>x̂ = (x − μ)/σ̃</c>, <c>σ̃ = √(σ² + ε)</c> and <c>ĝ = dy ⊙ g</c>:
/// <c>dx = (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)) / σ̃</c>; <c>∂loss/∂g += Σ_rows dy ⊙ x̂</c>, <c>∂loss/∂b += Σ_rows dy</c>.
/// </remarks>
public sealed class LayerNorm
{
    private RowMatrix? _normalised;
    private double[]? _inverseStd;

    /// <summary>Creates the layer with gain 1 and bias 0.</summary>
    /// <param name="name">Prefix of the parameter names (<c>name.gain</c>, <c>name.bias</c>).</param>
    /// <param name="dModel">Features per row.</param>
    /// <param name="epsilon">Added to the variance (&gt; 0).</param>
    public LayerNorm(string name, int dModel, double epsilon = 1e-5)
    {
        Check.NotNull(name, nameof(name));
        Check.Positive(dModel, nameof(dModel));
        if (!(epsilon > 0) || double.IsInfinity(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be a finite number greater than 0 (1e-5 is usual).");
        Epsilon = epsilon;
        var ones = new RowMatrix(1, dModel);
        Array.Fill(ones.Data, 1.0);
        Gain = new Parameter($"{name}.gain", ones);
        Bias = new Parameter($"{name}.bias", new RowMatrix(1, dModel));
        Parameters = [Gain, Bias];
    }

    /// <summary>The learned gain <c>[1, d]</c>.</summary>
    public Parameter Gain { get; }

    /// <summary>The learned bias <c>[1, d]</c>.</summary>
    public Parameter Bias { get; }

    /// <summary>Gain and bias.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public double Epsilon { get; }

    /// <summary>Features per row.</summary>
    public int DModel => Gain.Value.Cols;

    /// <summary>Normalises every row of <paramref name="x"/>; remembers what the backward pass needs.</summary>
    /// <param name="x">Rows <c>[n, d]</c>.</param>
    /// <returns><c>[n, d]</c>.</returns>
    public RowMatrix Forward(RowMatrix x)
    {
        Check.NotNull(x, nameof(x));
        if (x.Cols != DModel) throw new ArgumentException($"The input is {x.Shape} but this LayerNorm has d = {DModel} features.", nameof(x));
        var normalised = new RowMatrix(x.Rows, x.Cols);
        var inverseStd = new double[x.Rows];
        var y = new RowMatrix(x.Rows, x.Cols);
        for (int r = 0; r < x.Rows; r++)
        {
            var row = x.Row(r);
            double mean = TensorPrimitives.Sum((ReadOnlySpan<double>)row) / row.Length;
            var xhat = normalised.Row(r);
            TensorPrimitives.Subtract(row, mean, xhat);
            double variance = TensorPrimitives.SumOfSquares((ReadOnlySpan<double>)xhat) / row.Length;
            double inv = 1.0 / Math.Sqrt(variance + Epsilon);
            TensorPrimitives.Multiply(xhat, inv, xhat);
            inverseStd[r] = inv;
            var yr = y.Row(r);
            TensorPrimitives.FusedMultiplyAdd(xhat, Gain.Value.Data, Bias.Value.Data, yr);
        }
        _normalised = normalised;
        _inverseStd = inverseStd;
        return y;
    }

    /// <summary>Adds to the gain's and bias's gradients and returns <c>∂loss/∂x</c>.</summary>
    /// <param name="dy"><c>∂loss/∂y</c>, <c>[n, d]</c>.</param>
    /// <returns><c>[n, d]</c>.</returns>
    public RowMatrix Backward(RowMatrix dy)
    {
        var xhatAll = _normalised ?? throw new InvalidOperationException(Sublayer.BackPropagatedOnce);
        Check.NotNull(dy, nameof(dy));
        if (dy.Rows != xhatAll.Rows || dy.Cols != xhatAll.Cols)
            throw new ArgumentException($"The gradient is {dy.Shape} but the output was {xhatAll.Shape}.", nameof(dy));
        int d = DModel;
        var dx = new RowMatrix(dy.Rows, d);
        var gHat = new double[d];
        for (int r = 0; r < dy.Rows; r++)
        {
            var g = dy.Row(r);
            var xhat = xhatAll.Row(r);
            for (int c = 0; c < d; c++)
            {
                Gain.Gradient.Data[c] += g[c] * xhat[c];
                Bias.Gradient.Data[c] += g[c];
            }
            TensorPrimitives.Multiply(g, Gain.Value.Data, gHat);
            double meanG = TensorPrimitives.Sum(gHat) / d;
            double meanGX = TensorPrimitives.Dot(gHat, (ReadOnlySpan<double>)xhat) / d;
            double inv = _inverseStd![r];
            var dxr = dx.Row(r);
            for (int c = 0; c < d; c++) dxr[c] = (gHat[c] - meanG - xhat[c] * meanGX) * inv;
        }
        _normalised = null; // released with the step, as batch attention's activations
        _inverseStd = null;
        return dx;
    }
}

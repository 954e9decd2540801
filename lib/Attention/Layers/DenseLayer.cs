using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>What a <see cref="DenseLayer"/> applies after its affine map.</summary>
public enum DenseActivation
{
    /// <summary>No activation: the layer is <c>X·W + b</c>.</summary>
    None,

    /// <summary>Rectified linear unit, <c>max(0, x)</c> entry by entry.</summary>
    Relu,
}

/// <summary>
/// A fully connected (dense, 全连接) layer applied to every token on its own:
/// <c>Y = act(X·W + b)</c>, with <c>X [tokens, inputs]</c>, <c>W [inputs, outputs]</c>, the bias <c>b</c>
/// added to every row, and <c>Y [tokens, outputs]</c>. It is what Keras calls <c>Dense</c> and PyTorch
/// <c>Linear</c> (PyTorch stores the transpose of <c>W</c>).
/// </summary>
/// <remarks>Tokens do not interact inside a dense layer: row i of the output depends on row i of the input only.</remarks>
public sealed class DenseLayer
{
    /// <summary>Creates a layer from its weights and bias.</summary>
    /// <param name="weights">The weights <c>[inputs, outputs]</c>, applied as <c>X·W</c>.</param>
    /// <param name="bias">The bias, one entry per output column.</param>
    /// <param name="activation">What to apply after the affine map.</param>
    /// <exception cref="ArgumentException">The bias length differs from the number of output columns, or the weights are empty.</exception>
    public DenseLayer(Matrix<double> weights, Vector<double> bias, DenseActivation activation = DenseActivation.None)
    {
        Check.NotNull(weights, nameof(weights));
        Check.NotNull(bias, nameof(bias));
        if (weights.RowCount == 0 || weights.ColumnCount == 0)
            throw new ArgumentException($"The weights are {Check.Shape(weights)}: a dense layer needs at least one input and one output.", nameof(weights));
        if (bias.Count != weights.ColumnCount)
            throw new ArgumentException(
                $"The weights are {Check.Shape(weights)} ([inputs, outputs]) but the bias has {bias.Count} entries: it needs one per output ({weights.ColumnCount}).",
                nameof(bias));
        if (!Enum.IsDefined(activation))
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        Weights = weights.Clone();
        Bias = bias.Clone();
        Activation = activation;
    }

    /// <summary>
    /// A layer with Xavier/Glorot-normal weights drawn from <paramref name="seed"/> (see <see cref="Init.Glorot"/>)
    /// and a zero bias, the usual starting point of a dense layer.
    /// </summary>
    /// <param name="inputs">Input width.</param>
    /// <param name="outputs">Output width.</param>
    /// <param name="seed">Seed for the weights.</param>
    /// <param name="activation">What to apply after the affine map.</param>
    /// <returns>The layer.</returns>
    public static DenseLayer Random(int inputs, int outputs, int seed, DenseActivation activation = DenseActivation.None) =>
        new(Init.Glorot(inputs, outputs, seed), Vector<double>.Build.Dense(outputs), activation);

    /// <summary>The weights <c>[inputs, outputs]</c> (a copy of what was passed in).</summary>
    public Matrix<double> Weights { get; }

    /// <summary>The bias, one entry per output.</summary>
    public Vector<double> Bias { get; }

    /// <summary>The activation applied after the affine map.</summary>
    public DenseActivation Activation { get; }

    /// <summary>Input width (rows of <see cref="Weights"/>).</summary>
    public int Inputs => Weights.RowCount;

    /// <summary>Output width (columns of <see cref="Weights"/>).</summary>
    public int Outputs => Weights.ColumnCount;

    /// <summary>Applies the layer to every token: <c>act(X·W + b)</c>.</summary>
    /// <param name="x">Tokens <c>[tokens, inputs]</c>.</param>
    /// <returns>Tokens <c>[tokens, outputs]</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not have <see cref="Inputs"/> columns.</exception>
    public Matrix<double> Forward(Matrix<double> x)
    {
        Check.NotNull(x, nameof(x));
        if (x.ColumnCount != Inputs)
            throw new ArgumentException(
                $"The input is {Check.Shape(x)} but the weights are {Check.Shape(Weights)} ([inputs, outputs]): the input needs {Inputs} columns.",
                nameof(x));
        var y = x * Weights;
        for (int r = 0; r < y.RowCount; r++)
            for (int c = 0; c < y.ColumnCount; c++)
            {
                double v = y[r, c] + Bias[c];
                y[r, c] = Activation == DenseActivation.Relu ? Relu(v) : v;
            }
        return y;
    }

    /// <summary>The rectified linear unit <c>max(0, x)</c> applied to every entry (NaN stays NaN).</summary>
    /// <param name="x">Any matrix.</param>
    /// <returns>A new matrix of the same shape.</returns>
    public static Matrix<double> Relu(Matrix<double> x)
    {
        Check.NotNull(x, nameof(x));
        return x.Map(Relu);
    }

    private static double Relu(double v) => v > 0 || double.IsNaN(v) ? v : 0.0;
}

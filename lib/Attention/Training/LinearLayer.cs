namespace Attention.Training;

/// <summary>
/// A trainable fully connected layer <c>Y = X·W + b</c> (the same map as <see cref="DenseLayer"/> with no
/// activation): <c>X [tokens, inputs]</c>, <c>W [inputs, outputs]</c>, <c>b</c> added to every row.
/// </summary>
/// <remarks>
/// Backward, for <c>dY = ∂loss/∂Y</c>: <c>∂loss/∂W += Xᵀ·dY</c>, <c>∂loss/∂b += Σ_rows dY</c>, <c>∂loss/∂X = dY·Wᵀ</c>.
/// </remarks>
public sealed class LinearLayer
{
    private RowMatrix? _input;

    /// <summary>A layer with Xavier/Glorot-normal weights (<see cref="Init.Glorot"/>) and a zero bias.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="inputs">Input width.</param>
    /// <param name="outputs">Output width.</param>
    /// <param name="seed">Seed for the weights.</param>
    /// <param name="bias">Whether the layer has a bias.</param>
    public LinearLayer(string name, int inputs, int outputs, int seed, bool bias = true)
    {
        Check.Positive(inputs, nameof(inputs));
        Check.Positive(outputs, nameof(outputs));
        Weight = new Parameter($"{name}.W", RowMatrix.From(Init.Glorot(inputs, outputs, seed)));
        Bias = bias ? new Parameter($"{name}.b", new RowMatrix(1, outputs)) : null;
        Parameters = Bias is null ? [Weight] : [Weight, Bias];
    }

    /// <summary>The weights <c>[inputs, outputs]</c>.</summary>
    public Parameter Weight { get; }

    /// <summary>The bias <c>[1, outputs]</c>, or null for a layer without one.</summary>
    public Parameter? Bias { get; }

    /// <summary>The layer's parameters.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Input width.</summary>
    public int Inputs => Weight.Value.Rows;

    /// <summary>Output width.</summary>
    public int Outputs => Weight.Value.Cols;

    /// <summary><c>X·W + b</c>; remembers <paramref name="x"/> for the backward pass.</summary>
    /// <param name="x">Tokens <c>[tokens, inputs]</c>.</param>
    /// <returns>Tokens <c>[tokens, outputs]</c>.</returns>
    public RowMatrix Forward(RowMatrix x)
    {
        Check.NotNull(x, nameof(x));
        if (x.Cols != Inputs)
            throw new ArgumentException($"The input is {x.Shape} but the weights are {Weight.Value.Shape} ([inputs, outputs]): the input needs {Inputs} columns.", nameof(x));
        _input = x;
        var y = RowOps.MatMul(x, Weight.Value);
        if (Bias is not null)
            for (int r = 0; r < y.Rows; r++) System.Numerics.Tensors.TensorPrimitives.Add(y.Row(r), Bias.Value.Data, y.Row(r));
        return y;
    }

    /// <summary>Adds this input's contribution to the parameter gradients and returns <c>∂loss/∂X</c>.</summary>
    /// <param name="dy"><c>∂loss/∂Y</c>, <c>[tokens, outputs]</c>.</param>
    /// <returns><c>∂loss/∂X</c>, <c>[tokens, inputs]</c>.</returns>
    public RowMatrix Backward(RowMatrix dy)
    {
        var x = _input ?? throw new InvalidOperationException("Backward needs a Forward first.");
        Check.NotNull(dy, nameof(dy));
        if (dy.Rows != x.Rows || dy.Cols != Outputs)
            throw new ArgumentException($"The gradient is {dy.Shape} but the output was {Check.Shape(x.Rows, Outputs)}.", nameof(dy));
        RowOps.MatMulTransposeAAdd(x, dy, Weight.Gradient);
        if (Bias is not null)
            for (int r = 0; r < dy.Rows; r++) System.Numerics.Tensors.TensorPrimitives.Add(Bias.Gradient.Data, dy.Row(r), Bias.Gradient.Data);
        return RowOps.MatMulTransposeB(dy, Weight.Value);
    }
}

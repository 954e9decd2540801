namespace Attention.Training;

/// <summary>
/// A trainable matrix: its current values and the gradient of the loss with respect to them. Layers add to
/// <see cref="Gradient"/> in their backward pass; an optimiser (<see cref="Adam"/>) reads it and updates
/// <see cref="Value"/>.
/// </summary>
public sealed class Parameter
{
    /// <summary>Creates a parameter with the given initial values and a zero gradient.</summary>
    /// <param name="name">A name for reports and gradient checks, e.g. <c>"attention.Wq"</c>.</param>
    /// <param name="value">The initial values (kept, not copied).</param>
    public Parameter(string name, RowMatrix value)
    {
        Check.NotNull(name, nameof(name));
        Check.NotNull(value, nameof(value));
        Name = name;
        Value = value;
        Gradient = new RowMatrix(value.Rows, value.Cols);
    }

    /// <summary>The parameter's name.</summary>
    public string Name { get; }

    /// <summary>The current values.</summary>
    public RowMatrix Value { get; }

    /// <summary>∂loss/∂value, accumulated over the examples of a batch.</summary>
    public RowMatrix Gradient { get; }

    /// <summary>Number of scalar values.</summary>
    public int Count => Value.Data.Length;

    /// <summary>Sets the gradient to zero (before the next batch).</summary>
    public void ZeroGradient() => Array.Clear(Gradient.Data);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} [{Value.Shape}]";
}

using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>Argument checks shared by the kernels, with messages that name the shapes.</summary>
internal static class Check
{
    public static string Shape(int rows, int cols) => $"{rows}×{cols}";

    public static string Shape<T>(Matrix<T> m) where T : struct, IEquatable<T>, IFormattable
        => Shape(m.RowCount, m.ColumnCount);

    public static string Shape(bool[,] m) => Shape(m.GetLength(0), m.GetLength(1));

    public static void NotNull(object? value, string name)
    {
        if (value is null) throw new ArgumentNullException(name);
    }

    public static void Positive(int value, string name)
    {
        if (value <= 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1, but it is {value}.");
    }

    public static void NonNegative(int value, string name)
    {
        if (value < 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be 0 or more, but it is {value}.");
    }

    /// <summary>Checks that a row-major span holds exactly rows×cols values.</summary>
    public static void Span(int length, int rows, int cols, string name)
    {
        NonNegative(rows, $"the row count of {name}");
        NonNegative(cols, $"the column count of {name}");
        if ((long)rows * cols != length)
            throw new ArgumentException(
                $"{name} should hold {rows}×{cols} = {(long)rows * cols} values (row-major) but it holds {length}.",
                name);
    }

    /// <summary>Checks an optional mask span: empty means "no mask", otherwise rows×cols values.</summary>
    public static void OptionalMask(int length, int rows, int cols, string name)
    {
        if (length != 0 && (long)rows * cols != length)
            throw new ArgumentException(
                $"{name} should be empty (no mask) or hold {rows}×{cols} = {(long)rows * cols} values (row-major) but it holds {length}.",
                name);
    }

    public static void Temperature(double temperature, string name = "temperature")
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(name, temperature,
                $"The softmax temperature must be a finite number greater than 0, but it is {temperature}. " +
                "Use 1 for the plain softmax, a value below 1 to sharpen it and above 1 to flatten it.");
    }

    public static void Base(double @base, string name = "base")
    {
        if (!(@base > 0) || double.IsInfinity(@base))
            throw new ArgumentOutOfRangeException(name, @base,
                $"The base must be a finite number greater than 0 (the Transformer uses 10000), but it is {@base}.");
    }
}

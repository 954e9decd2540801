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

    /// <summary>What to use instead when the n×m attention weights are too big to hold.</summary>
    public const string StreamingHint =
        "StreamingAttention.Compute gives the same output in O(n·d) memory without storing the weights; LocalAttention keeps only a band.";

    /// <summary>
    /// The number of values of a <paramref name="rows"/>×<paramref name="cols"/> buffer, computed without overflow. Throws
    /// <see cref="ArgumentOutOfRangeException"/> (for <paramref name="paramName"/>) saying how much memory it would need when
    /// one .NET array cannot hold that many values (<see cref="Array.MaxLength"/>).
    /// </summary>
    public static int Elements(long rows, long cols, string paramName, string what, int bytesPerValue = sizeof(double), string? hint = null)
    {
        long count = rows * cols; // rows, cols < 2^31, so the product fits in a long
        if (rows < 0 || cols < 0 || count > Array.MaxLength)
            throw new ArgumentOutOfRangeException(paramName, $"{what} would be {rows}×{cols} = {count:N0} values " +
                $"({Bytes(count * bytesPerValue)}), more than one .NET array can hold ({Array.MaxLength:N0} values). " +
                (hint ?? "Use smaller sizes."));
        return (int)count;
    }

    /// <summary>
    /// A new <paramref name="rows"/>×<paramref name="cols"/> array (see <see cref="Elements"/>); when the machine cannot give that
    /// much memory, an <see cref="InsufficientMemoryException"/> that says how much was asked for.
    /// </summary>
    public static T[] Allocate<T>(long rows, long cols, string paramName, string what, string? hint = null) where T : unmanaged
    {
        int count = Elements(rows, cols, paramName, what, System.Runtime.CompilerServices.Unsafe.SizeOf<T>(), hint);
        try
        {
            return new T[count];
        }
        catch (OutOfMemoryException e)
        {
            throw new InsufficientMemoryException($"{what} needs {rows}×{cols} = {count:N0} values " +
                $"({Bytes((long)count * System.Runtime.CompilerServices.Unsafe.SizeOf<T>())}), and this process cannot get that much memory. " +
                (hint ?? "Use smaller sizes."), e);
        }
    }

    /// <summary>A byte count in the unit that reads best (KiB, MiB, GiB, TiB).</summary>
    public static string Bytes(long bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int u = 0;
        while (value >= 1024 && u < units.Length - 1) { value /= 1024; u++; }
        return u == 0 ? $"{bytes} bytes" : $"{value:0.#} {units[u]}";
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

using System.Numerics;
using Vector = MathNet.Numerics.LinearAlgebra.Vector<double>;
using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>
/// Softmax and its relatives (log-softmax, log-sum-exp, masked softmax, the Jacobian), taken
/// row by row over row-major <c>[rows, cols]</c> data.
/// </summary>
/// <remarks>
/// <para>Every row is computed in the stable form <c>exp((x − max x)/T) / Σ exp((x − max x)/T)</c>,
/// which equals <c>softmax(x / T)</c> but never overflows. <see cref="Naive(double[])"/> shows the
/// textbook form that does.</para>
/// <para>Decisions for special values (each is tested):</para>
/// <list type="bullet">
/// <item><description>A fully masked row, or a row whose entries are all −∞, produces all zeros
/// (not NaN, not uniform). In attention this makes the output for that query the zero vector.</description></item>
/// <item><description>−∞ in a score acts like a masked entry: its weight is exactly 0.</description></item>
/// <item><description>NaN anywhere in a row makes the whole row NaN: it propagates, it is never hidden.
/// Entries removed by a mask are not read, so a NaN there does not matter.</description></item>
/// <item><description>+∞ entries: the row's +∞ entries share the weight equally and the finite entries
/// get 0. This is the limit of softmax as those entries grow without bound.</description></item>
/// </list>
/// </remarks>
public static class Softmax
{
    // ───────────────────────── readable face (MathNet) ─────────────────────────

    /// <summary>Softmax of each row of <paramref name="x"/> at the given temperature.</summary>
    /// <param name="x">Scores, one row per query.</param>
    /// <param name="temperature">Divides the scores before the softmax; must be finite and &gt; 0.</param>
    /// <returns>A matrix of the same shape whose rows are probability distributions.</returns>
    public static Matrix<double> Rows(Matrix<double> x, double temperature = 1.0)
    {
        Check.NotNull(x, nameof(x));
        Check.Temperature(temperature);
        var data = Layout.ToRowMajor(x);
        RowsKernel<double>(data, data, x.ColumnCount, temperature);
        return Layout.FromRowMajor(data, x.RowCount, x.ColumnCount);
    }

    /// <summary>Softmax of one vector at the given temperature.</summary>
    /// <param name="x">The scores.</param>
    /// <param name="temperature">Divides the scores before the softmax; must be finite and &gt; 0.</param>
    /// <returns>Weights that sum to 1.</returns>
    public static Vector Of(Vector x, double temperature = 1.0)
    {
        Check.NotNull(x, nameof(x));
        return Vector.Build.Dense(Of(x.ToArray(), temperature));
    }

    /// <summary>Softmax of one array at the given temperature.</summary>
    /// <param name="x">The scores.</param>
    /// <param name="temperature">Divides the scores before the softmax; must be finite and &gt; 0.</param>
    /// <returns>Weights that sum to 1.</returns>
    public static double[] Of(double[] x, double temperature = 1.0)
    {
        Check.NotNull(x, nameof(x));
        Check.Temperature(temperature);
        var y = new double[x.Length];
        if (x.Length > 0) RowsKernel<double>(x, y, x.Length, temperature);
        return y;
    }

    /// <summary>
    /// Softmax of each row where only the entries with <c>allowed[i, j] == true</c> take part;
    /// the others get weight exactly 0. A row with nothing allowed is all zeros.
    /// </summary>
    /// <param name="scores">Scores, <c>[queries, keys]</c>.</param>
    /// <param name="allowed">Same shape as <paramref name="scores"/>; true = may attend.</param>
    /// <param name="temperature">Divides the scores before the softmax; must be finite and &gt; 0.</param>
    /// <returns>The masked weights.</returns>
    public static Matrix<double> Masked(Matrix<double> scores, bool[,] allowed, double temperature = 1.0)
    {
        Check.NotNull(scores, nameof(scores));
        Check.NotNull(allowed, nameof(allowed));
        Check.Temperature(temperature);
        if (allowed.GetLength(0) != scores.RowCount || allowed.GetLength(1) != scores.ColumnCount)
            throw new ArgumentException(
                $"The scores are {Check.Shape(scores)} but the mask is {Check.Shape(allowed)}: the mask needs one entry per score ([queries, keys]).",
                nameof(allowed));
        var data = Layout.ToRowMajor(scores);
        MaskedKernel<double>(data, Layout.Flatten(allowed), data, scores.ColumnCount, temperature);
        return Layout.FromRowMajor(data, scores.RowCount, scores.ColumnCount);
    }

    /// <summary>
    /// The textbook softmax <c>e^x / Σ e^x</c> with no max subtraction. <b>For teaching only</b>:
    /// it overflows, e.g. <c>Naive([1000, 1001, 1002])</c> is <c>[NaN, NaN, NaN]</c> (∞/∞),
    /// where <see cref="Of(double[], double)"/> gives <c>[0.090, 0.245, 0.665]</c>.
    /// </summary>
    /// <param name="x">The scores.</param>
    /// <returns><c>e^x_i / Σ_j e^x_j</c>, computed literally.</returns>
    public static double[] Naive(double[] x)
    {
        Check.NotNull(x, nameof(x));
        var e = new double[x.Length];
        double sum = 0;
        for (int i = 0; i < x.Length; i++) { e[i] = Math.Exp(x[i]); sum += e[i]; }
        for (int i = 0; i < x.Length; i++) e[i] /= sum;
        return e;
    }

    /// <summary>Log-softmax of each row: <c>x − logsumexp(x)</c>, computed stably.</summary>
    /// <param name="x">Scores, one row per query.</param>
    /// <returns>The logarithms of the softmax weights. A row of all −∞ gives all −∞ (log 0);
    /// NaN propagates to the row; +∞ entries get <c>−log(count of +∞)</c> and the others −∞.</returns>
    public static Matrix<double> LogRows(Matrix<double> x)
    {
        Check.NotNull(x, nameof(x));
        var data = Layout.ToRowMajor(x);
        LogRowsKernel<double>(data, data, x.ColumnCount);
        return Layout.FromRowMajor(data, x.RowCount, x.ColumnCount);
    }

    /// <summary>Log-softmax of one array: <c>x − logsumexp(x)</c>, computed stably.</summary>
    /// <param name="x">The scores.</param>
    /// <returns>The logarithms of the softmax weights.</returns>
    public static double[] Log(double[] x)
    {
        Check.NotNull(x, nameof(x));
        var y = new double[x.Length];
        if (x.Length > 0) LogRowsKernel<double>(x, y, x.Length);
        return y;
    }

    /// <summary>
    /// <c>log Σ e^x</c> computed as <c>max + log Σ e^(x − max)</c>, so it neither overflows nor
    /// underflows. Empty input or all −∞ gives −∞; any NaN gives NaN; any +∞ (and no NaN) gives +∞.
    /// </summary>
    /// <param name="x">The values.</param>
    /// <returns>The log-sum-exp of <paramref name="x"/>.</returns>
    public static double LogSumExp(ReadOnlySpan<double> x) => LogSumExpKernel(x);

    /// <inheritdoc cref="LogSumExp(ReadOnlySpan{double})"/>
    public static float LogSumExp(ReadOnlySpan<float> x) => LogSumExpKernel(x);

    /// <summary>Log-sum-exp of each row of <paramref name="x"/>.</summary>
    /// <param name="x">The values, one row at a time.</param>
    /// <returns>A vector with one entry per row.</returns>
    public static Vector LogSumExpRows(Matrix<double> x)
    {
        Check.NotNull(x, nameof(x));
        var data = Layout.ToRowMajor(x);
        int cols = x.ColumnCount;
        var result = new double[x.RowCount];
        for (int r = 0; r < result.Length; r++) result[r] = LogSumExpKernel<double>(data.AsSpan(r * cols, cols));
        return Vector.Build.Dense(result);
    }

    /// <summary>
    /// The Jacobian of softmax at <paramref name="x"/>: <c>J[i, j] = ∂s_i/∂x_j = s_i (δ_ij − s_j)</c>,
    /// i.e. <c>diag(s) − s sᵀ</c>. Its rows sum to 0 and it is symmetric.
    /// </summary>
    /// <param name="x">The point at which to differentiate.</param>
    /// <returns>An n×n matrix.</returns>
    public static Matrix<double> Jacobian(double[] x)
    {
        Check.NotNull(x, nameof(x));
        Check.Elements(x.Length, x.Length, nameof(x), "The Jacobian (n × n)");
        var s = Of(x);
        int n = s.Length;
        return Matrix<double>.Build.Dense(n, n, (i, j) => (i == j ? s[i] : 0.0) - s[i] * s[j]);
    }

    // ───────────────────────── span kernels ─────────────────────────

    /// <summary>Row-wise softmax of row-major <paramref name="x"/> into <paramref name="y"/>.
    /// <paramref name="x"/> and <paramref name="y"/> may be the same span (in place).</summary>
    /// <param name="x">Row-major scores; its length must be a multiple of <paramref name="cols"/>.</param>
    /// <param name="y">Destination, same length as <paramref name="x"/>.</param>
    /// <param name="cols">Entries per row.</param>
    /// <param name="temperature">Must be finite and &gt; 0.</param>
    public static void Rows(ReadOnlySpan<float> x, Span<float> y, int cols, float temperature = 1f)
    {
        CheckRows(x.Length, y.Length, cols);
        Check.Temperature(temperature);
        RowsKernel(x, y, cols, temperature);
    }

    /// <inheritdoc cref="Rows(ReadOnlySpan{float}, Span{float}, int, float)"/>
    public static void Rows(ReadOnlySpan<double> x, Span<double> y, int cols, double temperature = 1.0)
    {
        CheckRows(x.Length, y.Length, cols);
        Check.Temperature(temperature);
        RowsKernel(x, y, cols, temperature);
    }

    /// <summary>Row-wise masked softmax: entries whose <paramref name="allowed"/> flag is false get
    /// weight exactly 0 (and are not read). In place is allowed (<paramref name="x"/> = <paramref name="y"/>).</summary>
    /// <param name="x">Row-major scores.</param>
    /// <param name="allowed">Row-major flags, same length as <paramref name="x"/>; true = may attend.</param>
    /// <param name="y">Destination, same length as <paramref name="x"/>.</param>
    /// <param name="cols">Entries per row.</param>
    /// <param name="temperature">Must be finite and &gt; 0.</param>
    public static void Masked(ReadOnlySpan<float> x, ReadOnlySpan<bool> allowed, Span<float> y, int cols, float temperature = 1f)
    {
        CheckRows(x.Length, y.Length, cols);
        CheckMask(x.Length, allowed.Length);
        Check.Temperature(temperature);
        MaskedKernel(x, allowed, y, cols, temperature);
    }

    /// <inheritdoc cref="Masked(ReadOnlySpan{float}, ReadOnlySpan{bool}, Span{float}, int, float)"/>
    public static void Masked(ReadOnlySpan<double> x, ReadOnlySpan<bool> allowed, Span<double> y, int cols, double temperature = 1.0)
    {
        CheckRows(x.Length, y.Length, cols);
        CheckMask(x.Length, allowed.Length);
        Check.Temperature(temperature);
        MaskedKernel(x, allowed, y, cols, temperature);
    }

    /// <summary>Row-wise log-softmax of row-major <paramref name="x"/> into <paramref name="y"/> (in place allowed).</summary>
    /// <param name="x">Row-major scores.</param>
    /// <param name="y">Destination, same length as <paramref name="x"/>.</param>
    /// <param name="cols">Entries per row.</param>
    public static void LogRows(ReadOnlySpan<float> x, Span<float> y, int cols)
    {
        CheckRows(x.Length, y.Length, cols);
        LogRowsKernel(x, y, cols);
    }

    /// <inheritdoc cref="LogRows(ReadOnlySpan{float}, Span{float}, int)"/>
    public static void LogRows(ReadOnlySpan<double> x, Span<double> y, int cols)
    {
        CheckRows(x.Length, y.Length, cols);
        LogRowsKernel(x, y, cols);
    }

    private static void CheckRows(int xLength, int yLength, int cols)
    {
        Check.Positive(cols, nameof(cols));
        if (xLength % cols != 0)
            throw new ArgumentException(
                $"The input holds {xLength} values, which is not a whole number of rows of {cols} columns.", "x");
        if (yLength != xLength)
            throw new ArgumentException(
                $"The input holds {xLength} values ({xLength / cols}×{cols}) but the destination holds {yLength}: they must be the same size.", "y");
    }

    private static void CheckMask(int xLength, int maskLength)
    {
        if (maskLength != xLength)
            throw new ArgumentException(
                $"The scores hold {xLength} values but the mask holds {maskLength}: the mask needs one flag per score.", "allowed");
    }

    // ───────────────────────── generic implementation ─────────────────────────

    /// <summary>Row-wise softmax: the fused vector kernel (<see cref="RowSoftmax"/>), rows spread over threads.</summary>
    internal static void RowsKernel<T>(ReadOnlySpan<T> x, Span<T> y, int cols, T temperature)
        where T : IFloatingPointIeee754<T>
    {
        if (cols == 0) return; // a matrix with no columns has nothing to normalise
        RowSoftmax.Rows(x, y, cols, temperature);
    }

    /// <summary>The plain row-by-row softmax the fast kernel replaced; kept as the reference it is tested and measured against.</summary>
    internal static void RowsKernelSimple<T>(ReadOnlySpan<T> x, Span<T> y, int cols, T temperature)
        where T : IFloatingPointIeee754<T>
    {
        if (cols == 0) return;
        int rows = x.Length / cols;
        for (int r = 0; r < rows; r++)
            Row(x.Slice(r * cols, cols), y.Slice(r * cols, cols), temperature);
    }

    internal static void MaskedKernel<T>(ReadOnlySpan<T> x, ReadOnlySpan<bool> allowed, Span<T> y, int cols, T temperature)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = allowed[i] ? x[i] : T.NegativeInfinity;
        RowsKernel<T>(y, y, cols, temperature);
    }

    /// <summary>Softmax of one row, plain (TensorPrimitives, no fusion); <paramref name="x"/> and <paramref name="y"/> may alias exactly.</summary>
    internal static void Row<T>(ReadOnlySpan<T> x, Span<T> y, T temperature)
        where T : IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(x); // NaN if any entry is NaN
        if (T.IsNaN(max)) { y.Fill(T.NaN); return; }
        if (T.IsNegativeInfinity(max)) { y.Clear(); return; }
        if (T.IsPositiveInfinity(max))
        {
            int count = 0;
            foreach (T v in x) if (T.IsPositiveInfinity(v)) count++;
            T share = T.One / T.CreateChecked(count);
            for (int i = 0; i < x.Length; i++) y[i] = T.IsPositiveInfinity(x[i]) ? share : T.Zero;
            return;
        }
        TensorPrimitives.Subtract(x, max, y);
        if (temperature != T.One) TensorPrimitives.Divide(y, temperature, y);
        TensorPrimitives.Exp(y, y);
        T sum = TensorPrimitives.Sum<T>(y); // ≥ 1: the max entry contributes e^0
        TensorPrimitives.Divide(y, sum, y);
    }

    internal static void LogRowsKernel<T>(ReadOnlySpan<T> x, Span<T> y, int cols)
        where T : IFloatingPointIeee754<T>
    {
        if (cols == 0) return;
        int rows = x.Length / cols;
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * cols, cols);
            var yr = y.Slice(r * cols, cols);
            T max = TensorPrimitives.Max(xr);
            if (T.IsNaN(max)) { yr.Fill(T.NaN); continue; }
            if (T.IsNegativeInfinity(max)) { yr.Fill(T.NegativeInfinity); continue; }
            if (T.IsPositiveInfinity(max))
            {
                int count = 0;
                foreach (T v in xr) if (T.IsPositiveInfinity(v)) count++;
                T share = -T.Log(T.CreateChecked(count));
                for (int i = 0; i < xr.Length; i++) yr[i] = T.IsPositiveInfinity(xr[i]) ? share : T.NegativeInfinity;
                continue;
            }
            T lse = max + T.Log(SumExpShifted(xr, max));
            TensorPrimitives.Subtract(xr, lse, yr);
        }
    }

    internal static T LogSumExpKernel<T>(ReadOnlySpan<T> x) where T : IFloatingPointIeee754<T>
    {
        if (x.IsEmpty) return T.NegativeInfinity;
        T max = TensorPrimitives.Max(x);
        if (T.IsNaN(max) || T.IsInfinity(max)) return max;
        return max + T.Log(SumExpShifted(x, max));
    }

    private static T SumExpShifted<T>(ReadOnlySpan<T> x, T max) where T : IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        foreach (T v in x) sum += T.Exp(v - max);
        return sum;
    }
}

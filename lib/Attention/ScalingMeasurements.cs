using System.Diagnostics;

namespace Attention;

/// <summary>
/// How attention's cost grows with sequence length: wall-clock time (median of a few runs), bytes
/// allocated, the bytes the big arrays need by formula, and a least-squares polynomial fit to read the
/// growth rate from the measurements.
/// </summary>
public static class ScalingMeasurements
{
    /// <summary>The median wall-clock time of <paramref name="action"/> in milliseconds, after
    /// <paramref name="warmup"/> untimed runs (the first runs also pay for JIT compilation). A full garbage
    /// collection runs before each timed run, so one run does not pay for the garbage of the previous one.</summary>
    /// <param name="action">The work to time.</param>
    /// <param name="runs">Timed runs (≥ 1); the median resists a run disturbed by other processes.</param>
    /// <param name="warmup">Untimed runs first (≥ 0).</param>
    /// <returns>The median time in milliseconds.</returns>
    public static double MedianMilliseconds(Action action, int runs = 3, int warmup = 1)
    {
        Check.NotNull(action, nameof(action));
        Check.Positive(runs, nameof(runs));
        Check.NonNegative(warmup, nameof(warmup));
        for (int i = 0; i < warmup; i++) action();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            GC.Collect();
            long start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return Median(times);
    }

    /// <summary>Times one workload per size: <paramref name="prepare"/> builds the inputs for size n
    /// (untimed) and returns the work to time. Before any timing, the first size runs untimed for at least
    /// <paramref name="warmup"/>: .NET first runs new code unoptimised and swaps in optimised code after the
    /// code has been busy for a while, and timing before that would mostly measure the warm-up.</summary>
    /// <param name="sizes">The sequence lengths.</param>
    /// <param name="prepare">Builds the inputs of size n and returns the action to time.</param>
    /// <param name="runs">Timed runs per size.</param>
    /// <param name="warmup">How long to run the first size untimed; 1 s when not given.</param>
    /// <returns>The median milliseconds for each size, in order.</returns>
    public static double[] MedianMilliseconds(IReadOnlyList<int> sizes, Func<int, Action> prepare, int runs = 3, TimeSpan? warmup = null)
    {
        Check.NotNull(sizes, nameof(sizes));
        Check.NotNull(prepare, nameof(prepare));
        var result = new double[sizes.Count];
        if (sizes.Count == 0) return result;
        var first = prepare(sizes[0]);
        var budget = warmup ?? TimeSpan.FromSeconds(1);
        long start = Stopwatch.GetTimestamp();
        do first(); while (Stopwatch.GetElapsedTime(start) < budget);
        for (int s = 0; s < sizes.Count; s++)
            result[s] = MedianMilliseconds(s == 0 ? first : prepare(sizes[s]), runs, warmup: 0);
        return result;
    }

    /// <summary>Bytes allocated on the managed heap by the current thread while <paramref name="action"/> ran:
    /// a measurement of the memory an operation asks for (not of what stays alive afterwards).</summary>
    /// <param name="action">The work to measure (run once).</param>
    /// <returns>The bytes allocated.</returns>
    public static long AllocatedBytes(Action action)
    {
        Check.NotNull(action, nameof(action));
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>
    /// The bytes of the arrays full attention needs at least: the <c>n × n</c> weight matrix plus the inputs
    /// Q, K (<c>n × d_k</c> each), V (<c>n × d_v</c>) and the output (<c>n × d_v</c>).
    /// </summary>
    /// <param name="n">Sequence length.</param>
    /// <param name="dk">Query/key width.</param>
    /// <param name="dv">Value width.</param>
    /// <param name="bytesPerValue">8 for double, 4 for float, 2 for half precision.</param>
    /// <returns><c>bytes · (n² + 2·n·d_k + 2·n·d_v)</c>.</returns>
    public static long FullAttentionBytes(int n, int dk, int dv, int bytesPerValue = 8)
    {
        CheckSizes(n, dk, dv, bytesPerValue);
        return bytesPerValue * ((long)n * n + 2L * n * dk + 2L * n * dv);
    }

    /// <summary>
    /// The bytes of the arrays local attention needs: the band of weights (<c>n × width</c>, see
    /// <see cref="LocalAttention.BandWidth"/>) plus Q, K, V and the output, as in <see cref="FullAttentionBytes"/>.
    /// </summary>
    /// <param name="n">Sequence length.</param>
    /// <param name="dk">Query/key width.</param>
    /// <param name="dv">Value width.</param>
    /// <param name="window">Largest distance allowed.</param>
    /// <param name="causal">Whether the window looks back only.</param>
    /// <param name="bytesPerValue">8 for double, 4 for float.</param>
    /// <returns><c>bytes · (n·width + 2·n·d_k + 2·n·d_v)</c>.</returns>
    public static long LocalAttentionBytes(int n, int dk, int dv, int window, bool causal, int bytesPerValue = 8)
    {
        CheckSizes(n, dk, dv, bytesPerValue);
        int width = LocalAttention.BandWidth(n == 0 ? 0 : Math.Min(window, n - 1), causal);
        return bytesPerValue * ((long)n * width + 2L * n * dk + 2L * n * dv);
    }

    /// <summary>Least-squares fit of a polynomial of the given degree to the points (x, y).</summary>
    /// <param name="x">The x values.</param>
    /// <param name="y">The y values, one per x.</param>
    /// <param name="degree">The degree (≥ 1); needs at least degree + 1 points.</param>
    /// <returns>The fitted polynomial.</returns>
    public static PolynomialFit FitPolynomial(IReadOnlyList<double> x, IReadOnlyList<double> y, int degree)
    {
        Check.NotNull(x, nameof(x));
        Check.NotNull(y, nameof(y));
        Check.Positive(degree, nameof(degree));
        if (x.Count != y.Count)
            throw new ArgumentException($"There are {x.Count} x values but {y.Count} y values; give one y per x.", nameof(y));
        if (x.Count <= degree)
            throw new ArgumentException($"A degree-{degree} fit needs at least {degree + 1} points, but there are {x.Count}.", nameof(x));
        var xs = x.ToArray();
        var ys = y.ToArray();
        var coefficients = MathNet.Numerics.Fit.Polynomial(xs, ys, degree);
        var fit = new PolynomialFit(coefficients, 0);
        var predicted = xs.Select(fit.Evaluate).ToArray();
        return fit with { RSquared = MathNet.Numerics.GoodnessOfFit.CoefficientOfDetermination(predicted, ys) };
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static void CheckSizes(int n, int dk, int dv, int bytesPerValue)
    {
        Check.NonNegative(n, nameof(n));
        Check.Positive(dk, nameof(dk));
        Check.NonNegative(dv, nameof(dv));
        Check.Positive(bytesPerValue, nameof(bytesPerValue));
    }
}

using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>
/// What attention costs as the sequence grows: wall-clock timings of self-attention over a range of
/// lengths, and the curve fits (a least-squares quadratic, a power-law exponent) that read the growth
/// off the measurements.
/// </summary>
/// <remarks>
/// Self-attention over n tokens of width d computes an n×n score matrix (n² dot products of length d)
/// and n weighted sums of n values, so its time grows like n²·d and the weight matrix alone takes n²
/// numbers. Timings are machine-dependent and noisy; the fits are what carry over.
/// </remarks>
public static class AlgorithmCost
{
    /// <summary>The timings at one sequence length.</summary>
    /// <param name="Length">Sequence length n (tokens).</param>
    /// <param name="MedianMilliseconds">Median of <paramref name="RunMilliseconds"/>.</param>
    /// <param name="RunMilliseconds">Every timed run, in order.</param>
    public sealed record Timing(int Length, double MedianMilliseconds, IReadOnlyList<double> RunMilliseconds);

    /// <summary>A fitted quadratic <c>y = A·x² + B·x + C</c>.</summary>
    /// <param name="A">Coefficient of x².</param>
    /// <param name="B">Coefficient of x.</param>
    /// <param name="C">Constant term.</param>
    public sealed record Quadratic(double A, double B, double C)
    {
        /// <summary>The quadratic's value at <paramref name="x"/>.</summary>
        /// <param name="x">Where to evaluate.</param>
        /// <returns><c>A·x² + B·x + C</c>.</returns>
        public double At(double x) => (A * x + B) * x + C;
    }

    /// <summary>
    /// Times self-attention (<c>Q = K = V = X</c>, X an n×<paramref name="dModel"/> standard-normal matrix) at
    /// each length with a <see cref="Stopwatch"/>: a warm-up, then <paramref name="runs"/> timed runs per length
    /// (taken in rounds over all lengths), reporting each length's median. It times the row-major span kernel of
    /// <see cref="ScaledDotProductAttention"/> with buffers allocated beforehand, so the numbers are the
    /// attention itself (scores, softmax, weighted sum), not matrix conversion or allocation.
    /// </summary>
    /// <param name="lengths">Sequence lengths to time (each ≥ 1).</param>
    /// <param name="dModel">Token width d (≥ 1).</param>
    /// <param name="runs">Timed runs per length (≥ 1).</param>
    /// <param name="seed">Seed for the inputs.</param>
    /// <returns>One timing per length, in the order given.</returns>
    public static IReadOnlyList<Timing> TimeSelfAttention(IReadOnlyList<int> lengths, int dModel = 64, int runs = 5, int seed = 0)
    {
        Check.NotNull(lengths, nameof(lengths));
        Check.Positive(dModel, nameof(dModel));
        Check.Positive(runs, nameof(runs));
        foreach (int n in lengths) Check.Positive(n, "each length");
        WarmUp(dModel);
        var work = lengths.Select(n =>
        {
            var x = Layout.ToRowMajor(Init.Normal(n, dModel, seed));
            var output = new double[n * dModel];
            var weights = new double[n * n];
            Action run = () => ScaledDotProductAttention.Compute(x, x, x, output, weights, n, n, dModel, dModel);
            run(); // untimed: first touch of the buffers
            return run;
        }).ToArray();
        var times = new double[lengths.Count][];
        for (int i = 0; i < times.Length; i++) times[i] = new double[runs];
        // Round-robin over the lengths, so that a burst of background load on the machine slows one run of
        // every length (which the median discards) rather than every run of a few neighbouring lengths.
        for (int r = 0; r < runs; r++)
            for (int i = 0; i < work.Length; i++)
            {
                long start = Stopwatch.GetTimestamp();
                work[i]();
                times[i][r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        return lengths.Select((n, i) => new Timing(n, Median(times[i]), times[i])).ToArray();
    }

    /// <summary>
    /// The runtime first compiles a method quickly and unoptimised, and swaps in an optimised version only after
    /// the method has run a few dozen times and a background compiler has got to it. In a process that has just
    /// compiled a lot (a notebook session has run the C# compiler), that background queue can be thousands of
    /// methods long. Timed before the swap, the first lengths would run the slow code and the later ones the fast
    /// code, and the curve would be meaningless. So run a small attention until the process has compiled nothing
    /// new for a while, which means the queue is empty and our kernels are optimised (or until a time limit).
    /// </summary>
    private static void WarmUp(int dModel)
    {
        const int n = 64;
        var x = Layout.ToRowMajor(Init.Normal(n, dModel, 0));
        var output = new double[n * dModel];
        var weights = new double[n * n];
        long start = Stopwatch.GetTimestamp(), lastCompile = start;
        long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (true)
        {
            ScaledDotProductAttention.Compute(x, x, x, output, weights, n, n, dModel, dModel);
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != compiled) { compiled = now; lastCompile = Stopwatch.GetTimestamp(); }
            double total = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (total >= MaxWarmUpMilliseconds
                || (total >= MinWarmUpMilliseconds && Stopwatch.GetElapsedTime(lastCompile).TotalMilliseconds >= QuietMilliseconds))
                return;
        }
    }

    /// <summary>The warm-up runs at least this long, so the kernels are called often enough to be queued for optimisation.</summary>
    private const double MinWarmUpMilliseconds = 300;

    /// <summary>Timing starts once nothing has been compiled for this long.</summary>
    private const double QuietMilliseconds = 250;

    /// <summary>The warm-up never takes longer than this.</summary>
    private const double MaxWarmUpMilliseconds = 4000;

    /// <summary>Runs <paramref name="action"/> once untimed (warm-up), then <paramref name="runs"/> times, timing each run.</summary>
    /// <param name="action">The work to time.</param>
    /// <param name="runs">Timed runs (≥ 1).</param>
    /// <returns>Milliseconds per run, in order.</returns>
    public static double[] Time(Action action, int runs)
    {
        Check.NotNull(action, nameof(action));
        Check.Positive(runs, nameof(runs));
        action();
        var times = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return times;
    }

    /// <summary>The median (the mean of the two middle values for an even count).</summary>
    /// <param name="values">At least one value.</param>
    /// <returns>The median.</returns>
    public static double Median(IReadOnlyList<double> values)
    {
        Check.NotNull(values, nameof(values));
        if (values.Count == 0) throw new ArgumentException("The median of no values is undefined; pass at least one.", nameof(values));
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>
    /// Least-squares fit of <c>y = A·x² + B·x + C</c>: minimises <c>Σ (y_i − A x_i² − B x_i − C)²</c>.
    /// Solved by QR on x rescaled to at most 1 in size, so large x (like n = 1024, n² ≈ 10⁶) stays well conditioned.
    /// </summary>
    /// <param name="x">The x values; at least three distinct.</param>
    /// <param name="y">One y per x.</param>
    /// <returns>The fitted coefficients.</returns>
    public static Quadratic FitQuadratic(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        CheckPoints(x, y);
        if (x.Distinct().Count() < 3)
            throw new ArgumentException(
                $"A quadratic has three coefficients, so it needs at least three distinct x values, but x has {x.Distinct().Count()}.", nameof(x));
        double s = x.Max(Math.Abs);
        var design = Matrix<double>.Build.Dense(x.Count, 3, (i, j) => Math.Pow(x[i] / s, 2 - j));
        var c = design.QR().Solve(Vector<double>.Build.DenseOfEnumerable(y));
        return new Quadratic(c[0] / (s * s), c[1] / s, c[2]);
    }

    /// <summary>
    /// The exponent p of a power law <c>y ≈ c·x^p</c>: the least-squares slope of ln y against ln x.
    /// Quadratic growth gives p ≈ 2, linear growth p ≈ 1.
    /// </summary>
    /// <param name="x">Positive x values; at least two distinct.</param>
    /// <param name="y">Positive y values, one per x.</param>
    /// <returns>The fitted exponent.</returns>
    public static double FitExponent(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        CheckPoints(x, y);
        for (int i = 0; i < x.Count; i++)
            if (!(x[i] > 0) || !(y[i] > 0))
                throw new ArgumentException(
                    $"Point {i} is ({x[i]}, {y[i]}): a power-law fit takes logarithms, so every x and y must be positive.", nameof(y));
        if (x.Distinct().Count() < 2)
            throw new ArgumentException("A slope needs at least two distinct x values.", nameof(x));
        var lx = x.Select(v => Math.Log(v)).ToArray();
        var ly = y.Select(v => Math.Log(v)).ToArray();
        double mx = lx.Average(), my = ly.Average(), sxy = 0, sxx = 0;
        for (int i = 0; i < lx.Length; i++)
        {
            sxy += (lx[i] - mx) * (ly[i] - my);
            sxx += (lx[i] - mx) * (lx[i] - mx);
        }
        return sxy / sxx;
    }

    private static void CheckPoints(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check.NotNull(x, nameof(x));
        Check.NotNull(y, nameof(y));
        if (x.Count != y.Count)
            throw new ArgumentException($"There are {x.Count} x values but {y.Count} y values; give one y per x.", nameof(y));
        for (int i = 0; i < x.Count; i++)
            if (!double.IsFinite(x[i]) || !double.IsFinite(y[i]))
                throw new ArgumentException($"Point {i} is ({x[i]}, {y[i]}): every value must be finite.", nameof(y));
    }
}

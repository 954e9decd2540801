using System.Globalization;
using System.Diagnostics;

using Attention;

namespace Lessons;

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

    /// <summary>The timings of one workload at one size.</summary>
    /// <param name="Size">The size (typically the sequence length n).</param>
    /// <param name="MedianMilliseconds">Median of <paramref name="RunMilliseconds"/>.</param>
    /// <param name="RunMilliseconds">Every timed run, in order.</param>
    public sealed record Timing(int Size, double MedianMilliseconds, IReadOnlyList<double> RunMilliseconds);

    /// <summary>
    /// Times one workload per size: <paramref name="prepare"/> builds the inputs for size n (untimed) and returns
    /// the work to time. Every workload runs once untimed; then the first one runs until the process has compiled
    /// nothing new for a while (see below) or <paramref name="maxWarmup"/> has passed; then the timed runs go in
    /// rounds over all sizes, so a burst of load from other processes slows one run of every size (which the
    /// median discards) rather than every run of a few neighbouring sizes.
    /// </summary>
    /// <remarks>
    /// .NET first compiles a method quickly and unoptimised and swaps in optimised code only after the method has
    /// run a while and a background compiler has got to it. In a process that has just compiled a lot (a notebook
    /// session has run the C# compiler), that queue can be thousands of methods long: timed before the swap, the
    /// small sizes would run slow code and the big ones fast code, and the curve would mean nothing.
    /// </remarks>
    /// <param name="sizes">The sizes, in the order the results are wanted.</param>
    /// <param name="prepare">Builds the inputs of size n and returns the action to time.</param>
    /// <param name="runs">Timed runs per size (≥ 1).</param>
    /// <param name="maxWarmup">Longest warm-up; 4 s when not given (it usually ends after 0.3–1 s).</param>
    /// <returns>One timing per size, in the order given.</returns>
    public static IReadOnlyList<Timing> Time(IReadOnlyList<int> sizes, Func<int, Action> prepare, int runs = 3, TimeSpan? maxWarmup = null)
    {
        Check.NotNull(sizes, nameof(sizes));
        Check.NotNull(prepare, nameof(prepare));
        Check.Positive(runs, nameof(runs));
        if (sizes.Count == 0) return [];
        var work = sizes.Select(n => { var w = prepare(n); w(); return w; }).ToArray();
        WarmUp(work[0], maxWarmup ?? TimeSpan.FromSeconds(4));
        var times = sizes.Select(_ => new double[runs]).ToArray();
        for (int r = 0; r < runs; r++)
            for (int i = 0; i < work.Length; i++)
            {
                GC.Collect();
                long start = Stopwatch.GetTimestamp();
                work[i]();
                times[i][r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        return sizes.Select((n, i) => new Timing(n, Median(times[i]), times[i])).ToArray();
    }

    /// <summary>The median milliseconds of <see cref="Time"/> for each size, in order.</summary>
    /// <param name="sizes">The sizes.</param>
    /// <param name="prepare">Builds the inputs of size n and returns the action to time.</param>
    /// <param name="runs">Timed runs per size.</param>
    /// <param name="warmup">Longest warm-up (see <see cref="Time"/>).</param>
    /// <returns>The median milliseconds for each size.</returns>
    public static double[] MedianMilliseconds(IReadOnlyList<int> sizes, Func<int, Action> prepare, int runs = 3, TimeSpan? warmup = null) =>
        Time(sizes, prepare, runs, warmup).Select(t => t.MedianMilliseconds).ToArray();

    /// <summary>
    /// Times self-attention (<c>Q = K = V = X</c>, X an n×<paramref name="dModel"/> standard-normal matrix) at each
    /// length with the row-major span kernel of <see cref="ScaledDotProductAttention"/> and buffers allocated
    /// beforehand, so the numbers are the attention itself (scores, softmax, weighted sum), not conversions. Same rounds
    /// as <see cref="Time"/>, with at most 1 s of warm-up.
    /// </summary>
    /// <param name="lengths">Sequence lengths (each ≥ 1).</param>
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
        return Time(lengths, n =>
        {
            var x = Layout.ToRowMajor(Init.Normal(n, dModel, seed));
            var output = new double[n * dModel];
            var weights = new double[n * n];
            return () => ScaledDotProductAttention.Compute(x, x, x, output, weights, n, n, dModel, dModel);
        }, runs, AttentionWarmup);
    }

    /// <summary>The attention kernels compile their hot methods fully optimised on the first call, so a short warm-up is
    /// enough even in a process (a notebook session) whose JIT stays busy with other code for seconds.</summary>
    private static readonly TimeSpan AttentionWarmup = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Times one attention kernel against sequence length: self-attention (<c>Q = K = V = X</c>, X an
    /// n×<paramref name="dModel"/> standard-normal matrix) with the row-major double-precision span kernels and every
    /// buffer they write allocated beforehand, so the numbers are the kernel itself. Same rounds as <see cref="Time"/>,
    /// with at most 1 s of warm-up.
    /// </summary>
    /// <param name="lengths">Sequence lengths (each ≥ 1).</param>
    /// <param name="kernel">Which kernel (see <see cref="AttentionKernel"/>).</param>
    /// <param name="dModel">Token width d (≥ 1).</param>
    /// <param name="window">Largest distance |i − j| for <see cref="AttentionKernel.FullWithWindowMask"/> and
    /// <see cref="AttentionKernel.SlidingWindow"/> (≥ 0); ignored by the others.</param>
    /// <param name="causal">Whether queries may not look ahead.</param>
    /// <param name="runs">Timed runs per length (≥ 1).</param>
    /// <param name="seed">Seed for the inputs.</param>
    /// <returns>One timing per length, in the order given.</returns>
    public static IReadOnlyList<Timing> TimeAttention(IReadOnlyList<int> lengths, AttentionKernel kernel, int dModel = 64, int window = 32,
        bool causal = false, int runs = 3, int seed = 0)
    {
        CheckAttention(lengths, dModel, window);
        Check.Positive(runs, nameof(runs));
        return Time(lengths, n => AttentionCall(n, kernel, dModel, window, causal, seed, allocateOutputs: false), runs, AttentionWarmup);
    }

    /// <summary>
    /// The managed bytes one call of an attention kernel allocates at length <paramref name="n"/>, counting the buffers
    /// the caller must supply as well (the output, and the n×n weights of full attention, the n×n mask of masked
    /// attention or the band of local attention) — that is, what the computation needs beyond its inputs. Measured with
    /// <see cref="AllocatedBytes"/> after one untimed call.
    /// </summary>
    /// <param name="n">Sequence length (≥ 1).</param>
    /// <param name="kernel">Which kernel.</param>
    /// <param name="dModel">Token width d (≥ 1).</param>
    /// <param name="window">Largest distance for the windowed kernels (≥ 0).</param>
    /// <param name="causal">Whether queries may not look ahead.</param>
    /// <param name="seed">Seed for the inputs.</param>
    /// <returns>The bytes allocated.</returns>
    public static long AttentionAllocatedBytes(int n, AttentionKernel kernel, int dModel = 64, int window = 32, bool causal = false, int seed = 0)
    {
        CheckAttention([n], dModel, window);
        var call = AttentionCall(n, kernel, dModel, window, causal, seed, allocateOutputs: true);
        call();
        return AllocatedBytes(call);
    }

    private static void CheckAttention(IReadOnlyList<int> lengths, int dModel, int window)
    {
        Check.NotNull(lengths, nameof(lengths));
        Check.Positive(dModel, nameof(dModel));
        Check.NonNegative(window, nameof(window));
        foreach (int n in lengths) Check.Positive(n, "each length");
    }

    private static Action AttentionCall(int n, AttentionKernel kernel, int d, int window, bool causal, int seed, bool allocateOutputs)
    {
        var x = Layout.ToRowMajor(Init.Normal(n, d, seed));
        int w = Math.Min(window, n - 1);
        switch (kernel)
        {
            case AttentionKernel.Full:
            case AttentionKernel.FullWithWindowMask:
            {
                bool masked = kernel == AttentionKernel.FullWithWindowMask;
                Func<bool[]?> makeMask = () => masked ? Layout.Flatten(Masks.SlidingWindow(n, w, causal)) : causal ? Layout.Flatten(Masks.Causal(n, n)) : null;
                if (allocateOutputs)
                    return () => ScaledDotProductAttention.Compute(x, x, x, new double[n * d], new double[(long)n * n], n, n, d, d, makeMask());
                var (output, weights, mask) = (new double[n * d], new double[(long)n * n], makeMask());
                return () => ScaledDotProductAttention.Compute(x, x, x, output, weights, n, n, d, d, mask);
            }
            case AttentionKernel.Streaming:
            {
                double[]? output = allocateOutputs ? null : new double[n * d];
                return () => StreamingAttention.Compute(x, x, x, output ?? new double[n * d], n, n, d, d, causal);
            }
            case AttentionKernel.SlidingWindow:
            {
                int width = LocalAttention.BandWidth(w, causal);
                double[]? output = allocateOutputs ? null : new double[n * d], band = allocateOutputs ? null : new double[n * width];
                return () => LocalAttention.Compute(x, x, x, output ?? new double[n * d], band ?? new double[n * width], n, d, d, w, causal);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "Unknown attention kernel; use one of the AttentionKernel values.");
        }
    }

    private static void WarmUp(Action work, TimeSpan max)
    {
        const double minMs = 300, quietMs = 250;
        long start = Stopwatch.GetTimestamp(), lastCompile = start;
        long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (Stopwatch.GetElapsedTime(start) < max)
        {
            work();
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != compiled) { compiled = now; lastCompile = Stopwatch.GetTimestamp(); }
            if (Stopwatch.GetElapsedTime(start).TotalMilliseconds >= minMs && Stopwatch.GetElapsedTime(lastCompile).TotalMilliseconds >= quietMs)
                return;
        }
    }

    /// <summary>Bytes allocated on the managed heap by the current thread while <paramref name="action"/> ran:
    /// a measurement of the memory an operation asks for (not of what stays alive afterwards). The library's kernels
    /// allocate their working memory (packed keys, per-thread blocks) on the calling thread before they hand rows to
    /// other threads, so this counts all of it, and nothing another thread of the process allocates meanwhile.</summary>
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

    /// <summary>
    /// Least-squares fit of a polynomial of the given degree to the points (x, y): minimises
    /// <c>Σ (y_i − p(x_i))²</c>. Solved by QR with x rescaled to at most 1 in size, so large x (n = 1024 gives
    /// n² ≈ 10⁶) stays well conditioned.
    /// </summary>
    /// <param name="x">The x values; at least degree + 1 distinct.</param>
    /// <param name="y">The y values, one per x.</param>
    /// <param name="degree">The degree (≥ 1).</param>
    /// <returns>The fitted polynomial, with its R² on these points.</returns>
    public static PolynomialFit FitPolynomial(IReadOnlyList<double> x, IReadOnlyList<double> y, int degree)
    {
        CheckPoints(x, y);
        Check.Positive(degree, nameof(degree));
        int distinct = x.Distinct().Count();
        if (distinct <= degree)
            throw new ArgumentException(
                $"A degree-{degree} fit has {degree + 1} coefficients, so it needs at least {degree + 1} distinct x values, but x has {distinct}.", nameof(x));
        double s = Math.Max(1e-300, x.Max(Math.Abs));
        var design = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(x.Count, degree + 1, (i, k) => Math.Pow(x[i] / s, k));
        var c = design.QR().Solve(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfEnumerable(y));
        var fit = new PolynomialFit(c.Select((v, k) => v / Math.Pow(s, k)).ToArray(), 0);
        double mean = y.Average(), total = y.Sum(v => (v - mean) * (v - mean));
        double residual = x.Select((v, i) => Math.Pow(y[i] - fit.Evaluate(v), 2)).Sum();
        return fit with { RSquared = total == 0 ? (residual == 0 ? 1 : 0) : 1 - residual / total };
    }

    /// <summary>
    /// One sentence that reads a run's growth numbers: the fitted time ratio t(2n)/t(n), the time exponent and the
    /// memory exponent, each set against the quadratic law (ratio 4, exponent 2). Generated from the numbers, so the
    /// notebook never states a growth the measurement does not show.
    /// </summary>
    /// <param name="ratio">t(2n)/t(n) on the fitted curve.</param>
    /// <param name="timeExponent">The log-log slope of time against n.</param>
    /// <param name="memoryExponent">The log-log slope of allocated bytes against n.</param>
    /// <returns>The sentence.</returns>
    public static string DescribeGrowth(double ratio, double timeExponent, double memoryExponent)
    {
        static string Against(double value, double quadratic, double band) =>
            value < quadratic - band ? "below" : value > quadratic + band ? "above" : "close to";
        string time = Against(timeExponent, 2, 0.1);
        string why = time switch
        {
            "below" => "the fixed costs of a call still take a visible share",
            "above" => "the larger score matrices no longer fit in the caches, so each score costs more",
            _ => "the n² work dominates",
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"This run: time ratio {ratio:F2} ({Against(ratio, 4, 0.4)} the quadratic 4), time exponent {timeExponent:F2} " +
            $"({time} 2: {why}), memory exponent {memoryExponent:F2} ({Against(memoryExponent, 2, 0.1)} 2).");
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

    private static void CheckSizes(int n, int dk, int dv, int bytesPerValue)
    {
        Check.NonNegative(n, nameof(n));
        Check.Positive(dk, nameof(dk));
        Check.NonNegative(dv, nameof(dv));
        Check.Positive(bytesPerValue, nameof(bytesPerValue));
    }
}

/// <summary>The attention kernels <see cref="ScalingMeasurements.TimeAttention"/> and
/// <see cref="ScalingMeasurements.AttentionAllocatedBytes"/> compare.</summary>
public enum AttentionKernel
{
    /// <summary><see cref="ScaledDotProductAttention"/>: every one of the n×n scores, and the n×n weights it returns.</summary>
    Full,

    /// <summary>Full attention with a <see cref="Masks.SlidingWindow(int, int, bool)"/> mask: the same n² work (and an n×n
    /// mask), most of it then thrown away.</summary>
    FullWithWindowMask,

    /// <summary><see cref="StreamingAttention"/>: the same n² work, but O(n·d) memory (no n×n matrix anywhere).</summary>
    Streaming,

    /// <summary><see cref="LocalAttention"/>: only the scores inside the window, O(n·w) time and memory.</summary>
    SlidingWindow,
}

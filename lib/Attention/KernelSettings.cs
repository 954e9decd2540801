using System.Runtime.Intrinsics;

namespace Attention;

/// <summary>
/// Process-wide settings of the fast kernels (attention, scores, softmax, local and streaming attention,
/// the sinusoidal table).
/// </summary>
/// <remarks>
/// <para>The kernels split their work over rows (and heads) with <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>.
/// <see cref="MaxDegreeOfParallelism"/> caps how many threads one call uses: 1 runs everything on the calling
/// thread, which is how single-thread speed is measured; the default is every core
/// (<see cref="Environment.ProcessorCount"/>). Small problems run on the calling thread whatever the setting,
/// because starting workers would cost more than the work.</para>
/// <para>The setting is read once at the start of each call; changing it while another thread is inside a kernel
/// affects only later calls. Results do not depend on it: every output element is computed by one thread in the
/// same order whatever the thread count.</para>
/// </remarks>
public static class KernelSettings
{
    private static int _maxDegree = Environment.ProcessorCount;

    /// <summary>The most threads one kernel call uses (≥ 1); the default is <see cref="Environment.ProcessorCount"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public static int MaxDegreeOfParallelism
    {
        get => Volatile.Read(ref _maxDegree);
        set
        {
            if (value < 1)
                throw new ArgumentOutOfRangeException(nameof(value), value,
                    $"MaxDegreeOfParallelism must be at least 1 (1 = run on the calling thread only), but it is {value}.");
            Volatile.Write(ref _maxDegree, value);
        }
    }

    /// <summary>The widest vectors the kernels use on this machine: 512 (AVX-512), 256 (AVX2 with FMA, or
    /// another platform's 256-bit vectors) or 0 when there is no hardware vector support and the plain loops run.</summary>
    public static int VectorBits => Simd.Width;
}

/// <summary>Which vector width the fast kernels use, and the row-block parallel loop they share.</summary>
internal static class Simd
{
    /// <summary>Set by tests to run the 256-bit code on a machine that has 512-bit vectors (both must be right).</summary>
    internal static bool Disable512;

    /// <summary>Set by tests and benchmarks to run the plain (pre-SIMD) kernels.</summary>
    internal static bool DisableAll;

    public static bool Use512 => !DisableAll && !Disable512 && Vector512.IsHardwareAccelerated;

    public static bool Use256 => !DisableAll && Vector256.IsHardwareAccelerated;

    public static int Width => Use512 ? 512 : Use256 ? 256 : 0;

    /// <summary>Runs <paramref name="body"/> for 0 … count − 1, over up to <see cref="KernelSettings.MaxDegreeOfParallelism"/>
    /// threads when the total work (in multiply-adds or similar) is worth it.</summary>
    public static void For(int count, double work, Action<int> body)
    {
        int degree = Math.Min(KernelSettings.MaxDegreeOfParallelism, count);
        if (degree <= 1 || work < ParallelThreshold)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = degree }, body);
    }

    /// <summary>Like <see cref="For(int, double, Action{int})"/> with per-thread scratch made by <paramref name="scratch"/>.</summary>
    public static void For<TLocal>(int count, double work, Func<TLocal> scratch, Action<int, TLocal> body)
    {
        int degree = Math.Min(KernelSettings.MaxDegreeOfParallelism, count);
        if (degree <= 1 || work < ParallelThreshold)
        {
            if (count == 0) return;
            var local = scratch();
            for (int i = 0; i < count; i++) body(i, local);
            return;
        }
        // A pool rather than Parallel.For's per-task state: at most `degree` items run at once, so `degree` scratch
        // objects are enough however many tasks the scheduler starts. They are made here, on the calling thread, so the
        // memory a call needs is allocated by the caller (ScalingMeasurements.AllocatedBytes sees it).
        var pool = new System.Collections.Concurrent.ConcurrentStack<TLocal>();
        for (int t = 0; t < degree; t++) pool.Push(scratch());
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = degree }, i =>
        {
            if (!pool.TryPop(out var local)) local = scratch();
            body(i, local);
            pool.Push(local);
        });
    }

    /// <summary>About 0.1 ms of work (multiply-adds or similar): below this, waking a second thread costs more than it saves.</summary>
    private const double ParallelThreshold = 4_000_000;
}

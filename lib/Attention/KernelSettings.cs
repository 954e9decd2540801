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

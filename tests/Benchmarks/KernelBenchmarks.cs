using Attention;
using BenchmarkDotNet.Attributes;

namespace Benchmarks;

/// <summary>Attention, d = 64: the blocked and streaming kernels against the plain one, fp32, 1 and 2 threads.</summary>
[MemoryDiagnoser]
public class AttentionBenchmarks
{
    private Action _blocked = null!, _streaming = null!, _causal = null!, _simple = null!;

    /// <summary>Sequence length.</summary>
    [Params(1024, 4096)] public int N { get; set; }

    /// <summary>KernelSettings.MaxDegreeOfParallelism.</summary>
    [Params(1, 2)] public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        KernelSettings.MaxDegreeOfParallelism = Threads;
        _blocked = Workloads.Blocked<float>(N);
        _streaming = Workloads.Streaming<float>(N);
        _causal = Workloads.Streaming<float>(N, causal: true);
        _simple = Workloads.Simple<float>(N);
    }

    [Benchmark(Baseline = true)] public void Simple() => _simple();
    [Benchmark] public void Blocked() => _blocked();
    [Benchmark] public void Streaming() => _streaming();
    [Benchmark] public void StreamingCausal() => _causal();
}

/// <summary>Row softmax of a 4096 × 4096 fp32 matrix and the 4096 × 512 sinusoidal table, fast against plain.</summary>
[MemoryDiagnoser]
public class RowBenchmarks
{
    private Action _softmax = null!, _softmaxSimple = null!, _table = null!, _tableSimple = null!;

    /// <summary>KernelSettings.MaxDegreeOfParallelism.</summary>
    [Params(1, 2)] public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        KernelSettings.MaxDegreeOfParallelism = Threads;
        _softmax = Workloads.SoftmaxRows(4096, simple: false);
        _softmaxSimple = Workloads.SoftmaxRows(4096, simple: true);
        _table = Workloads.Table(4096, 512, simple: false);
        _tableSimple = Workloads.Table(4096, 512, simple: true);
    }

    [Benchmark] public void Softmax() => _softmax();
    [Benchmark] public void SoftmaxSimple() => _softmaxSimple();
    [Benchmark] public void Table() => _table();
    [Benchmark] public void TableSimple() => _tableSimple();
}

using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Benchmarks;

/// <summary>Entry point: <c>compare</c> (the comparison table), <c>memory N</c> (one streaming run, for the table's
/// memory line) and <c>bdn</c> (BenchmarkDotNet's detailed runs).</summary>
public static class Program
{
    internal const string Usage = """
        usage: dotnet run -c Release --project tests/Benchmarks -- COMMAND
          compare [--quick] [--no-numpy] [--transformer-only] [--sizes 1024,2048,4096] [--memory-n 65536]
                     the comparison table: our kernels, the plain ones, MathNet and numpy (1 and 2 threads),
                     a per-phase profile, streaming attention's memory, the Transformer training step against its numpy
                     peer, and the speed goals (exit code 1 if one is not met); --transformer-only: just the
                     training step and its two goals
          memory N   causal streaming attention at n = N, d = 64, fp32: bytes allocated and peak memory rise
          transformer-step [--engine parallel|sequential] [--threads T] [--steps N] [--warmup W]
                     seconds per training step of notebook 11's encoder–decoder (compare runs it as a child process)
          bdn [BenchmarkDotNet options, e.g. --filter *Attention*]
                     BenchmarkDotNet's detailed runs of the same kernels (in-process toolchain)
        """;

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        string[] rest = args[1..];
        switch (args[0])
        {
            case "compare": return CompareCommand.Run(rest);
            case "memory": return MemoryCommand.Run(rest);
            case "transformer-step": return TransformerStep.Run(rest);
            case "bdn":
                // Reports go under artifacts/ (git-ignored), not into whatever folder the command was started from.
                var config = DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance))
                    .WithOptions(ConfigOptions.JoinSummary)
                    .WithArtifactsPath(Path.Combine(RepositoryRoot(), "artifacts", "benchmarks"));
                var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest.Length == 0 ? ["--filter", "*"] : rest, config);
                return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
            default:
                Console.Error.WriteLine($"Unknown command '{args[0]}'.");
                Console.Error.WriteLine(Usage);
                return 2;
        }
    }

    /// <summary>The repository root: the first folder holding Tutorial.sln above this program (or the current directory).</summary>
    internal static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Tutorial.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}

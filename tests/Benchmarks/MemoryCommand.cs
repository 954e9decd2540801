using System.Diagnostics;
using System.Globalization;
using Attention;

namespace Benchmarks;

/// <summary>
/// <c>memory N</c>: causal streaming attention at n = N, d = 64, float, once, in a fresh process, reporting what it
/// needed beyond its inputs and output two ways: bytes allocated on the managed heap during the call
/// (<see cref="GC.GetTotalAllocatedBytes(bool)"/>, all threads) and the rise of the process's peak resident memory
/// (Linux: <c>VmHWM</c> after resetting it through <c>/proc/self/clear_refs</c>; elsewhere the peak working set).
/// The compare command runs it as a child process so nothing measured before can hold the peak up.
/// </summary>
internal static class MemoryCommand
{
    public sealed record Result(int N, long AllocatedBytes, long PeakRiseBytes, string PeakMethod, double Milliseconds, long FormulaBytes, long InputOutputBytes, long SquareBytes)
    {
        public string ToLine() => string.Create(CultureInfo.InvariantCulture,
            $"memory n={N} allocated={AllocatedBytes} peakRise={PeakRiseBytes} peakMethod={PeakMethod} ms={Milliseconds:F1} formula={FormulaBytes} io={InputOutputBytes} square={SquareBytes}");

        public static Result? Parse(string output)
        {
            var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("memory n=", StringComparison.Ordinal));
            if (line is null) return null;
            var f = line.Trim().Split(' ').Skip(1).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            long L(string k) => long.Parse(f[k], CultureInfo.InvariantCulture);
            return new Result((int)L("n"), L("allocated"), L("peakRise"), f["peakMethod"], double.Parse(f["ms"], CultureInfo.InvariantCulture),
                L("formula"), L("io"), L("square"));
        }
    }

    public static int Run(string[] args)
    {
        if (args.Length < 1 || !int.TryParse(args[0], out int n) || n < 1)
        {
            Console.Error.WriteLine("usage: memory N   (N ≥ 1: the sequence length; d = 64, causal, float)");
            return 2;
        }
        Console.WriteLine(Measure(n).ToLine());
        return 0;
    }

    public static Result Measure(int n)
    {
        const int d = Workloads.D;
        var q = Workloads.Normal<float>(n * d, 1);
        var k = Workloads.Normal<float>(n * d, 2);
        var v = Workloads.Normal<float>(n * d, 3);
        var o = new float[n * d];
        int small = Math.Min(n, 256);
        StreamingAttention.Compute(q.AsSpan(0, small * d), k.AsSpan(0, small * d), v.AsSpan(0, small * d), o.AsSpan(0, small * d), small, small, d, d, causal: true);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        bool linux = ResetPeak();
        long residentBefore = linux ? Status("VmRSS:") : Process.GetCurrentProcess().WorkingSet64;
        long peakBefore = linux ? residentBefore : Process.GetCurrentProcess().PeakWorkingSet64;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp();
        StreamingAttention.Compute(q, k, v, o, n, n, d, d, causal: true);
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        long peakAfter;
        if (linux) peakAfter = Status("VmHWM:");
        else { var p = Process.GetCurrentProcess(); p.Refresh(); peakAfter = p.PeakWorkingSet64; }
        GC.KeepAlive(q); GC.KeepAlive(k); GC.KeepAlive(v); GC.KeepAlive(o);
        return new Result(n, allocated, Math.Max(0, peakAfter - peakBefore), linux ? "VmHWM" : "PeakWorkingSet64", ms,
            StreamingAttention.ExtraBytes(n, n, d, d), 4L * n * d * sizeof(float), (long)n * n * sizeof(float));
    }

    /// <summary>Linux: writing 5 to /proc/self/clear_refs resets the peak resident size (VmHWM) to the current one.</summary>
    private static bool ResetPeak()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return Status("VmHWM:") > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long Status(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        return 0;
    }
}

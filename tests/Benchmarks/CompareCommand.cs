using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Attention;

namespace Benchmarks;

/// <summary>
/// <c>compare</c>: one table of our kernels against the plain ones they replaced, against MathNet's matrix products and
/// against numpy (run in the same invocation with 1 and 2 BLAS threads), with ratios, a per-phase profile, the memory of
/// streaming attention at n = 65,536 and the speed goals marked met or not met.
/// </summary>
/// <remarks>
/// Times are medians of <see cref="ScalingMeasurements.Time"/> (the project's timer: warm-up until the JIT is quiet,
/// then rounds over all sizes). The machine may be shared, so absolute times move; the ratios are measured minutes
/// apart in one run, and numpy runs twice (before and after ours) with its faster figure kept, which makes every
/// ratio conservative.
/// </remarks>
internal sealed class CompareCommand
{
    private readonly bool _quick;
    private readonly bool _numpy;
    private readonly int[] _lengths;
    private readonly int _softmaxSide, _tablePositions, _tableWidth, _sgemmSize, _memoryN, _runs;
    private static readonly int[] ThreadCounts = [1, 2];
    private static readonly string[] Types = ["float32", "float64"];

    private readonly Dictionary<(string Work, string Type, int N, int Threads), double> _ms = [];
    private readonly Dictionary<(string Type, int N, int Threads), (double Pack, double Scores, double Softmax, double Sum)> _profile = [];
    private readonly Dictionary<int, NumpyFigures> _numpy1 = [];
    private readonly Dictionary<(string Who, int Threads), double> _step = [];
    private readonly List<string> _stepProblems = [];
    private string? _loadBefore, _loadAfter;

    private CompareCommand(bool quick, bool numpy, int[]? lengths, int? memoryN)
    {
        _quick = quick;
        _numpy = numpy;
        _lengths = lengths ?? (quick ? [64, 128] : [1024, 2048, 4096]);
        (_softmaxSide, _tablePositions, _tableWidth, _sgemmSize) = quick ? (256, 256, 64, 256) : (4096, 4096, 512, 2048);
        _memoryN = memoryN ?? (quick ? 4096 : 65536);
        _runs = quick ? 3 : 7;
    }

    public static int Run(string[] args)
    {
        bool quick = false, numpy = true, transformerOnly = false;
        int[]? lengths = null;
        int? memoryN = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--no-numpy": numpy = false; break;
                case "--transformer-only": transformerOnly = true; break;
                case "--sizes" when i + 1 < args.Length && TryParseList(args[i + 1], out var l): lengths = l; i++; break;
                case "--memory-n" when i + 1 < args.Length && int.TryParse(args[i + 1], out int m) && m > 0: memoryN = m; i++; break;
                default:
                    Console.Error.WriteLine($"compare: unknown or incomplete option '{args[i]}'.");
                    Console.Error.WriteLine(Program.Usage);
                    return 2;
            }
        }
        var command = new CompareCommand(quick, numpy, lengths, memoryN);
        if (transformerOnly)
        {
            command.MeasureTransformerStep();
            command.PrintTransformerStep();
            return command.PrintTransformerGoals() || quick ? 0 : 1;
        }
        return command.Execute();
    }

    private static bool TryParseList(string text, out int[] values)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], out values[i]) || values[i] < 1) return false;
        return values.Length > 0;
    }

    private static void Progress(string text) => Console.Error.WriteLine($"  … {text}");

    private int Execute()
    {
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"# Speed comparison{(_quick ? " (quick smoke run: tiny sizes, goals not judged)" : "")}");
        Console.WriteLine();
        Console.WriteLine($"Machine: {Environment.ProcessorCount} logical cores, {RuntimeInformation.ProcessArchitecture}, {RuntimeInformation.OSDescription}, " +
                          $".NET {Environment.Version}; our kernels use {KernelSettings.VectorBits}-bit vectors.");
        if (File.Exists("/proc/loadavg"))
            Console.WriteLine($"Load average at start: {File.ReadAllText("/proc/loadavg").Split(' ')[0]} (other work on the machine slows everything alike; compare ratios, not times).");

        var (peer, whyNot) = _numpy ? NumpyPeer.Find(Program.RepositoryRoot()) : (null, "numpy skipped (--no-numpy).");
        Console.WriteLine(peer is null ? $"Peer: {whyNot}" : $"Peer: {peer.Description}, with OPENBLAS_NUM_THREADS=1 and =2.");
        Console.WriteLine();

        int savedThreads = KernelSettings.MaxDegreeOfParallelism;
        int savedMathNet = MathNet.Numerics.Control.MaxDegreeOfParallelism;
        try
        {
            // numpy and ours take turns, one size at a time: numpy, ours, numpy again (the faster numpy figure is kept), so
            // both sides of every ratio are measured within a minute of each other whatever else the machine is doing.
            foreach (int threads in ThreadCounts)
            {
                KernelSettings.MaxDegreeOfParallelism = threads;
                MathNet.Numerics.Control.MaxDegreeOfParallelism = threads;
                foreach (int n in _lengths)
                {
                    NumpyTurn(peer, n, threads);
                    MeasureAttention(threads, n);
                    if (!_quick) NumpyTurn(peer, n, threads);
                }
                MeasureOthers(threads);
            }
        }
        finally
        {
            KernelSettings.MaxDegreeOfParallelism = savedThreads;
            MathNet.Numerics.Control.MaxDegreeOfParallelism = savedMathNet;
        }
        Progress($"memory of streaming attention at n = {_memoryN:N0} (child process)");
        var memory = MeasureMemory(out string memoryProblem);
        MeasureTransformerStep();

        PrintAttention();
        PrintOtherWork();
        PrintProfile();
        PrintMemory(memory, memoryProblem);
        PrintTransformerStep();
        bool allMet = PrintGoals(memory);
        Console.WriteLine();
        Console.WriteLine($"Finished in {clock.Elapsed.TotalMinutes:F1} min.");
        return allMet || _quick ? 0 : 1;
    }

    // ───────────────────────── measuring ─────────────────────────

    private void NumpyTurn(NumpyPeer? peer, int n, int threads)
    {
        if (peer is null) return;
        Progress($"numpy, n = {n}, {threads} thread(s)");
        var figures = peer.Measure([n], threads, _quick);
        _numpy1[threads] = _numpy1.TryGetValue(threads, out var earlier) ? NumpyFigures.Best(earlier, figures) : figures;
    }

    private void Time(int threads, string work, string type, IReadOnlyList<int> sizes, Func<int, Action> prepare, int runs)
    {
        if (sizes.Count == 0) return;
        Progress($"{work} {type}, {threads} thread(s), n = {string.Join(", ", sizes)}");
        foreach (var t in ScalingMeasurements.Time(sizes, prepare, runs, TimeSpan.FromSeconds(_quick ? 0.5 : 2)))
            _ms[(work, type, t.Size, threads)] = t.MedianMilliseconds;
    }

    private void MeasureAttention(int threads, int n)
    {
        Time(threads, "blocked", "float32", [n], Workloads.Blocked<float>, _runs);
        Time(threads, "streaming", "float32", [n], m => Workloads.Streaming<float>(m), _runs);
        Time(threads, "blocked", "float64", [n], Workloads.Blocked<double>, _runs);
        Time(threads, "streaming", "float64", [n], m => Workloads.Streaming<double>(m), _runs);
        Time(threads, "mathnet", "float32", [n], Workloads.MathNet<float>, 3);
        Time(threads, "mathnet", "float64", [n], Workloads.MathNet<double>, 3);
        if (threads == 1)
        {
            // The plain kernels are single-threaded; the triple loops take seconds past n = 1024.
            Time(threads, "simple", "float32", [n], Workloads.Simple<float>, 3);
            Time(threads, "simple", "float64", [n], Workloads.Simple<double>, 3);
            if (n <= 1024) Time(threads, "loops", "float64", [n], Workloads.Loops, 3);
        }
        Progress($"per-phase profile, n = {n}, {threads} thread(s)");
        foreach (var type in Types)
        {
            var work = type == "float32" ? Workloads.Blocked<float>(n) : Workloads.Blocked<double>(n);
            work();
            var phases = new BlockedAttention.Phases();
            int reps = Math.Max(3, (int)Math.Min(20, 4e9 / ((double)n * n * Workloads.D)));
            BlockedAttention.Profile = phases;
            try { for (int r = 0; r < reps; r++) work(); }
            finally { BlockedAttention.Profile = null; }
            double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency / reps;
            _profile[(type, n, threads)] = (Ms(phases.Packing), Ms(phases.Scores), Ms(phases.Softmax), Ms(phases.WeightedSum));
        }
    }

    private void MeasureOthers(int threads)
    {
        if (threads == 1)
        {
            Time(threads, "softmax simple", "float32", [_softmaxSide], n => Workloads.SoftmaxRows(n, simple: true), 3);
            Time(threads, "table simple", "float64", [_tablePositions], n => Workloads.Table(n, _tableWidth, simple: true), 3);
        }
        Time(threads, "softmax", "float32", [_softmaxSide], n => Workloads.SoftmaxRows(n, simple: false), _runs);
        Time(threads, "table", "float64", [_tablePositions], n => Workloads.Table(n, _tableWidth, simple: false), _runs);
        Time(threads, "sgemm", "float32", [_sgemmSize], Workloads.OurSgemm, _runs);
        Time(threads, "sgemm mathnet", "float32", [_sgemmSize], Workloads.MathNetSgemm, 3);
    }

    private MemoryCommand.Result? MeasureMemory(out string problem)
    {
        problem = "";
        string? self = Environment.ProcessPath;
        if (self is null) { problem = "cannot find this program's path to start the child process"; return null; }
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            info.ArgumentList.Add(typeof(Program).Assembly.Location);
        info.ArgumentList.Add("memory");
        info.ArgumentList.Add(_memoryN.ToString(CultureInfo.InvariantCulture));
        info.Environment["DOTNET_gcServer"] = "0";
        using var child = Process.Start(info)!;
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(TimeSpan.FromMinutes(30)))
        {
            child.Kill(entireProcessTree: true);
            problem = "the child process did not finish within 30 minutes";
            return null;
        }
        var result = MemoryCommand.Result.Parse(stdout.Result);
        if (result is null) problem = $"the child process failed (exit code {child.ExitCode}): {stdout.Result}{stderr.Result}";
        return result;
    }

    // ───────────────────────── printing ─────────────────────────

    private double? Ms(string work, string type, int n, int threads) => _ms.TryGetValue((work, type, n, threads), out var v) ? v : null;

    private double? Numpy(string type, int n, int threads) =>
        _numpy1.TryGetValue(threads, out var f) && f.Attention.TryGetValue((type, n), out var v) ? v : null;

    private static string F(double? ms) => ms is null ? "—" : ms.Value >= 100 ? ms.Value.ToString("F0", CultureInfo.InvariantCulture)
        : ms.Value >= 10 ? ms.Value.ToString("F1", CultureInfo.InvariantCulture) : ms.Value.ToString("F2", CultureInfo.InvariantCulture);

    private static string Ratio(double? numerator, double? denominator) =>
        numerator is null || denominator is null || denominator <= 0 || numerator <= 0 ? "—" : (numerator.Value / denominator.Value).ToString("F2", CultureInfo.InvariantCulture) + "×";

    private static string Short(string type) => type == "float32" ? "fp32" : "fp64";

    private void PrintAttention()
    {
        Console.WriteLine($"## Attention softmax(Q·Kᵀ/√d)·V, d = {Workloads.D}, self-attention sizes n × n (median ms)");
        Console.WriteLine();
        Console.WriteLine("Columns: **blocked** = `ScaledDotProductAttention.Compute` span kernel (output and the n×n weights, the work numpy does); " +
                          "**streaming** = `StreamingAttention.Compute` (output only, O(n·d) memory); **simple** = the kernel before this work " +
                          "(single-threaded); **loops** = the tests' plain triple loops (double, n ≤ 1024 only); **MathNet** = MathNet's two matrix " +
                          "products (managed provider) around our softmax; **numpy** = the peer script. A ratio above 1 means ours is faster.");
        Console.WriteLine();
        Console.WriteLine("| work | threads | blocked | streaming | simple | loops | MathNet | numpy | numpy ÷ blocked | numpy ÷ streaming | simple ÷ blocked | MathNet ÷ blocked |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var type in Types)
            foreach (int n in _lengths)
                foreach (int threads in ThreadCounts)
                {
                    double? blocked = Ms("blocked", type, n, threads), streaming = Ms("streaming", type, n, threads);
                    double? simple = Ms("simple", type, n, 1), loops = Ms("loops", type, n, 1), mathnet = Ms("mathnet", type, n, threads);
                    double? numpy = Numpy(type, n, threads);
                    Console.WriteLine($"| {Short(type)} n={n} | {threads} | {F(blocked)} | {F(streaming)} | {(threads == 1 ? F(simple) : "—")} | {(threads == 1 ? F(loops) : "—")} | " +
                                      $"{F(mathnet)} | {F(numpy)} | {Ratio(numpy, blocked)} | {Ratio(numpy, streaming)} | {Ratio(simple, blocked)} | {Ratio(mathnet, blocked)} |");
                }
        Console.WriteLine();
    }

    private void PrintOtherWork()
    {
        Console.WriteLine("## Products, softmax and the sinusoidal table");
        Console.WriteLine();
        Console.WriteLine("| work | threads | ours | simple (before) | MathNet | numpy | numpy ÷ ours | simple ÷ ours |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        double flops = 2.0 * _sgemmSize * _sgemmSize * _sgemmSize;
        foreach (int threads in ThreadCounts)
        {
            double? ours = Ms("sgemm", "float32", _sgemmSize, threads), mathnet = Ms("sgemm mathnet", "float32", _sgemmSize, threads);
            double? numpyRate = _numpy1.TryGetValue(threads, out var f) ? f.SgemmGflops : null;
            string numpyCell = numpyRate?.ToString("F1", CultureInfo.InvariantCulture) ?? "—";
            if (numpyRate is not null && f!.SgemmSize != _sgemmSize) { numpyCell += $" ({f.SgemmSize}³, not comparable)"; numpyRate = null; }
            // For rates the ratio is ours ÷ numpy's, so that above 1 still means ours is faster.
            Console.WriteLine($"| sgemm {_sgemmSize}³ (GFLOP/s) | {threads} | {Rate(flops, ours)} | — | {Rate(flops, mathnet)} | {numpyCell} | " +
                              $"{(ours is null || numpyRate is null ? "—" : (flops / ours.Value / 1e6 / numpyRate.Value).ToString("F2", CultureInfo.InvariantCulture) + "×")} | — |");
        }
        foreach (int threads in ThreadCounts)
        {
            double? ours = Ms("softmax", "float32", _softmaxSide, threads), simple = Ms("softmax simple", "float32", _softmaxSide, 1);
            double? numpy = _numpy1.TryGetValue(threads, out var f) && f.SoftmaxSide == _softmaxSide ? f.SoftmaxMs : null;
            string numpyCell = numpy is not null ? F(numpy) : f?.SoftmaxMs is double other ? $"{F(other)} ({f.SoftmaxSide}², not comparable)" : "—";
            Console.WriteLine($"| row softmax fp32 {_softmaxSide}×{_softmaxSide} (ms) | {threads} | {F(ours)} | {(threads == 1 ? F(simple) : "—")} | — | {numpyCell} | {Ratio(numpy, ours)} | {(threads == 1 ? Ratio(simple, ours) : "—")} |");
        }
        foreach (int threads in ThreadCounts)
        {
            double? ours = Ms("table", "float64", _tablePositions, threads), simple = Ms("table simple", "float64", _tablePositions, 1);
            double? numpy = _numpy1.TryGetValue(threads, out var f) && f.TableShape == (_tablePositions, _tableWidth) ? f.TableMs : null;
            string numpyCell = numpy is not null ? F(numpy) : f?.TableMs is double other ? $"{F(other)} ({f.TableShape.Positions}×{f.TableShape.Width}, not comparable)" : "—";
            Console.WriteLine($"| sinusoidal table {_tablePositions}×{_tableWidth} fp64 (ms) | {threads} | {F(ours)} | {(threads == 1 ? F(simple) : "—")} | — | {numpyCell} | {Ratio(numpy, ours)} | {(threads == 1 ? Ratio(simple, ours) : "—")} |");
        }
        Console.WriteLine();
        Console.WriteLine("For sgemm the ratio column is our rate ÷ numpy's (above 1: ours is faster), for the others numpy's time ÷ ours. " +
                          "numpy's row softmax and table are single-threaded whatever OPENBLAS_NUM_THREADS says; ours use the thread setting.");
        Console.WriteLine();
    }

    private static string Rate(double flops, double? ms) => ms is null ? "—" : (flops / ms.Value / 1e6).ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>GFLOP/s of the two products inside blocked attention: 4·n²·d over the thread-time of the two product phases,
    /// times the thread count (both threads work on products at once).</summary>
    private double? ProductRate(string type, int n, int threads) =>
        _profile.TryGetValue((type, n, threads), out var p) && p.Scores + p.Sum > 0
            ? 4.0 * n * n * Workloads.D / ((p.Scores + p.Sum) / threads) / 1e6 : null;

    private void PrintProfile()
    {
        Console.WriteLine("## Where the time goes in blocked attention (ms per call, summed over threads)");
        Console.WriteLine();
        Console.WriteLine("| work | threads | packing K | scores Q·Kᵀ | softmax | weighted sum W·V | products GFLOP/s | numpy sgemm GFLOP/s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var type in Types)
            foreach (int n in _lengths)
                foreach (int threads in ThreadCounts)
                {
                    if (!_profile.TryGetValue((type, n, threads), out var p)) continue;
                    double total = p.Pack + p.Scores + p.Softmax + p.Sum;
                    string Share(double ms) => $"{F(ms)} ({100 * ms / total:F0}%)";
                    double? sgemm = _numpy1.TryGetValue(threads, out var f) ? f.SgemmGflops : null;
                    Console.WriteLine($"| {Short(type)} n={n} | {threads} | {Share(p.Pack)} | {Share(p.Scores)} | {Share(p.Softmax)} | {Share(p.Sum)} | " +
                                      $"{ProductRate(type, n, threads)?.ToString("F1", CultureInfo.InvariantCulture) ?? "—"} | {(type == "float32" ? sgemm?.ToString("F1", CultureInfo.InvariantCulture) ?? "—" : "(fp32 only)")} |");
                }
        Console.WriteLine();
    }

    private void PrintMemory(MemoryCommand.Result? m, string problem)
    {
        Console.WriteLine($"## Memory: causal streaming attention, n = {_memoryN:N0}, d = {Workloads.D}, fp32");
        Console.WriteLine();
        if (m is null) { Console.WriteLine($"Not measured: {problem}."); Console.WriteLine(); return; }
        Console.WriteLine($"- time: {m.Milliseconds / 1000:F1} s");
        Console.WriteLine($"- managed bytes allocated during the call (GC.GetTotalAllocatedBytes, all threads): {Mb(m.AllocatedBytes)} (the kernel's own formula: {Mb(m.FormulaBytes)})");
        Console.WriteLine($"- rise of the process's peak resident memory during the call ({(m.PeakMethod == "VmHWM" ? "VmHWM after resetting it via /proc/self/clear_refs" : "peak working set")}): {Mb(m.PeakRiseBytes)}");
        Console.WriteLine($"- for scale: inputs and output {Mb(m.InputOutputBytes)}; the n×n scores in fp32 would be {Mb(m.SquareBytes)}");
        Console.WriteLine();
    }

    private static string Mb(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):F1} GiB" : $"{bytes / 1048576.0:F1} MiB";

    /// <summary>One training step of notebook 11's encoder–decoder: ours (a child process with the server GC, as the
    /// notebook runner) and the numpy peer taking turns, numpy, ours, numpy, ours (the faster figure of each is kept), on 1
    /// and 2 threads; and the sequential one-sequence-at-a-time engine that the batch-parallel loop replaced.</summary>
    private void MeasureTransformerStep()
    {
        // Ours after 100 untimed steps (the server GC's budgets settle over about that many: TransformerStep.Run), numpy
        // after 2 (it has no such phase); both then timed over enough steps to include their steady share of collections.
        int oursSteps = _quick ? 3 : 200, warmup = _quick ? 3 : 100, numpySteps = _quick ? 2 : 30;
        void Keep(string who, int threads, (double? Seconds, string Problem) r)
        {
            if (r.Seconds is null) { _stepProblems.Add($"{who}, {threads} thread(s): {r.Problem}"); return; }
            _step[(who, threads)] = _step.TryGetValue((who, threads), out var old) ? Math.Min(old, r.Seconds.Value) : r.Seconds.Value;
        }
        _loadBefore = LoadAverage();
        foreach (int threads in ThreadCounts)
        {
            Progress($"Transformer training step, numpy and ours taking turns, {threads} thread(s)");
            for (int turn = 0; turn < (_quick ? 1 : 2); turn++)
            {
                if (_numpy) Keep("numpy", threads, TransformerStep.Numpy(threads, numpySteps));
                Keep("ours", threads, TransformerStep.Ours("parallel", threads, oursSteps, warmup));
            }
        }
        Progress("Transformer training step, the sequential engine");
        for (int turn = 0; turn < (_quick ? 1 : 2); turn++)
            Keep("sequential", 1, TransformerStep.Ours("sequential", 1, oursSteps, warmup)); // as many steps as the batch-parallel loop: one GC budget per window
        _loadAfter = LoadAverage();
    }

    /// <summary>The 1-minute load average (Linux), or null: other work on the machine slows every figure, two threads most.</summary>
    private static string? LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private void PrintTransformerStep()
    {
        Console.WriteLine($"## Transformer training step (notebook 11: 2 + 2 layers, d_model 32, 4 heads, batch {TransformerStep.BatchSize} of 3–12 tokens; ms per step)");
        Console.WriteLine();
        Console.WriteLine("| threads | ours (batch-parallel, 4 slices) | numpy peer | numpy / ours | steps per second (ours) |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (int threads in ThreadCounts)
        {
            double? ours = _step.TryGetValue(("ours", threads), out var o) ? o : null, numpy = _step.TryGetValue(("numpy", threads), out var n) ? n : null;
            Console.WriteLine($"| {threads} | {F(ours * 1000)} | {F(numpy * 1000)} | {Ratio(numpy, ours)} | {(ours is null ? "—" : (1 / ours.Value).ToString("F0", CultureInfo.InvariantCulture))} |");
        }
        if (_step.TryGetValue(("sequential", 1), out var seq))
        {
            string versus = string.Join(", ", ThreadCounts.Where(t => _step.ContainsKey(("ours", t)))
                .Select(t => $"{seq / _step[("ours", t)]:F1}× on {t} thread(s)"));
            Console.WriteLine();
            Console.WriteLine($"The engine before the batch-parallel loop (one sequence at a time, one thread): {seq * 1000:F1} ms per step " +
                              $"({1 / seq:F0} steps per second); the batch-parallel loop's speed against it: {versus}.");
        }
        foreach (var problem in _stepProblems) Console.WriteLine($"(not measured: {problem})");
        if (_loadBefore is not null && _loadAfter is not null)
            Console.WriteLine($"{(_quick ? "One turn each (quick run)" : "Each figure is the faster of two turns")}. Load average (1 minute) before and after: {_loadBefore} and {_loadAfter} " +
                              $"on {Environment.ProcessorCount} logical cores (the benchmark counts itself; more than that means other work shared the cores).");
        Console.WriteLine();
    }

    /// <summary>The training step's goals (≥ 2× numpy on 1 thread, ≥ 3× on 2), each met or not from the measured times.</summary>
    private List<(bool? Met, string Text)> TransformerGoalLines()
    {
        var lines = new List<(bool? Met, string Text)>();
        foreach (int threads in ThreadCounts)
        {
            double goal = threads == 1 ? 2 : 3;
            string what = $"Transformer training step (notebook 11's model, batch {TransformerStep.BatchSize}), {threads} thread(s): at least {goal:F0}× numpy's speed";
            if (!_step.TryGetValue(("ours", threads), out var ours) || !_step.TryGetValue(("numpy", threads), out var numpy))
                lines.Add((null, $"{what} — not measured"));
            else lines.Add((numpy / ours >= goal, $"{what}: {numpy / ours:F2}× ({ours * 1000:F1} ms against {numpy * 1000:F1} ms)"));
        }
        return lines;
    }

    /// <summary>For <c>--transformer-only</c>: the training step's goal lines; true when none is unmet.</summary>
    private bool PrintTransformerGoals()
    {
        Console.WriteLine("## Goals (Transformer training step)");
        Console.WriteLine();
        if (_quick) Console.WriteLine("(Quick run: too few steps to judge, so the lines below are shown but not judged.)");
        var lines = TransformerGoalLines();
        foreach (var (met, text) in lines)
            Console.WriteLine($"- [{(_quick || met is null ? "not judged" : met.Value ? "met" : "NOT MET")}] {text}");
        return lines.All(l => l.Met != false);
    }

    private bool PrintGoals(MemoryCommand.Result? memory)
    {
        Console.WriteLine("## Goals");
        Console.WriteLine();
        if (_quick) Console.WriteLine("(Quick run: the sizes are not the goals' sizes, so the lines below are shown but not judged.)");
        var lines = new List<(bool? Met, string Text)>();
        int[] goalLengths = [1024, 2048, 4096];
        foreach (var type in Types)
            foreach (int n in goalLengths)
                foreach (int threads in ThreadCounts)
                {
                    double? numpy = Numpy(type, n, threads), ours = Ms("blocked", type, n, threads);
                    string what = $"attention {Short(type)} n={n}, {threads} thread(s): blocked kernel at least 1.5× numpy's speed";
                    if (numpy is null || ours is null) { lines.Add((null, $"{what} — not measured ({(numpy is null ? "no numpy figure" : "size not run")})")); continue; }
                    double r = numpy.Value / ours.Value;
                    lines.Add((r >= 1.5, $"{what}: {r:F2}× ({F(ours)} ms against {F(numpy)} ms)"));
                }
        foreach (int threads in ThreadCounts)
        {
            double? sgemm = _numpy1.TryGetValue(threads, out var f) ? f.SgemmGflops : null;
            foreach (int n in goalLengths)
            {
                double? rate = ProductRate("float32", n, threads);
                string what = $"products inside fp32 attention n={n}, {threads} thread(s): at least 60% of numpy's sgemm rate";
                if (rate is null || sgemm is null) { lines.Add((null, $"{what} — not measured")); continue; }
                lines.Add((rate >= 0.6 * sgemm, $"{what}: {rate:F1} GFLOP/s = {100 * rate / sgemm:F0}% of {sgemm:F1}"));
            }
        }
        foreach (int threads in ThreadCounts)
        {
            double? numpy = _numpy1.TryGetValue(threads, out var f) ? f.SoftmaxMs : null, ours = Ms("softmax", "float32", 4096, threads);
            string what = $"row softmax fp32 4096×4096, {threads} thread(s): at least 2× numpy's speed";
            if (numpy is null || ours is null || _softmaxSide != 4096) { lines.Add((null, $"{what} — not measured")); continue; }
            lines.Add((numpy / ours >= 2, $"{what}: {numpy / ours:F2}× ({F(ours)} ms against {F(numpy)} ms)"));
        }
        {
            string what = "streaming attention n=65,536, d=64, causal: peak memory beyond inputs and output under 64 MB";
            if (memory is null || memory.N != 65536) lines.Add((null, $"{what} — not measured at that size"));
            else
            {
                long worst = Math.Max(memory.AllocatedBytes, memory.PeakRiseBytes);
                lines.Add((worst < 64L << 20, $"{what}: {Mb(memory.AllocatedBytes)} allocated, peak resident +{Mb(memory.PeakRiseBytes)}"));
            }
        }
        lines.AddRange(TransformerGoalLines());
        foreach (var (met, text) in lines)
            Console.WriteLine($"- [{(_quick || met is null ? "not judged" : met.Value ? "met" : "NOT MET")}] {text}");
        var unmet = lines.Where(l => l.Met == false).ToList();
        if (!_quick && unmet.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"{unmet.Count} goal(s) not met. The profile above shows where the time goes: for attention, the share of the two " +
                              "products against the softmax and packing; for the products, GFLOP/s against numpy's sgemm on this machine in this run.");
        }
        return _quick || lines.All(l => l.Met != false);
    }
}

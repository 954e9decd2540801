using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Attention.Tests;
using Attention.Training;

namespace Benchmarks;

/// <summary>
/// One training step (forward, backward, gradient clipping, Adam) of notebook 11's encoder–decoder: 2 + 2 layers,
/// d_model 32, 4 heads, feed-forward 64, a batch of 32 reversal examples of 3–12 letters. Ours runs in a child process
/// with the server GC, as the notebook runner does (<c>transformer-step</c>); the numpy peer
/// (<c>transformer_peer.py</c>, which computes the same loss and gradients: <c>TransformerPeerTests</c>) runs on the same
/// weights and batch.
/// </summary>
internal static class TransformerStep
{
    public const int BatchSize = 32;

    public static TransformerSettings Settings { get; } = new(13, DModel: 32, Heads: 4, Hidden: 64, Layers: 2, MaxLength: 24, Seed: 7);

    /// <summary>The fixed batch: 32 reversal examples drawn from seed 2026.</summary>
    public static (int[] Source, int[] Target)[] Examples()
    {
        var rng = new Random(2026);
        return Enumerable.Range(0, BatchSize).Select(_ =>
        {
            int n = rng.Next(3, 13);
            var s = Enumerable.Range(0, n).Select(_ => 3 + rng.Next(10)).ToArray();
            return (s, s.Reverse().ToArray());
        }).ToArray();
    }

    /// <summary>The child process: <c>transformer-step --engine parallel|sequential --threads T --steps N --warmup W</c>;
    /// prints <c>seconds_per_step=…</c> over N steps after W untimed ones.</summary>
    /// <remarks>The warm-up matters: a fresh process's server GC sizes its budgets over the first ~100 steps (over the
    /// first 30 it collects generation 0 about every step and generation 2 every 15, later generation 0 every 2–3 steps and
    /// generation 2 about every 100), and a step measured in that phase took 1.5–3× its steady cost. A notebook trains for
    /// hundreds of steps, so the steady cost is what a reader waits for.</remarks>
    public static int Run(string[] args)
    {
        string engine = Arg(args, "--engine") ?? "parallel";
        int threads = int.Parse(Arg(args, "--threads") ?? "1", CultureInfo.InvariantCulture);
        int steps = int.Parse(Arg(args, "--steps") ?? "20", CultureInfo.InvariantCulture);
        int warmup = int.Parse(Arg(args, "--warmup") ?? "100", CultureInfo.InvariantCulture);
        var examples = Examples();
        double Measure(int n)
        {
            int next = 0;
            var schedule = new TrainingSettings(n, BatchSize, 1e-3, 1.0, 1);
            var clock = Stopwatch.StartNew();
            if (engine == "sequential")
            {
                // The engine before the batch-parallel loop: one sequence at a time on one thread, no padding.
                var model = new Seq2SeqTransformer(Settings);
                TrainingLoop.Run(model.Parameters, schedule, _ =>
                {
                    var (source, target) = examples[next++ % BatchSize];
                    var (sum, count) = model.SumLossAndBackward(Seq2SeqBatch.Create([source], [target]));
                    return sum / count;
                });
            }
            else
            {
                var models = Enumerable.Range(0, 4).Select(_ => new Seq2SeqTransformer(Settings)).ToArray();
                ParallelTraining.RunSlices(models, m => m.Parameters, schedule, _ => examples[next++ % BatchSize],
                    (m, slice) => m.SumLossAndBackward(Seq2SeqBatch.Create(slice.Select(e => e.Source).ToArray(), slice.Select(e => e.Target).ToArray())),
                    threads, order: (x, y) => x.Source.Length.CompareTo(y.Source.Length));
            }
            return clock.Elapsed.TotalSeconds / n;
        }
        Measure(warmup);
        int[] before = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        double seconds = Measure(steps);
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        Console.WriteLine($"seconds_per_step={seconds.ToString("R", CultureInfo.InvariantCulture)}");
        // What the garbage collector did in the timed window (a diagnostic; compare reads only the line above).
        Console.WriteLine($"per_step: {allocated / (double)steps / 1048576:F1} MiB allocated, collections gen0/gen1/gen2 " +
                          string.Join("/", Enumerable.Range(0, 3).Select(g => ((GC.CollectionCount(g) - before[g]) / (double)steps).ToString("F2", CultureInfo.InvariantCulture))));
        return 0;
    }

    private static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>Seconds per step of ours (a child process) or null with the reason.</summary>
    public static (double? Seconds, string Problem) Ours(string engine, int threads, int steps, int warmup)
    {
        string? self = Environment.ProcessPath;
        if (self is null) return (null, "cannot find this program's path");
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            info.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var a in new[] { "transformer-step", "--engine", engine, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--steps", steps.ToString(CultureInfo.InvariantCulture),
                                   "--warmup", warmup.ToString(CultureInfo.InvariantCulture) })
            info.ArgumentList.Add(a);
        info.Environment["DOTNET_gcServer"] = "1"; // as the notebook runner
        return Parse(info, "seconds_per_step=");
    }

    /// <summary>Seconds per step of the numpy peer on the same weights and batch, or null with the reason.</summary>
    public static (double? Seconds, string Problem) Numpy(int threads, int steps)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "transformer_peer.py");
        var examples = Examples();
        var batch = Seq2SeqBatch.Create(examples.Select(e => e.Source).ToArray(), examples.Select(e => e.Target).ToArray());
        string input = Path.Combine(Path.GetTempPath(), $"transformer-peer-{Environment.ProcessId}.json");
        File.WriteAllText(input, TransformerPeerDocument.Create(new Seq2SeqTransformer(Settings), batch).ToJsonString());
        try
        {
            var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { script, "--bench", input, "--steps", steps.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture) })
                info.ArgumentList.Add(a);
            var (text, problem) = Output(info);
            if (text is null) return (null, problem);
            var json = JsonNode.Parse(text.Trim().Split('\n')[^1])!;
            return (json["seconds_per_step"]!.GetValue<double>(), "");
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or System.ComponentModel.Win32Exception)
        {
            return (null, e.Message);
        }
        finally
        {
            File.Delete(input);
        }
    }

    private static (double? Seconds, string Problem) Parse(ProcessStartInfo info, string prefix)
    {
        var (text, problem) = Output(info);
        if (text is null) return (null, problem);
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? (null, $"no '{prefix}' line in: {text.Trim()}") : (double.Parse(line[prefix.Length..], CultureInfo.InvariantCulture), "");
    }

    private static (string? Text, string Problem) Output(ProcessStartInfo info)
    {
        Process child;
        try { child = Process.Start(info)!; }
        catch (System.ComponentModel.Win32Exception e) { return (null, $"{info.FileName} could not start: {e.Message}"); }
        using (child)
        {
            var stdout = child.StandardOutput.ReadToEndAsync();
            var stderr = child.StandardError.ReadToEndAsync();
            if (!child.WaitForExit(TimeSpan.FromMinutes(10))) { child.Kill(true); return (null, "timed out after 10 minutes"); }
            return child.ExitCode == 0 ? (stdout.Result, "") : (null, $"exit code {child.ExitCode}: {stderr.Result.Trim()}");
        }
    }
}

using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Attention.Training;

namespace Attention.Tests;

/// <summary>
/// The numpy peer of the benchmark (tests/Benchmarks/transformer_peer.py, an independent implementation of the same
/// model on whole-batch arrays) computes the same loss and the same gradient of every parameter as
/// <see cref="Seq2SeqTransformer"/>, on the same weights and the same padded batch: the benchmark compares two programs
/// that do the same work.
/// </summary>
public class TransformerPeerTests
{
    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Tutorial.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No Tutorial.sln above {AppContext.BaseDirectory}: run the tests from the repository.");
    }

    internal static (int Code, string Output) RunPython(params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"/usr/bin/python3 could not start ({e.Message}); install it with: apt-get install python3 python3-numpy");
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) { process.Kill(true); throw new TimeoutException("the numpy peer ran for 3 minutes"); }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static Seq2SeqBatch Batch(int seed)
    {
        var rng = new Random(seed);
        var sources = new List<int[]>();
        var targets = new List<int[]>();
        for (int b = 0; b < 16; b++)
        {
            int n = rng.Next(3, 13);
            var s = Enumerable.Range(0, n).Select(_ => 3 + rng.Next(10)).ToArray();
            sources.Add(s);
            targets.Add([.. s.Reverse()]);
        }
        return Seq2SeqBatch.Create(sources, targets);
    }

    /// <summary>The peer's own backward pass agrees with central differences of its own loss (tiny model, four wirings),
    /// so the equality below checks ours against a peer that is right by itself, not one that shares our mistakes.</summary>
    [Fact]
    public void The_numpy_peer_passes_its_central_difference_self_check()
    {
        var (numpyCode, numpyVersion) = RunPython("-c", "import numpy; print(numpy.__version__)");
        Assert.True(numpyCode == 0, $"the numpy peer needs numpy under /usr/bin/python3; install it with: apt-get install python3-numpy\n{numpyVersion}");
        var (code, text) = RunPython(Path.Combine(RepositoryRoot(), "tests", "Benchmarks", "transformer_peer.py"), "--selfcheck");
        Assert.True(code == 0, $"the peer's backward pass disagrees with central differences (or the peer failed):\n{text}");
        var report = JsonNode.Parse(text.Trim().Split('\n')[^1])!;
        var worst = report["max_error"]!.AsObject();
        Assert.Equal(4, worst.Count);
        foreach (var entry in worst)
            Assert.True(entry.Value!.GetValue<double>() <= 1e-7, $"{entry.Key}: largest relative error {entry.Value} above 1e-7");
    }

    /// <summary>Three whole training steps (forward, backward, clipping to norm 1, Adam with β2 = 0.98 at the schedule's
    /// rates) of ours — the batch-parallel loop the benchmark times, on 2 threads with 4 replicas and slices padded
    /// separately — and of the peer on the whole padded batch end with the same losses and the same parameters: the
    /// benchmark's two training steps do the same work.</summary>
    /// <remarks>The sums run in different orders on the two sides (slices against the whole batch), so the parameters
    /// differ by rounding only; Adam divides each gradient entry by its own size, which keeps rounding at its scale as
    /// long as no entry is of the order of ε = 1e-8, hence 1e-9 rather than 1e-12.</remarks>
    [Theory]
    [InlineData(NormPlacement.PreNorm, true)]
    [InlineData(NormPlacement.PostNorm, true)]
    public void A_training_step_of_ours_is_a_training_step_of_the_numpy_peer(NormPlacement norm, bool residual)
    {
        var (numpyCode, numpyVersion) = RunPython("-c", "import numpy; print(numpy.__version__)");
        Assert.True(numpyCode == 0, $"the numpy peer needs numpy under /usr/bin/python3; install it with: apt-get install python3-numpy\n{numpyVersion}");
        var settings = new TransformerSettings(13, DModel: 32, Heads: 4, Hidden: 64, Layers: 2, norm, residual, MaxLength: 24, Seed: 3);
        var whole = Batch(seed: 40 + (int)norm);
        var examples = whole.Source.Select((s, b) => (Source: s[..whole.Sources.Lengths[b]], Target: whole.TargetOut[b][..(whole.TargetOut[b].Count(t => t >= 0) - 1)])).ToArray();
        var training = new TrainingSettings(Steps: 3, BatchSize: examples.Length, LearningRate: 1e-2, ClipNorm: 1.0, Seed: 1);
        var replicas = Enumerable.Range(0, 4).Select(_ => new Seq2SeqTransformer(settings)).ToArray();

        string dir = Directory.CreateTempSubdirectory("peer-train-").FullName;
        try
        {
            string input = Path.Combine(dir, "in.json"), output = Path.Combine(dir, "out.json");
            var document = TransformerPeerDocument.Create(replicas[0], whole);
            document["training"] = new JsonObject
            {
                ["learningRates"] = new JsonArray([.. Enumerable.Range(0, training.Steps).Select(s => (JsonNode)training.LearningRateAt(s))]),
                ["clipNorm"] = training.ClipNorm,
            };
            File.WriteAllText(input, document.ToJsonString());
            var (code, text) = RunPython(Path.Combine(RepositoryRoot(), "tests", "Benchmarks", "transformer_peer.py"), "--train", input, output);
            Assert.True(code == 0, $"the peer failed:\n{text}");
            var peer = JsonNode.Parse(File.ReadAllText(output))!;

            int next = 0;
            var losses = ParallelTraining.RunSlices(replicas, m => m.Parameters, training, _ => examples[next++ % examples.Length],
                (m, slice) => m.SumLossAndBackward(Seq2SeqBatch.Create([.. slice.Select(e => e.Source)], [.. slice.Select(e => e.Target)])),
                threads: 2, order: (x, y) => x.Source.Length.CompareTo(y.Source.Length));
            Assert.True(losses[^1] < losses[0] - 0.05, $"the steps train (losses {string.Join(", ", losses)}), so the parameters really moved");
            Approx.Equal(losses, peer["losses"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray(), abs: 1e-9, rel: 1e-9, because: "loss before each step");
            var parameters = peer["parameters"]!.AsObject();
            Assert.Equal(replicas[0].Parameters.Select(p => p.Name).Order(), parameters.Select(p => p.Key).Order());
            foreach (var p in replicas[0].Parameters)
                Approx.Equal(p.Value.Data, parameters[p.Name]!.AsArray().Select(v => v!.GetValue<double>()).ToArray(), abs: 1e-9, rel: 1e-9, because: p.Name + " after 3 steps");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <remarks>Both sides compute in double; their sums run in different orders (whole-batch arrays against per-example
    /// blocks), so entries of order 1 agree to about 1e-14 and the bound 1e-6 (absolute + relative) the benchmark's
    /// claim needs holds with eight orders of magnitude to spare.</remarks>
    [Theory]
    [InlineData(NormPlacement.PreNorm, true)]
    [InlineData(NormPlacement.PostNorm, true)]
    [InlineData(NormPlacement.PreNorm, false)]
    [InlineData(NormPlacement.None, true)]
    public void The_numpy_peer_computes_the_same_loss_and_gradients(NormPlacement norm, bool residual)
    {
        var (numpyCode, numpyVersion) = RunPython("-c", "import numpy; print(numpy.__version__)");
        Assert.True(numpyCode == 0, $"the numpy peer needs numpy under /usr/bin/python3; install it with: apt-get install python3-numpy\n{numpyVersion}");
        var model = new Seq2SeqTransformer(new TransformerSettings(13, DModel: 32, Heads: 4, Hidden: 64, Layers: 2, norm, residual, MaxLength: 24, Seed: 7));
        var batch = Batch(seed: (int)norm * 10 + (residual ? 1 : 0));
        Assert.True(batch.Sources.Lengths.Distinct().Count() > 3, "the batch mixes lengths, so padding and masks are exercised");

        string dir = Directory.CreateTempSubdirectory("peer-").FullName;
        try
        {
            string input = Path.Combine(dir, "in.json"), output = Path.Combine(dir, "out.json");
            File.WriteAllText(input, TransformerPeerDocument.Create(model, batch).ToJsonString());
            var (code, text) = RunPython(Path.Combine(RepositoryRoot(), "tests", "Benchmarks", "transformer_peer.py"), "--grad", input, output);
            Assert.True(code == 0, $"the peer failed:\n{text}");
            var peer = JsonNode.Parse(File.ReadAllText(output))!;

            foreach (var p in model.Parameters) p.ZeroGradient();
            var (sum, count) = model.SumLossAndBackward(batch);
            Approx.Equal(sum / count, peer["loss"]!.GetValue<double>(), abs: 1e-6, rel: 1e-6, because: "loss");
            var grads = peer["gradients"]!.AsObject();
            Assert.Equal(model.Parameters.Select(p => p.Name).Order(), grads.Select(g => g.Key).Order());
            foreach (var p in model.Parameters)
            {
                var theirs = grads[p.Name]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
                Approx.Equal(p.Gradient.Data.Select(g => g / count), theirs, abs: 1e-6, rel: 1e-6, because: p.Name);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

using Lessons;

namespace Notebooks.Tests;

/// <summary>
/// notebooks/11-transformer.ipynb: the block written out equals the library's layers, padding changes nothing, the
/// trained encoder–decoder reverses unseen sequences (≥ 99 %) and fails past the trained lengths, its cross-attention
/// carries the alignment, and the ablations and the key–value cache do what the prose says.
/// </summary>
public class Notebook11Tests
{
    [Fact]
    public async Task Runs_and_its_claims_hold()
    {
        var nb = await TutorialNotebook.RunAsync("11-transformer.ipynb",
            "lnGap", "encoderGap", "decoderGap", "paddingGap", "together", "exactMatch", "testSet.Select(t => t.Source).ToArray()",
            "skippedSeen", "longerExact", "bestSingleHead", "bestHeadScores", "scored.Average(e => 1.0 / e.Source.Length)",
            "pre", "post", "noLn", "noRes", "cosinePre", "cosineNoResidual", "cacheGap", "generationGap",
            "trained.Losses", "schedule.Steps", "schedule.BatchSize", "schedule.Seed");

        Assert.StartsWith("# 11 · 从零搭建 Transformer · Build the Transformer and watch it work", nb.Markdown);
        // Written out by hand = the library, to rounding: values of order 1 through a few products of width 8.
        foreach (var gap in new[] { "lnGap", "encoderGap", "decoderGap", "cacheGap" })
            Assert.InRange(nb.Value<double>(gap), 0, 1e-12);
        // The summed loss (≈ 73) of the padded batch and of the examples alone: a few hundred roundings apart at most.
        Assert.InRange(nb.Value<double>("paddingGap"), 0, 1e-12 * nb.Value<double>("together"));
        Assert.InRange(nb.Value<double>("generationGap"), 0, 1e-12);

        // Training: the loss falls from above chance to near zero.
        var losses = nb.Value<double[]>("trained.Losses");
        Assert.Equal(nb.Value<int>("schedule.Steps"), losses.Length);
        Assert.True(losses[0] > Math.Log(ReversalTask.Vocabulary) && losses[^1] < 0.05, $"loss {losses[0]} → {losses[^1]}");

        // ≥ 99 % exact on 500 sequences the training never saw: replay the training's draws here and check.
        Assert.True(nb.Value<double>("exactMatch") >= 0.99, $"exact match {nb.Value<double>("exactMatch")}");
        var tests = nb.Value<int[][]>("testSet.Select(t => t.Source).ToArray()");
        Assert.Equal(500, tests.Length);
        var replay = new Random(nb.Value<int>("schedule.Seed"));
        var seen = new HashSet<string>();
        for (int i = 0; i < nb.Value<int>("schedule.Steps") * nb.Value<int>("schedule.BatchSize"); i++)
        {
            int n = replay.Next(3, 13);
            var s = new int[n];
            for (int t = 0; t < n; t++) s[t] = 3 + replay.Next(10);
            seen.Add(string.Join(",", s));
        }
        Assert.All(tests, t => Assert.DoesNotContain(string.Join(",", t), seen));
        Assert.True(nb.Value<int>("skippedSeen") > 0, "short sequences repeat: some drawn test sequences were seen in training");
        Assert.True(nb.Value<double>("longerExact") < 0.5, $"lengths 13–16: {nb.Value<double>("longerExact")}");

        // Cross-attention carries the alignment: the best head puts ≥ 50 % on the expected letter, far above chance.
        double chance = nb.Value<double>("scored.Average(e => 1.0 / e.Source.Length)");
        Assert.InRange(chance, 0.1, 0.2);
        Assert.True(nb.Value<double>("bestSingleHead") >= 0.5, $"best head {nb.Value<double>("bestSingleHead")}");
        Assert.True(nb.Value<double[]>("bestHeadScores").Max() >= 0.6, "best head per output");

        // The ablations, as the generated sentences and the summary state them.
        double pre = nb.Value<double>("pre"), post = nb.Value<double>("post"), noLn = nb.Value<double>("noLn"), noRes = nb.Value<double>("noRes");
        Assert.True(noRes > 2 * pre, $"no residual {noRes} vs pre-norm {pre}");
        Assert.True(noLn > 1.2 * pre, $"no LayerNorm {noLn} vs pre-norm {pre}");
        Assert.True(Math.Abs(post - pre) < 0.2 * pre, $"post-norm {post} vs pre-norm {pre}");
        Assert.True(nb.Value<double>("cosineNoResidual") > nb.Value<double>("cosinePre") + 0.5, "rank collapse without residuals");
    }
}

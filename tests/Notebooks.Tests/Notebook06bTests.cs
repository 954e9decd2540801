using Attention.Plots;
using MathNet.Numerics.LinearAlgebra;
using Plotly.NET;

namespace Notebooks.Tests;

/// <summary>
/// notebooks/06b-watch-attention-learn.ipynb: every task is learned to the accuracy and alignment the prose claims, the
/// heatmaps show the expected alignment (checked cell by cell against alignments worked out here from the tokens), the
/// gradient check agrees, copy without positions fails, and the charts draw.
/// </summary>
public class Notebook06bTests
{
    private static readonly string[] Tasks = ["copy", "reverse", "sort", "lookup", "date"];

    private static string Sample(string task, string member) =>
        $"AlignmentTask.All.Single(t => t.Name == \"{task}\").{member}";

    private static string Example(string task) => $"{Sample(task, "Samples")}(AlignmentTraining.EvaluationSeed, 1)[0]";

    private static string Weights(string task) => $"results[\"{task}\"].Run.Model.Predict({Example(task)}).Weights.ToArray()";

    /// <summary>Per head, on the learner's date: how many outputs have their strongest weight on the expected source token.</summary>
    private const string HeadsFollowing = "fourHeadsOnMyDate.HeadWeights.Select(w => Enumerable.Range(0, myDate.Target.Length).Count(j => myDate.Alignment[j] >= 0 && Enumerable.Range(0, myDate.Source.Length).MaxBy(i => w[j, i]) == myDate.Alignment[j])).ToArray()";

    private static string Tokens(string task) => $"{Sample(task, "SourceTokens")}({Example(task)})";

    [Fact]
    public async Task Runs_learns_every_alignment_and_draws_it()
    {
        var expressions = new List<string>
        {
            "untrainedResult.TokenAccuracy", "untrainedResult.AlignmentScore", "untrained.ParameterCount",
            "analyticGradient", "numericGradient", "lossUp", "lossDown", "h",
            "copyWithoutPositions.Test.TokenAccuracy", "copyWithoutPositions.Test.AlignmentScore",
            "string.Concat(AlignmentTask.DateNormalisation.TargetTokens(results[\"date\"].Run.Model.Predict(myDate).Output))",
            "string.Join(\" \", AlignmentTask.Sort.TargetTokens(results[\"sort\"].Run.Model.Predict(myLetters).Output))",
            "fourHeadsTest.TokenAccuracy", "fourHeadsTest.AlignmentScore", "fourHeadsTest.BestHeadAlignmentScore", "fourHeadsOnMyDate.HeadWeights.Count", HeadsFollowing,
        };
        foreach (var t in Tasks)
            expressions.AddRange([$"results[\"{t}\"].Test.TokenAccuracy", $"results[\"{t}\"].Test.AlignmentScore",
                $"results[\"{t}\"].Test.Examples", $"results[\"{t}\"].Run.Losses", Weights(t), Tokens(t)]);
        var nb = await TutorialNotebook.RunAsync("06b-watch-attention-learn.ipynb", expressions.ToArray());

        Assert.StartsWith("# 06b · 注意力如何学会对齐 · Watch attention learn", nb.Markdown);
        // The decoder input is D, projected by W_q inside attention (not a second "Q" projected again).
        Assert.Contains("H = D + Attention(D·W_q, S·W_k, S·W_v)", nb.Markdown);
        Assert.DoesNotContain("H = Q + Attention(Q, S)", nb.Markdown);

        // Every task: the accuracy and alignment score the prose promises (and the library's tests assert), after a loss that fell.
        Assert.Contains("at least 95 % of the tokens right and an alignment score of at least 0.75", nb.Markdown.Replace("\n", " "));
        foreach (var t in Tasks)
        {
            double accuracy = nb.Value<double>($"results[\"{t}\"].Test.TokenAccuracy");
            double alignment = nb.Value<double>($"results[\"{t}\"].Test.AlignmentScore");
            Assert.True(accuracy >= 0.95, $"{t}: token accuracy {accuracy:P1}");
            Assert.True(alignment >= 0.75, $"{t}: alignment score {alignment:F3}");
            Assert.Equal(200, nb.Value<int>($"results[\"{t}\"].Test.Examples"));
            var losses = nb.Value<double[]>($"results[\"{t}\"].Run.Losses");
            Assert.Equal(2000, losses.Length);
            Assert.True(losses[^1] < 0.01 * losses[0], $"{t}: loss {losses[0]:F3} → {losses[^1]:G3}");
        }

        // "lookup, where matching a key is all there is to find, drops first": the first block of 20 steps whose mean loss is
        // below a tenth of the first block's comes earliest for lookup.
        int Drop(double[] l) { var means = l.Chunk(20).Select(c => c.Average()).ToArray(); return Array.FindIndex(means, m => m < 0.1 * means[0]); }
        var drops = Tasks.ToDictionary(t => t, t => Drop(nb.Value<double[]>($"results[\"{t}\"].Run.Losses")));
        Assert.All(drops, kv => Assert.True(kv.Value > 0, $"{kv.Key}: the loss never fell below a tenth"));
        Assert.All(drops.Where(kv => kv.Key != "lookup"), kv => Assert.True(drops["lookup"] < kv.Value,
            $"lookup drops at block {drops["lookup"]}, {kv.Key} at block {kv.Value}"));

        // The drawn example of each task: every output's strongest weight is on the source token it needs, worked out here.
        static int ArgMax(double[,] w, int row) => Enumerable.Range(0, w.GetLength(1)).MaxBy(j => w[row, j]);
        var copy = nb.Value<double[,]>(Weights("copy"));
        for (int j = 0; j < 8; j++) Assert.Equal(j, ArgMax(copy, j));
        var reverse = nb.Value<double[,]>(Weights("reverse"));
        for (int j = 0; j < 8; j++) Assert.Equal(7 - j, ArgMax(reverse, j));
        var letters = nb.Value<string[]>(Tokens("sort"));
        var sorted = letters.Order(StringComparer.Ordinal).ToArray();
        var sort = nb.Value<double[,]>(Weights("sort"));
        for (int j = 0; j < 8; j++) Assert.Equal(sorted[j], letters[ArgMax(sort, j)]);
        var date = nb.Value<double[,]>(Weights("date"));
        var dateTokens = nb.Value<string[]>(Tokens("date"));
        Assert.Equal(",", dateTokens[2]);
        int[] needs = [3, 4, 5, 6, -1, 0, 0, -1, 1, 1]; // year digits, month name, day number; dashes need nothing
        for (int j = 0; j < 10; j++) if (needs[j] >= 0) Assert.Equal(needs[j], ArgMax(date, j));
        Assert.Equal(2, ArgMax(date, 4)); // "the model learned to use the comma" for the dashes
        Assert.Equal(2, ArgMax(date, 7));
        var lookup = nb.Value<double[,]>(Weights("lookup"));
        Assert.All(Enumerable.Range(0, 6), j => Assert.True(Enumerable.Range(0, 6).Max(i => lookup[j, i]) > 0.9));

        // The untrained model is near uniform; the gradient check agrees to many digits and is what the prose says it is.
        Assert.InRange(nb.Value<double>("untrainedResult.AlignmentScore"), 0.08, 0.2);
        Assert.True(nb.Value<double>("untrainedResult.TokenAccuracy") < 0.3);
        Assert.True(nb.Value<int>("untrained.ParameterCount") > 1000);
        double analytic = nb.Value<double>("analyticGradient"), numeric = nb.Value<double>("numericGradient");
        // the same difference quotient of the same two losses: within an ulp or two
        Approx.Equal((nb.Value<double>("lossUp") - nb.Value<double>("lossDown")) / (2 * nb.Value<double>("h")), numeric, abs: 0, rel: 2 * Approx.Eps);
        Assert.True(Math.Abs(numeric) > 1e-4, "the checked entry has a gradient worth checking");
        Assert.True(Math.Abs(analytic - numeric) < 1e-8 * Math.Abs(numeric), $"{analytic} vs {numeric}: the prose says they agree to about nine digits");

        // Without positions copy is not learned, and attention stays spread.
        Assert.True(nb.Value<double>("copyWithoutPositions.Test.TokenAccuracy") < 0.5);
        Assert.True(nb.Value<double>("copyWithoutPositions.Test.AlignmentScore") < 0.3);
        Assert.True(nb.Value<double>("copyWithoutPositions.Test.TokenAccuracy") < nb.Value<double>("results[\"copy\"].Test.TokenAccuracy") - 0.5);

        // "Try it yourself": the models answer the learner's own date and letters right (worked out here), and text the date
        // task cannot read is refused with the reason.
        Assert.Equal("1776-07-04", nb.Value<string>("string.Concat(AlignmentTask.DateNormalisation.TargetTokens(results[\"date\"].Run.Model.Predict(myDate).Output))"));
        Assert.Equal(string.Join(" ", "peakmind".Order()), nb.Value<string>("string.Join(\" \", AlignmentTask.Sort.TargetTokens(results[\"sort\"].Run.Model.Predict(myLetters).Output))"));
        Assert.Contains("November 2026 has days 1–30, not 31.", nb.Stdout);
        Assert.Contains("the year 3141 is outside 1000–2999", nb.Stdout);

        // Four heads: as accurate, the mean over heads "much less" aligned than one head, the best head "still most of its
        // weight" on the expected token.
        Assert.Equal(4, nb.Value<int>("fourHeadsOnMyDate.HeadWeights.Count"));
        Assert.True(nb.Value<double>("fourHeadsTest.TokenAccuracy") >= 0.95);
        double meanOverHeads = nb.Value<double>("fourHeadsTest.AlignmentScore"), bestHead = nb.Value<double>("fourHeadsTest.BestHeadAlignmentScore");
        Assert.True(meanOverHeads < nb.Value<double>("results[\"date\"].Test.AlignmentScore") - 0.2, $"mean over 4 heads {meanOverHeads:F3}");
        Assert.True(bestHead > 0.75 && bestHead > meanOverHeads + 0.2, $"best head {bestHead:F3}, mean {meanOverHeads:F3}");
        // "each follows the expected alignment for some outputs and looks elsewhere for the others"
        Assert.All(nb.Value<int[]>(HeadsFollowing), n => Assert.InRange(n, 1, 7));

        // The printed summary names every task; ten charts draw offline; the exercises are not answered.
        foreach (var t in Tasks) Assert.Contains($"{t}: trained in", nb.Stdout);
        Assert.Contains("relative difference", nb.Stdout);
        Assert.Equal(10, nb.ChartHtml.Count);
        Assert.Equal(nb.ChartHtml.Count, nb.ChartsDrawnInBrowser());
        nb.AssertExercisesNotAnswered(3);
    }

    [Fact]
    public void Training_charts_keep_tokens_as_categories_and_show_spread()
    {
        var learned = Matrix<double>.Build.DenseOfArray(new[,] { { 0.9, 0.1 }, { 0.2, 0.8 }, { 0.5, 0.5 } });
        var expected = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, 1 }, { 0, 0 } });
        var json = GenericChart.toJson(Charts.LearnedVersusExpected(learned, expected, ["2", "0", "-"], ["1", "9"], "Digits"));
        Assert.Equal(2, json.Split("\"type\":\"heatmap\"").Length - 1);
        Assert.Equal(4, json.Split("\"type\":\"category\"").Length - 1); // digit tokens are not read as numbers
        Assert.Contains("\"x\":[\"1\",\"9\"]", json);
        Assert.Contains("\"y\":[\"2\",\"0\",\"-\"]", json);
        Assert.Contains("learned attention: source token", json);
        Assert.Contains("expected alignment: source token", json);
        Assert.Throws<ArgumentException>(() => Charts.LearnedVersusExpected(learned, expected.SubMatrix(0, 2, 0, 2), ["a", "b", "c"], ["x", "y"]));
        Assert.Throws<ArgumentException>(() => Charts.LearnedVersusExpected(learned, expected, ["a", "b"], ["x", "y"]));

        var loss = GenericChart.toJson(Charts.LossCurves([0, 1, 2], [("run", [1.0, 0.1, 0.01])], "Loss"));
        Assert.Contains("\"type\":\"log\"", loss);
        Assert.Contains("\"exponentformat\":\"power\"", loss);
        Assert.Throws<ArgumentException>(() => Charts.LossCurves([0, 1], [("run", [1.0])], "Loss"));

        var spread = GenericChart.toJson(Charts.MeanWithRange([16, 32], [("rotary", [0.9, 0.8], [0.85, 0.6], [1.0, 0.9])], "Accuracy", "length", "accuracy"));
        static double[] Numbers(string json, string key)
        {
            var m = System.Text.RegularExpressions.Regex.Match(json, $"\"{key}\":\\[([^\\]]*)\\]");
            Assert.True(m.Success, $"{key} is missing");
            return m.Groups[1].Value.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }
        var up = Numbers(spread, "array");
        var down = Numbers(spread, "arrayminus");
        // one subtraction of numbers below 1 (e.g. 1.0 − 0.9 = 0.09999999999999998), written and read back: within an ulp of 1
        Approx.Equal(0.1, up[0], abs: 2.5e-16);
        Approx.Equal(0.1, up[1], abs: 2.5e-16);
        Approx.Equal(0.05, down[0], abs: 2.5e-16);
        Approx.Equal(0.2, down[1], abs: 2.5e-16);
        Assert.Equal([16.0, 32.0], Numbers(spread, "tickvals"));
        Assert.Throws<ArgumentException>(() => Charts.MeanWithRange([16, 32], [("x", [0.9], [0.8], [1.0])], "A", "l", "a"));
    }

    [Fact]
    public void The_training_recipe_the_prose_states_is_the_one_the_code_uses()
    {
        var prose = TestNotebooks.SourceProse("06b-watch-attention-learn.ipynb");
        var t = new Attention.Training.TrainingSettings();
        Assert.Contains($"{t.Steps} steps of {t.BatchSize} fresh examples each, Adam with β2 = 0.98", prose);
        Assert.Contains($"warms up to {t.LearningRate:0.##} and then falls along a half cosine to {t.LearningRate / 10:0.###}", prose);
        Assert.Contains($"gradient norm clipped at {t.ClipNorm:0}", prose);
        // the last step is one short of the cosine's end: above the tenth by rate·0.45·(1 − cos(π/(steps − warm-up))),
        // below rate·(π/(steps − warm-up))²/4
        double lastStepAngle = Math.PI / (t.Steps - Math.Max(1, t.Steps / 20));
        Approx.Equal(t.LearningRate / 10, t.LearningRateAt(t.Steps - 1), abs: t.LearningRate * lastStepAngle * lastStepAngle / 4);
        Assert.True(t.LearningRateAt(t.Steps - 1) > t.LearningRate / 10, "the rate reaches the tenth only after the last step");
        Approx.Equal(t.LearningRate, Enumerable.Range(0, t.Steps).Max(t.LearningRateAt), abs: 0, rel: 4 * Approx.Eps); // the peak, a few roundings
    }
}

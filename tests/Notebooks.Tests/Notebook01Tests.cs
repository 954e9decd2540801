using System.Globalization;
using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>
/// notebooks/01-background.ipynb: the fixed-size summaries lose the first token as the sequence grows while
/// attention keeps it; the readout weights are a visible, row-stochastic heatmap; recurrence notices a swap
/// and the mean does not; the exercises are left for the learner.
/// </summary>
public class Notebook01Tests
{
    [Fact]
    public async Task Runs_measures_the_bottleneck_and_draws_its_charts()
    {
        var nb = await TutorialNotebook.RunAsync("01-background.ipynb",
            "lengths", "meanAcc", "recurrentAcc", "leakyAcc", "attentionAcc", "vocabulary.ToArray()", "rotation.ToArray()",
            "smallestDiagonal", "softRead.Weights.ToArray()", "readBack", "sentence", "meanChange", "recurrentChange");

        var lengths = nb.Value<double[]>("lengths");
        var mean = nb.Value<double[]>("meanAcc");
        var recurrent = nb.Value<double[]>("recurrentAcc");
        var leaky = nb.Value<double[]>("leakyAcc");
        var attention = nb.Value<double[]>("attentionAcc");
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128], lengths);

        // attention recovers the first token at every length; the summaries start perfect and fall towards chance
        Assert.All(attention, a => Assert.Equal(1.0, a));
        foreach (var curve in new[] { mean, recurrent, leaky })
        {
            Assert.Equal(1.0, curve[0]);
            Assert.True(curve[^1] < 0.05, $"at 128 tokens still {curve[^1]}");
            for (int i = 1; i < curve.Length; i++)
                Assert.True(curve[i] <= curve[i - 1] + 0.02, $"accuracy rose from {curve[i - 1]} to {curve[i]} at length {lengths[i]}");
        }
        Assert.True(recurrent[2] > mean[2] + 0.2, "a recurrent state that can be decoded beats the mean at 4 tokens");
        Assert.True(leaky[3] < recurrent[3], "forgetting makes the first token harder to recover");

        // the mean curve at 4 tokens, recomputed by plain loops over the notebook's vocabulary and the documented draws
        var vocabulary = nb.Value<double[,]>("vocabulary.ToArray()");
        Assert.Equal(MeanRecall(vocabulary, length: 4, trials: 300, seed: 7), mean[2]);

        // long sequences: every position query puts almost all its weight on its own position
        Assert.True(nb.Value<double>("smallestDiagonal") > 0.9999);

        // the heatmap's weights: rows sum to 1, each output weighs its own position most, and the sentence comes back
        var w = nb.Value<double[,]>("softRead.Weights.ToArray()");
        var sentence = nb.Value<string[]>("sentence");
        for (int i = 0; i < sentence.Length; i++)
        {
            Approx.Equal(1.0, Enumerable.Range(0, sentence.Length).Sum(j => w[i, j]), abs: 1e-14, because: $"row {i}"); // a sentence's weights: ≈ n·4·ε
            Assert.Equal(i, Enumerable.Range(0, sentence.Length).MaxBy(j => w[i, j]));
            Assert.True(w[i, i] < 0.6, "the small sharpness spreads weight over neighbours, as the prose says");
        }
        Assert.Equal(sentence, nb.Value<string[]>("readBack"));

        // order: swapping the first two tokens leaves the mean unchanged and moves the recurrent state
        Assert.Equal(0.0, nb.Value<double>("meanChange"));
        double recurrentChange = nb.Value<double>("recurrentChange");
        // four steps of a rotation and an addition on unit vectors, by two loops: ≈ 1e-15 per entry of a state of norm ≤ 4
        Approx.Equal(SwapChange(vocabulary, nb.Value<double[,]>("rotation.ToArray()")), recurrentChange, abs: 1e-13);
        Assert.True(recurrentChange > 0.1);

        // the decoded guess's cosine with the truth follows 1/√n
        var cosines = Regex.Matches(nb.Stdout, @"n = +(\d+): mean cosine\(guess, token 0\) = ([\d.]+) +1/√n = ([\d.]+)");
        Assert.Equal(4, cosines.Count);
        foreach (Match m in cosines)
        {
            double n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.InRange(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), 1 / Math.Sqrt(n) - 0.04, 1 / Math.Sqrt(n) + 0.04);
        }

        Assert.Contains("> **Further erratum · 勘误** (§1).", nb.Markdown);
        // The capacity argument is stated for what it covers (smooth summaries, linear decoders), not for every code.
        Assert.DoesNotContain("No\ndecoder can get them all back", nb.Markdown);
        Assert.Contains("a linear decoder cannot even try", nb.Markdown.Replace("\n", " "));
        nb.AssertExercisesNotAnswered(3);

        Assert.Equal(2, nb.ChartHtml.Count);
        Assert.Contains("token 0 recovered (fraction)", nb.ChartHtml[0]);
        foreach (var token in new[] { "\"the\"", "\"cat\"", "\"mat\"", "\"the\u200B\"" }) Assert.Contains(token, nb.ChartHtml[1]);
        Assert.Equal(nb.ChartHtml.Count, nb.ChartsDrawnInBrowser());
    }

    /// <summary>Mean of each random sequence, then the vocabulary row with the largest cosine; ids drawn with Random(seed).Next(size) in order.</summary>
    private static double MeanRecall(double[,] vocabulary, int length, int trials, int seed)
    {
        int size = vocabulary.GetLength(0), width = vocabulary.GetLength(1);
        var rng = new Random(seed);
        int hits = 0;
        for (int trial = 0; trial < trials; trial++)
        {
            var ids = Enumerable.Range(0, length).Select(_ => rng.Next(size)).ToArray();
            var mean = new double[width];
            foreach (var id in ids)
                for (int c = 0; c < width; c++) mean[c] += vocabulary[id, c] / length;
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int r = 0; r < size; r++)
            {
                double dot = 0, norm = 0;
                for (int c = 0; c < width; c++) { dot += vocabulary[r, c] * mean[c]; norm += vocabulary[r, c] * vocabulary[r, c]; }
                if (dot / Math.Sqrt(norm) > bestScore) { bestScore = dot / Math.Sqrt(norm); best = r; }
            }
            if (best == ids[0]) hits++;
        }
        return (double)hits / trials;
    }

    /// <summary>Largest entry change of h = h·R + x over ids [5, 17, 42, 8] against [17, 5, 42, 8], by plain loops.</summary>
    private static double SwapChange(double[,] vocabulary, double[,] r)
    {
        double[] State(int[] ids)
        {
            int d = r.GetLength(0);
            var h = new double[d];
            foreach (var id in ids)
            {
                var next = new double[d];
                for (int c = 0; c < d; c++)
                {
                    for (int k = 0; k < d; k++) next[c] += h[k] * r[k, c];
                    next[c] += vocabulary[id, c];
                }
                h = next;
            }
            return h;
        }
        var a = State([5, 17, 42, 8]);
        var b = State([17, 5, 42, 8]);
        return a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
    }
}

namespace Notebooks.Tests;

/// <summary>
/// notebooks/09b-positional-encoding-shootout.ipynb: fifteen runs (five encodings × seeds 1–3), a summary that equals the
/// mean, lowest and highest seed computed here by loops, the robust facts the prose rests on, the learned table's numbers
/// equal to the "right before L, guessing after" formula, and the attention maps that show why.
/// </summary>
public class Notebook09bTests
{
    [Fact]
    public async Task Runs_and_its_table_and_claims_hold()
    {
        var nb = await TutorialNotebook.RunAsync("09b-positional-encoding-shootout.ipynb",
            "runs.Select(r => r.Positions.ToString()).ToArray()", "runs.Select(r => r.Seed).ToArray()", "runs.Select(r => r.Accuracy).ToArray()",
            "summary.Select(s => s.Mean).ToArray()", "summary.Select(s => s.Low).ToArray()", "summary.Select(s => s.High).ToArray()",
            "lengths", "rotaryBeatsLearnedAt2L", "rotaryBeatsSinusoidalAt4L", "noneFailsAtL", "scoredAt2L", "worstStandardError",
            "learnedWeights.ToArray()", "rotaryWeights.ToArray()", "testTokens", "sampleTokens", "sampleTargets");

        Assert.StartsWith("# 09b · 位置编码对比实验 · Positional-encoding shoot-out", nb.Markdown);
        string[] schemes = ["None", "Sinusoidal", "Learned", "Rotary", "Alibi"];
        var names = nb.Value<string[]>("runs.Select(r => r.Positions.ToString()).ToArray()");
        var seeds = nb.Value<int[]>("runs.Select(r => r.Seed).ToArray()");
        var accuracy = nb.Value<double[][]>("runs.Select(r => r.Accuracy).ToArray()");
        Assert.Equal(schemes.SelectMany(s => new[] { s, s, s }), names);
        Assert.Equal(Enumerable.Repeat(new[] { 1, 2, 3 }, 5).SelectMany(x => x), seeds);
        Assert.Equal(new[] { 16, 32, 48, 64 }, nb.Value<int[]>("lengths"));

        // The task: the target is the token 3 back, unscored before position 3.
        var tokens = nb.Value<int[]>("sampleTokens");
        var targets = nb.Value<int[]>("sampleTargets");
        for (int i = 0; i < 16; i++) Assert.Equal(i < 3 ? -1 : tokens[i - 3], targets[i]);

        // The summary is the mean, lowest and highest of the three seeds, by loops.
        var mean = nb.Value<double[][]>("summary.Select(s => s.Mean).ToArray()");
        var low = nb.Value<double[][]>("summary.Select(s => s.Low).ToArray()");
        var high = nb.Value<double[][]>("summary.Select(s => s.High).ToArray()");
        double Acc(string s, int seed, int length) => accuracy[Array.IndexOf(schemes, s) * 3 + seed - 1][length];
        for (int s = 0; s < 5; s++)
            for (int l = 0; l < 4; l++)
            {
                var values = new[] { 1, 2, 3 }.Select(seed => Acc(schemes[s], seed, l)).ToArray();
                Approx.Equal(values.Sum() / 3, mean[s][l], abs: 0, rel: 4 * Approx.Eps, because: $"{schemes[s]} at length {l}"); // two additions and a division
                Assert.Equal(values.Min(), low[s][l]);
                Assert.Equal(values.Max(), high[s][l]);
            }

        // The robust facts, seed by seed.
        for (int seed = 1; seed <= 3; seed++)
        {
            Assert.True(Acc("None", seed, 0) < 0.5, $"no encoding, seed {seed}");
            Assert.True(Acc("Alibi", seed, 0) < 0.5, $"ALiBi, seed {seed}");
            foreach (var s in new[] { "Sinusoidal", "Learned", "Rotary" }) Assert.True(Acc(s, seed, 0) > 0.95, $"{s} at L, seed {seed}");
            Assert.True(Acc("Rotary", seed, 1) > Acc("Learned", seed, 1) + 0.2, $"rotary beats learned at 2L, seed {seed}");
            Assert.True(Acc("Rotary", seed, 3) > Acc("Sinusoidal", seed, 3), $"rotary beats sinusoidal at 4L, seed {seed}");
            Assert.True(Acc("Sinusoidal", seed, 1) < 0.9, $"sinusoidal fades past L, seed {seed}");
        }
        Assert.Equal(3, nb.Value<int>("rotaryBeatsLearnedAt2L"));
        Assert.Equal(3, nb.Value<int>("rotaryBeatsSinusoidalAt4L"));
        Assert.Equal(3, nb.Value<int>("noneFailsAtL"));
        Assert.True(mean[3][3] > 0.9, "rotary keeps working at 4L");

        // Learned past L: the three seeds agree to the third decimal (they make the same guesses, bar a position or two)
        // and match (L − k + (n − L)/V) / (n − k) within three standard errors of the measurement.
        for (int l = 1; l < 4; l++)
        {
            int n = 16 * (l + 1);
            Assert.Equal(Acc("Learned", 1, l), Acc("Learned", 2, l), 0.0005);
            Assert.Equal(Acc("Learned", 1, l), Acc("Learned", 3, l), 0.0005);
            double predicted = (13 + (n - 16) / 10.0) / (n - 3);
            double standardError = Math.Sqrt(predicted * (1 - predicted) / (100.0 * (n - 3))); // 100 test sequences of n − 3 scored positions
            Assert.True(Math.Abs(Acc("Learned", 1, l) - predicted) < 3 * standardError,
                $"learned at {n}: measured {Acc("Learned", 1, l):F4}, predicted {predicted:F4} ± {standardError:F4}");
        }
        Assert.Equal(100 * 29, nb.Value<int>("scoredAt2L"));
        Approx.Equal(Math.Sqrt(0.25 / 2900), nb.Value<double>("worstStandardError"), abs: 0, rel: 4 * Approx.Eps); // a quotient and a root

        // The attention maps: both look 3 back up to position 15; past it the learned table looks at position 12, rotary keeps looking 3 back.
        var learned = nb.Value<double[,]>("learnedWeights.ToArray()");
        var rotary = nb.Value<double[,]>("rotaryWeights.ToArray()");
        Assert.Equal(32, nb.Value<int[]>("testTokens").Length);
        static int ArgMax(double[,] w, int row) => Enumerable.Range(0, w.GetLength(1)).MaxBy(j => w[row, j]);
        for (int i = 3; i < 16; i++) Assert.Equal(i - 3, ArgMax(learned, i));
        for (int i = 16; i < 32; i++) Assert.Equal(12, ArgMax(learned, i));
        Assert.True(Enumerable.Range(3, 29).Count(i => ArgMax(rotary, i) == i - 3) >= 27, "rotary follows the line 3 back");
        for (int i = 0; i < 32; i++)
            for (int j = i + 1; j < 32; j++) Assert.Equal(0.0, rotary[i, j]); // causal

        // Two charts draw offline; the two exercises are not answered.
        Assert.Equal(2, nb.ChartHtml.Count);
        Assert.Equal(nb.ChartHtml.Count, nb.ChartsDrawnInBrowser());
        nb.AssertExercisesNotAnswered(3);
        Assert.Contains("n/a", nb.Markdown); // the learned table's honest caveat is stated
        // Where the result is shown, ALiBi's failure is said to follow from the task and its monotone bias.
        Assert.Contains("ALiBi fails here by construction", nb.Markdown);
    }

    [Fact]
    public void The_experiment_the_prose_states_is_the_one_the_code_runs()
    {
        var prose = TestNotebooks.SourceProse("09b-positional-encoding-shootout.ipynb");
        var s = new Attention.Training.ShootoutSettings();
        Assert.Contains($"Each model trains for {s.Steps} steps of {s.BatchSize} sequences of length {s.TrainedLength} (Adam, learning rate {s.LearningRate:0.##}", prose);
        Assert.Contains($"tested on {s.EvaluationSequences} fresh sequences of each length {s.TrainedLength}, {2 * s.TrainedLength}, {3 * s.TrainedLength} and {4 * s.TrainedLength}", prose);
        Assert.Contains($"**Output the token {s.Offset} positions back.**", prose);
        Assert.Contains($"({s.Vocabulary} different ones", prose);
    }
}

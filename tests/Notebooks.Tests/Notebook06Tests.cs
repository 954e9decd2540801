using System.Globalization;

namespace Notebooks.Tests;

/// <summary>
/// notebooks/06-applications.ipynb: one small illustration per application of the article's §6. The alignment and the
/// pooling weights are recomputed here from the data files with plain loops; the answers, entity types and causal
/// guarantees are checked; the charts draw offline and the exercises are left for the learner.
/// </summary>
public class Notebook06Tests
{
    private static string[][] Csv(string file) =>
        File.ReadAllLines(Path.Combine(TutorialNotebook.RepositoryRoot, "data", file)).Where(l => l.Length > 0).Select(l => l.Split(',')).ToArray();

    private static double Num(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static double[] Softmax(double[] s)
    {
        var e = s.Select(x => Math.Exp(x - s.Max())).ToArray();
        return e.Select(x => x / e.Sum()).ToArray();
    }

    [Fact]
    public async Task Runs_and_each_application_shows_what_the_prose_says()
    {
        var nb = await TutorialNotebook.RunAsync("06-applications.ipynb",
            "pair.TargetTokens", "pair.SourceTokens", "alignment.Weights.ToArray()",
            "topicRight", "meanRight", "sentimentMisses.ToArray()", "withAttention.Scores[\"sport\"]", "withMean.Scores[\"sport\"]",
            "byTopic.Tokens", "pooling.ToArray()",
            "answers.Select(a => a.Text).ToArray()", "qa.Questions.Select(q => q.Answer).ToArray()", "qaWeights.ToArray()",
            "passage.Tokens", "qa.Questions.Select(q => q.Type).ToArray()",
            "guesses.Select(g => g.Type).ToArray()", "entities.Select(e => e.Type).ToArray()",
            "story", "causal.Attention.Weights.ToArray()", "rowGaps", "openGaps", "exactZeros");

        // §6.1: cross-attention recomputed from data/alignment-en-fr.csv: softmax(target · source / √d) per target word.
        var rows = Csv("alignment-en-fr.csv");
        int d = rows[0].Length - 2;
        var source = rows.Skip(1).Where(r => r[0] == "source").ToArray();
        var target = rows.Skip(1).Where(r => r[0] == "target").ToArray();
        Assert.Equal(source.Select(r => r[1]), nb.Value<string[]>("pair.SourceTokens"));
        Assert.Equal(target.Select(r => r[1]), nb.Value<string[]>("pair.TargetTokens"));
        var w = nb.Value<double[,]>("alignment.Weights.ToArray()");
        var aligned = new List<string>();
        for (int i = 0; i < target.Length; i++)
        {
            var s = source.Select(src => Enumerable.Range(2, d).Sum(c => Num(target[i][c]) * Num(src[c])) / Math.Sqrt(d)).ToArray();
            var a = Softmax(s);
            // short integer-valued scores over √d, softmax by two routes: a few ulps of values below 1
            for (int j = 0; j < source.Length; j++) Approx.Equal(a[j], w[i, j], abs: 1e-14, because: $"weight ({i}, {j})");
            aligned.Add(source[Array.IndexOf(a, a.Max())][1]);
        }
        Assert.Equal(["the", "cat", "black", "drinks", "the", "milk", "warm"], aligned); // le chat noir boit du lait chaud
        Assert.Contains("le → the   chat → cat   noir → black   boit → drinks   du → the   lait → milk   chaud → warm", nb.Stdout);

        // §6.2–6.3: topic and sentiment pooling, and the one honest miss.
        Assert.Equal(10, nb.Value<int>("topicRight"));
        Assert.Equal(10, nb.Value<int>("meanRight"));
        Assert.Equal(["the team did not play well"], nb.Value<string[]>("sentimentMisses.ToArray()"));
        Approx.Equal(1.0 / 6, nb.Value<double>("withMean.Scores[\"sport\"]"), abs: 1e-15); // a mean of six: a few ulps
        Assert.True(nb.Value<double>("withAttention.Scores[\"sport\"]") > 3 * nb.Value<double>("withMean.Scores[\"sport\"]"));

        // The pooling heatmap, recomputed from data/lexicon.csv: query 6 on the topic features, then 6 on the sentiment features.
        var lexicon = Csv("lexicon.csv");
        var features = lexicon[0].Skip(1).ToList();
        double[] Vec(string word) => lexicon.Skip(1).FirstOrDefault(r => r[0] == word)?.Skip(1).Select(Num).ToArray() ?? new double[features.Count];
        var tokens = nb.Value<string[]>("byTopic.Tokens");
        Assert.Equal(["the", "soup", "was", "warm", "and", "delicious"], tokens);
        var pooling = nb.Value<double[,]>("pooling.ToArray()");
        string[][] queries = [["sport", "food", "tech"], ["positive", "negative"]];
        for (int r = 0; r < 2; r++)
        {
            var a = Softmax(tokens.Select(t => queries[r].Sum(f => 6.0 * Vec(t)[features.IndexOf(f)]) / Math.Sqrt(features.Count)).ToArray());
            for (int j = 0; j < tokens.Length; j++) Approx.Equal(a[j], pooling[r, j], abs: 1e-14, because: $"pooling ({r}, {j})"); // as above
        }
        Assert.Equal(1, Enumerable.Range(0, tokens.Length).MaxBy(j => pooling[0, j]));  // topic query → soup
        Assert.Equal(5, Enumerable.Range(0, tokens.Length).MaxBy(j => pooling[1, j]));  // sentiment query → delicious

        // §6.4: every answer span is right; wrong-type tokens get exactly 0; each row sums to 1.
        Assert.Equal(nb.Value<string[]>("qa.Questions.Select(q => q.Answer).ToArray()"), nb.Value<string[]>("answers.Select(a => a.Text).ToArray()"));
        Assert.Equal(["marie curie", "warsaw", "1867", "paris", "1891"], nb.Value<string[]>("answers.Select(a => a.Text).ToArray()"));
        var qaw = nb.Value<double[,]>("qaWeights.ToArray()");
        var passage = nb.Value<string[]>("passage.Tokens");
        var types = nb.Value<string[]>("qa.Questions.Select(q => q.Type).ToArray()");
        for (int q = 0; q < types.Length; q++)
        {
            Approx.Equal(1.0, Enumerable.Range(0, passage.Length).Sum(j => qaw[q, j]), abs: 1e-14, because: $"question {q}"); // a passage's weights: ≈ n·4·ε
            for (int j = 0; j < passage.Length; j++)
                if (Vec(passage[j])[features.IndexOf(types[q])] <= 0) Assert.Equal(0.0, qaw[q, j]);
        }
        Assert.Equal("warsaw", passage[Enumerable.Range(0, passage.Length).MaxBy(j => qaw[1, j])]);
        Assert.Contains("answered right: 5 of 5", nb.Stdout);

        // §6.5: the same word is typed by its neighbours.
        Assert.Equal(["person", "place", "person", "place"], nb.Value<string[]>("entities.Select(e => e.Type).ToArray()"));
        Assert.Equal(nb.Value<string[]>("entities.Select(e => e.Type).ToArray()"), nb.Value<string[]>("guesses.Select(g => g.Type).ToArray()"));

        // §6.6: exact zeros above the diagonal; changing the last word moves only the last row, unless the mask is off.
        var cw = nb.Value<double[,]>("causal.Attention.Weights.ToArray()");
        int n = nb.Value<string[]>("story").Length;
        for (int i = 0; i < n; i++)
        {
            Approx.Equal(1.0, Enumerable.Range(0, n).Sum(j => cw[i, j]), abs: 1e-14, because: $"row {i}"); // a sentence's weights: ≈ n·4·ε
            for (int j = i + 1; j < n; j++) Assert.Equal(0.0, cw[i, j]);
        }
        Assert.Equal(n * (n - 1) / 2, nb.Value<int>("exactZeros"));
        var gaps = nb.Value<double[]>("rowGaps");
        Assert.All(gaps[..^1], g => Assert.Equal(0.0, g));
        Assert.True(gaps[^1] > 0.01);
        Assert.All(nb.Value<double[]>("openGaps"), g => Assert.True(g > 0.01));

        // Charts: five, labelled by their tokens, all drawn offline.
        var charts = nb.ChartHtml;
        Assert.Equal(5, charts.Count);
        Assert.Contains("\"chat\"", charts[0]);
        Assert.Contains("\"delicious\"", charts[1]);
        Assert.Contains("\"warsaw\"", charts[2]);
        Assert.Contains("\"jordan\"", charts[3]);
        Assert.Contains("\"cup\"", charts[4]);
        Assert.Equal(charts.Count, nb.ChartsDrawnInBrowser());

        // Honest framing, exercises left for the learner, and the way on.
        Assert.Contains("hand-built illustrations, not trained models", nb.Markdown);
        nb.AssertExercisesNotAnswered(3);
        Assert.Contains("Next: `07-future.ipynb`", nb.Markdown);
    }
}

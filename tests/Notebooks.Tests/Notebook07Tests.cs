namespace Notebooks.Tests;

/// <summary>notebooks/07-future.ipynb: each demo computes what its prose claims, checked against plain loops.</summary>
public class Notebook07Tests
{
    private static double[] Softmax(double[] x)
    {
        double max = x.Max();
        var e = x.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    private static double Dot(double[,] a, int i, double[,] b, int j)
    {
        double s = 0;
        for (int t = 0; t < a.GetLength(1); t++) s += a[i, t] * b[j, t];
        return s;
    }

    /// <summary>Cosine of two sinusoidal codes k positions apart, width d: Σ cos(k·ω_i) over the d/2 pairs, over d/2.</summary>
    private static double SinusoidalCosine(int k, int d)
    {
        double s = 0;
        for (int i = 0; i < d / 2; i++) s += Math.Cos(k * Math.Pow(10000, -2.0 * i / d));
        return s / (d / 2);
    }

    [Fact]
    public async Task Runs_and_each_demo_shows_what_its_prose_says()
    {
        var nb = await TutorialNotebook.RunAsync("07-future.ipynb",
            "cosine2d", "cosine1d", "mostSimilar2d", "closerThanBelow1d", "tiedWithBelow1d",
            "crossAttention.Weights.ToArray()", "scene.Words.ToArray()", "scene.Patches.ToArray()", "scene.PatchConcepts", "scene.Caption",
            "weightOnNamedPatches[\"cat\"]", "weightOnNamedPatches[\"grass\"]", "weightOnNamedPatches[\"sun\"]",
            "shop.Candidates.ToArray()", "shop.History.ToArray()", "shop.CandidateCategories", "interest.Scores", "interest.Weights.ToArray()", "meanPool", "recencyAware.Scores",
            "dna", "motifPositions", "averagedPosition", "motifAttention.Weights.ToArray()");

        // 2-D encoding of a 6×6 grid, d_model 32: cosine = (f(Δrow) + f(Δcol)) / 2 with f the 1-D cosine at width 16.
        var cos2d = nb.Value<double[]>("cosine2d");
        for (int p = 0; p < 36; p++)
            // cosines of 32-wide rows whose sines and cosines come from other positions: ≈ 32·ε, with vector sin/cos
            Approx.Equal((SinusoidalCosine(p / 6 - 2, 16) + SinusoidalCosine(p % 6 - 2, 16)) / 2, cos2d[p], abs: 5e-14, because: $"patch {p}");
        Assert.Equal(["1,2", "2,1", "2,3", "3,2"], nb.Value<string[]>("mostSimilar2d").Order().ToArray());
        var cos1d = nb.Value<double[]>("cosine1d");
        for (int p = 0; p < 36; p++) Approx.Equal(SinusoidalCosine(p - 14, 32), cos1d[p], abs: 5e-14, because: $"position {p}");
        // Counted from the exact cosines (a function of |Δ| only): the patch above (Δ = −6) ties with the one below (Δ = 6)
        // and must not be counted as "more similar" because rounding puts it 2e-16 higher.
        double belowCosine = SinusoidalCosine(6, 32);
        var others = Enumerable.Range(0, 36).Where(p => p != 14 && p != 20).ToArray();
        int closer = others.Count(p => SinusoidalCosine(p - 14, 32) > belowCosine + 1e-9);
        int ties = others.Count(p => Math.Abs(SinusoidalCosine(p - 14, 32) - belowCosine) <= 1e-9);
        Assert.Equal(closer, nb.Value<int>("closerThanBelow1d"));
        Assert.Equal(ties, nb.Value<int>("tiedWithBelow1d"));
        Assert.True(ties >= 1, "the patch above is exactly as far in the flat numbering as the patch below");
        Assert.True(closer >= 4, "with a flat numbering the patch below is not among the closest");
        Assert.Contains($"with the 1-D encoding, {closer} patches look more similar to (2,2) than the patch right below it, and {ties} exactly as similar", nb.Stdout);

        // Cross-attention: softmax(words · patchesᵀ / √16) by loops; content words find their patches.
        var words = nb.Value<double[,]>("scene.Words.ToArray()");
        var patches = nb.Value<double[,]>("scene.Patches.ToArray()");
        var weights = nb.Value<double[,]>("crossAttention.Weights.ToArray()");
        var concepts = nb.Value<string[]>("scene.PatchConcepts");
        var caption = nb.Value<string[]>("scene.Caption");
        for (int w = 0; w < caption.Length; w++)
        {
            var expected = Softmax(Enumerable.Range(0, 16).Select(p => Dot(words, w, patches, p) / 4).ToArray());
            // 16 scores from dot products, by two routes, then a softmax: a few ulps of values below 1
            for (int p = 0; p < 16; p++) Approx.Equal(expected[p], weights[w, p], abs: 1e-14, because: $"weight ({w}, {p})");
            double onNamed = Enumerable.Range(0, 16).Where(p => concepts[p] == caption[w]).Sum(p => weights[w, p]);
            if (concepts.Contains(caption[w]))
            {
                Assert.True(onNamed > 0.75, $"'{caption[w]}' puts {onNamed:F2} on its patches");
                Approx.Equal(onNamed, nb.Value<double>($"weightOnNamedPatches[\"{caption[w]}\"]"), abs: 1e-14); // a few of those weights, summed
            }
            else Assert.True(Enumerable.Range(0, 16).Max(p => weights[w, p]) < 0.25, $"'{caption[w]}' spreads its weight thinly");
        }

        // Recommendation: scores by loops; the table's claims (ranks) hold.
        var cand = nb.Value<double[,]>("shop.Candidates.ToArray()");
        var hist = nb.Value<double[,]>("shop.History.ToArray()");
        int nc = cand.GetLength(0), nh = hist.GetLength(0), d = cand.GetLength(1);
        double[] Scores(double slope) => Enumerable.Range(0, nc).Select(c =>
        {
            var a = Softmax(Enumerable.Range(0, nh).Select(j => Dot(cand, c, hist, j) / Math.Sqrt(d) - slope * (nh - 1 - j)).ToArray());
            return Enumerable.Range(0, nh).Sum(j => a[j] * Dot(cand, c, hist, j));
        }).ToArray();
        var attention = nb.Value<double[]>("interest.Scores");
        var recency = nb.Value<double[]>("recencyAware.Scores");
        var meanPool = nb.Value<double[]>("meanPool");
        Assert.Equal(Scores(0), attention, (x, y) => Math.Abs(x - y) < 1e-9);
        Assert.Equal(Scores(0.5), recency, (x, y) => Math.Abs(x - y) < 1e-9);
        var meanByLoop = Enumerable.Range(0, nc).Select(c => Enumerable.Range(0, nh).Sum(j => Dot(cand, c, hist, j)) / nh).ToArray();
        Assert.Equal(meanByLoop, meanPool, (x, y) => Math.Abs(x - y) < 1e-9);
        int Rank(double[] s, int c) => 1 + s.Count(v => v > s[c]);
        var categories = nb.Value<string[]>("shop.CandidateCategories");
        int knife = Array.IndexOf(categories, "cooking"), scifi = Array.IndexOf(categories, "sci-fi"), tent = Array.IndexOf(categories, "outdoor"), gloves = Array.IndexOf(categories, "gardening");
        Assert.True(Rank(meanPool, knife) >= 4 && Rank(attention, knife) <= 2, "attention rescues the single cooking interest");
        Assert.True(recency[scifi] < attention[scifi] && Rank(recency, tent) == 1, "recency fades the old sci-fi interest, the outdoor gear wins");
        var iw = nb.Value<double[,]>("interest.Weights.ToArray()");
        double glovesTop = Enumerable.Range(0, nh).Max(j => iw[gloves, j]);
        Assert.True(glovesTop < 0.5, "no item takes most of the gloves' weight");
        Assert.Contains($"largest weight {glovesTop.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)} on ", nb.Stdout);
        Assert.DoesNotContain("find nothing in particular and spread their weight", nb.Markdown);

        // DNA: the full matches are the planted positions (and every occurrence); the average position is no match.
        var dna = nb.Value<string>("dna");
        var found = Enumerable.Range(0, dna.Length - 5).Where(p => dna.Substring(p, 6) == "TATAAA").ToArray();
        Assert.Equal([8, 41], found);
        Assert.Equal(found, nb.Value<int[]>("motifPositions"));
        var dw = nb.Value<double[,]>("motifAttention.Weights.ToArray()");
        Assert.True(dw[0, 8] > 0.45 && dw[0, 41] > 0.45);
        double avg = nb.Value<double>("averagedPosition");
        // weights times positions below 60, summed in two orders: ≈ 60·ε relative of a mean near 24
        Approx.Equal(Enumerable.Range(0, dw.GetLength(1)).Sum(p => dw[0, p] * p), avg, abs: 0, rel: 1e-13);
        Assert.InRange(avg, 23.5, 25.5);

        // Four charts, all drawn offline; the three exercises show "not yet" as committed.
        Assert.Equal(4, nb.ChartHtml.Count);
        Assert.Equal(nb.ChartHtml.Count, nb.ChartsDrawnInBrowser());
        nb.AssertExercisesNotAnswered(3);
    }
}

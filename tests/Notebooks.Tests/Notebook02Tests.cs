using Attention.Plots;
using MathNet.Numerics.LinearAlgebra;
using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>
/// notebooks/02-core-concepts.ipynb: one query's weights and output match a hand computation; the same word at two
/// positions differs by exactly the encodings' difference; self-attention is permutation-equivariant without
/// positions and not with them (checked against a plain-loop attention); three redrawn flowcharts.
/// </summary>
public class Notebook02Tests
{
    [Fact]
    public async Task Runs_shows_the_weighted_average_and_the_shuffle_test()
    {
        var nb = await TutorialNotebook.RunAsync("02-core-concepts.ipynb",
            "values.ToArray()", "query.ToArray()", "weights", "byHand.ToArray()", "output.ToArray()", "handDifference", "otherWeights",
            "pe.ToArray()", "theDistanceWithout", "theDistanceWith", "embedded.ToArray()", "shuffle",
            "gapWithout", "gapWith", "mhaGapWithout", "mhaGapWith", "catWithout", "catWith",
            "xTrain", "yTrain", "xQuery", "fAverage", "fFixed", "fLearned", "wFixed", "wLearned",
            "looAverage", "looFixed", "looLearned", "alphaLearned.ToArray()", "poolingAsAttentionGap");
        AssertAttentionPooling(nb);

        // one query: softmax(q·v_j/√2) and Σ_j α_j v_j by plain loops
        var v = nb.Value<double[,]>("values.ToArray()");
        var q = nb.Value<double[,]>("query.ToArray()");
        var expected = SoftmaxRow(Enumerable.Range(0, 5).Select(j => (q[0, 0] * v[j, 0] + q[0, 1] * v[j, 1]) / Math.Sqrt(2)).ToArray());
        var weights = nb.Value<double[]>("weights");
        // two-term scores and a softmax of five, by two routes: a few ulps of values below 1
        for (int j = 0; j < 5; j++) Approx.Equal(expected[j], weights[j], abs: 1e-14, because: $"weight {j}");
        Approx.Equal(1.0, weights.Sum(), abs: 4e-15); // five weights: ≈ 5·4·ε
        var mix = new[] { Enumerable.Range(0, 5).Sum(j => expected[j] * v[j, 0]), Enumerable.Range(0, 5).Sum(j => expected[j] * v[j, 1]) };
        Assert.Equal(mix, nb.Value<double[]>("output.ToArray()"), (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(mix, nb.Value<double[]>("byHand.ToArray()"), (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.True(nb.Value<double>("handDifference") < 1e-12);
        Assert.Equal(2, weights.ToList().IndexOf(weights.Max())); // "apple" carries the most weight, as the chart shows
        var other = nb.Value<double[]>("otherWeights");
        Assert.Equal(3, other.ToList().IndexOf(other.Max()));      // the other query prefers "fell"

        // sinusoidal table by the formula; the two "the" vectors differ by PE[0] − PE[4] exactly
        var pe = nb.Value<double[,]>("pe.ToArray()");
        Assert.Equal((64, 32), (pe.GetLength(0), pe.GetLength(1)));
        // the table's vector sine and cosine of an angle below 1: a few ulps
        Approx.Equal(Math.Sin(5 / Math.Pow(10000, 6.0 / 32)), pe[5, 6], abs: 1e-14);
        Approx.Equal(Math.Cos(5 / Math.Pow(10000, 6.0 / 32)), pe[5, 7], abs: 1e-14);
        Assert.Equal(0.0, nb.Value<double>("theDistanceWithout"));
        double peDistance = Math.Sqrt(Enumerable.Range(0, 32).Sum(c => Math.Pow(pe[0, c] - pe[4, c], 2)));
        // 32 squared differences of values below 1 and a root, summed in two orders: ≈ 32·ε relative
        Approx.Equal(peDistance, nb.Value<double>("theDistanceWith"), abs: 0, rel: 1e-14);

        // permutation equivariance: rounding error without positions, a large difference with them
        Assert.True(nb.Value<double>("gapWithout") < 1e-12);
        Assert.True(nb.Value<double>("mhaGapWithout") < 1e-12);
        Assert.True(nb.Value<double>("catWithout") < 1e-12);
        double gapWith = nb.Value<double>("gapWith");
        Assert.True(gapWith > 0.01);
        Assert.True(nb.Value<double>("mhaGapWith") > 0.01);
        Assert.True(nb.Value<double>("catWith") > 0.01);

        // the gap with positions, recomputed with a plain-loop self-attention
        var x = nb.Value<double[,]>("embedded.ToArray()");
        var perm = nb.Value<int[]>("shuffle");
        int n = x.GetLength(0), d = x.GetLength(1);
        var withPe = new double[n, d];
        var shuffledWithPe = new double[n, d];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < d; c++) { withPe[i, c] = x[i, c] + pe[i, c]; shuffledWithPe[i, c] = x[perm[i], c] + pe[i, c]; }
        var a = SelfAttention(shuffledWithPe);
        var b = SelfAttention(withPe);
        double gap = 0;
        for (int i = 0; i < n; i++)
            for (int c = 0; c < d; c++) gap = Math.Max(gap, Math.Abs(a[i, c] - b[perm[i], c]));
        // each self-attention output (|x| of a few units) is computed two ways to ≈ 1e-14; the largest gap inherits that
        Approx.Equal(gap, gapWith, abs: 1e-12);

        // prose and structure: three redrawn flowcharts, the further erratum, the pointer to errata 1 and 2
        Assert.Equal(3, Regex.Matches(nb.Markdown, "```mermaid\nflowchart").Count);
        Assert.Contains("> **Further erratum · 勘误** (§2.3).", nb.Markdown);
        Assert.Contains("(Erratum 2)", nb.Markdown);
        nb.AssertExercisesNotAnswered(3);

        Assert.Equal(5, nb.ChartHtml.Count); // the two attention-pooling charts come first
        foreach (var token in new[] { "\"the\"", "\"red\"", "\"apple\"", "\"fell\"", "\"down\"" }) Assert.Contains(token, nb.ChartHtml[2]);
        Assert.Contains("output = Σ weight · value", nb.ChartHtml[3]);
        Assert.Contains("64 positions × 32 dimensions", nb.ChartHtml[4]);
        Assert.Equal(nb.ChartHtml.Count, nb.ChartsDrawnInBrowser());
    }

    /// <summary>
    /// Attention pooling (Nadaraya–Watson): the data are the stated draws, every prediction is the Gaussian-kernel
    /// weighted average recomputed by plain loops, the learned width is the grid point with the smallest leave-one-out
    /// error (and beats the fixed width and average pooling), and the library reproduces the pooling as dot-product
    /// attention with a per-key bias.
    /// </summary>
    private static void AssertAttentionPooling(TutorialNotebook nb)
    {
        var x = nb.Value<double[]>("xTrain");
        var y = nb.Value<double[]>("yTrain");
        var queries = nb.Value<double[]>("xQuery");
        int n = x.Length;
        Assert.Equal(50, n);
        Assert.Equal(Attention.Init.Uniform(1, 50, seed: 11, min: 0, max: 5).Row(0).Order().ToArray(), x);
        var noise = Attention.Init.Normal(1, 50, seed: 12, std: 0.5).Row(0);
        for (int j = 0; j < n; j++)
            Assert.InRange(Math.Abs(y[j] - (2 * Math.Sin(x[j]) + Math.Pow(x[j], 0.8) + noise[j])), 0, 1e-14); // |y| < 8: a few ulps
        Assert.Equal(Enumerable.Range(0, 51).Select(i => i / 10.0).ToArray(), queries);

        // Σ_j softmax_j(−(q − x_j)²/(2w²))·y_j by loops, leaving out key `skip`; w = ∞ is average pooling.
        double[] Weights(double q, double w, int skip = -1)
        {
            var e = new double[n];
            double max = double.NegativeInfinity;
            for (int j = 0; j < n; j++) if (j != skip) max = Math.Max(max, Score(q, x[j], w));
            double sum = 0;
            for (int j = 0; j < n; j++) { e[j] = j == skip ? 0 : Math.Exp(Score(q, x[j], w) - max); sum += e[j]; }
            for (int j = 0; j < n; j++) e[j] /= sum;
            return e;
        }
        static double Score(double q, double xj, double w) => double.IsPositiveInfinity(w) ? 0 : -(q - xj) * (q - xj) / (2 * w * w);
        double Predict(double q, double w, int skip = -1) { var a = Weights(q, w, skip); double f = 0; for (int j = 0; j < n; j++) f += a[j] * y[j]; return f; }
        double Loo(double w) { double s = 0; for (int i = 0; i < n; i++) s += Math.Pow(y[i] - Predict(x[i], w, i), 2); return s / n; }

        // Predictions: |y| < 6, each a sum of 50 products with weights ≤ 1, so rounding stays below 1e-13.
        double wFixed = nb.Value<double>("wFixed"), wLearned = nb.Value<double>("wLearned");
        Assert.Equal(1.0, wFixed);
        foreach (var (name, w) in new[] { ("fAverage", double.PositiveInfinity), ("fFixed", wFixed), ("fLearned", wLearned) })
        {
            var f = nb.Value<double[]>(name);
            for (int i = 0; i < queries.Length; i++) Assert.InRange(Math.Abs(f[i] - Predict(queries[i], w)), 0, 1e-12);
        }
        Assert.InRange(Math.Abs(nb.Value<double[]>("fAverage")[7] - y.Average()), 0, 1e-13);
        var alpha = nb.Value<double[,]>("alphaLearned.ToArray()");
        for (int i = 0; i < queries.Length; i++)
        {
            var a = Weights(queries[i], wLearned);
            for (int j = 0; j < n; j++) Assert.InRange(Math.Abs(alpha[i, j] - a[j]), 0, 1e-14);
        }

        // Leave-one-out errors (≈ 0.1 to 2, sums of 50 squares): relative tolerance 1e-12.
        double looAverage = nb.Value<double>("looAverage"), looFixed = nb.Value<double>("looFixed"), looLearned = nb.Value<double>("looLearned");
        foreach (var (value, w) in new[] { (looAverage, double.PositiveInfinity), (looFixed, wFixed), (looLearned, wLearned) })
            Assert.InRange(Math.Abs(value - Loo(w)), 0, 1e-12 * Loo(w));
        var grid = Enumerable.Range(5, 196).Select(k => k / 100.0).ToArray();
        Assert.Contains(wLearned, grid);
        foreach (double w in grid) Assert.True(looLearned <= Loo(w) + 1e-12, $"w = {w} has a smaller leave-one-out error than the learned {wLearned}");
        Assert.True(looLearned <= looFixed, $"learned {looLearned} vs fixed {looFixed}");
        Assert.True(looLearned <= looAverage, $"learned {looLearned} vs average pooling {looAverage}");
        Assert.True(looFixed < looAverage, "a kernel that looks at the query beats ignoring it");

        // The library's dot-product attention with the per-key bias reproduces the pooling.
        double gap = nb.Value<double>("poolingAsAttentionGap");
        Assert.InRange(gap, 0, 1e-12);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        Assert.Contains(string.Create(inv, $"leave-one-out error, Gaussian learned w = {wLearned:F2}: {looLearned:F4}"), nb.Stdout);
        Assert.Contains(string.Create(inv, $"leave-one-out error, Gaussian w = {wFixed:F2}:         {looFixed:F4}"), nb.Stdout);
        Assert.Contains(string.Create(inv, $"leave-one-out error, average pooling:         {looAverage:F4}"), nb.Stdout);
        Assert.Contains("max |ours − library| = " + gap.ToString("0.0e+0", inv), nb.Stdout);
        Assert.Contains("Q 51×1, K 50×1, V 50×1, B 51×50", nb.Stdout);
        Assert.Contains("Attention pooling: three ways to weigh the training points", nb.ChartHtml[0]);
        Assert.Contains("Attention weights α(x, x_j), Gaussian kernel", nb.ChartHtml[1]);
        Assert.Contains("### 2.1.1 注意力汇聚：还没有矩阵 · Attention pooling, before any matrices", nb.Markdown);
    }

    [Fact]
    public void Points_and_curves_chart_checks_its_inputs()
    {
        Assert.NotNull(Charts.PointsAndCurves([0.0, 1.0], [1.0, 2.0], "data", [0.0, 0.5, 1.0], [("f", [1.0, 1.5, 2.0])], "t", "x", "y"));
        Assert.Contains("2 x values but 1 y values",
            Assert.Throws<ArgumentException>(() => Charts.PointsAndCurves([0.0, 1.0], [1.0], "data", [0.0], [], "t", "x", "y")).Message);
        Assert.Contains("Curve 'f' has 2 values but there are 3 x values",
            Assert.Throws<ArgumentException>(() => Charts.PointsAndCurves([0.0], [1.0], "data", [0.0, 0.5, 1.0], [("f", [1.0, 2.0])], "t", "x", "y")).Message);
        Assert.Throws<ArgumentException>(() => Charts.PointsAndCurves([0.0], [1.0], "data", [0.0], [], " ", "x", "y"));
    }

    [Fact]
    public void Weighted_average_chart_checks_its_inputs()
    {
        var values = Matrix<double>.Build.DenseOfArray(new double[,] { { 0, 0 }, { 1, 1 } });
        Assert.NotNull(Charts.WeightedAverage2D(values, ["a", "b"], [0.5, 0.5], [0.5, 0.5]));
        Assert.Contains("3 tokens and 2 weights", Assert.Throws<ArgumentException>(() => Charts.WeightedAverage2D(values, ["a", "b", "c"], [0.5, 0.5], [0.5, 0.5])).Message);
        Assert.Contains("2×3", Assert.Throws<ArgumentException>(() => Charts.WeightedAverage2D(Matrix<double>.Build.Dense(2, 3), ["a", "b"], [0.5, 0.5], [0.5, 0.5])).Message);
        Assert.Contains("3 entries", Assert.Throws<ArgumentException>(() => Charts.WeightedAverage2D(values, ["a", "b"], [0.5, 0.5], [0.5, 0.5, 0])).Message);
    }

    private static double[] SoftmaxRow(double[] s)
    {
        double max = s.Max();
        var e = s.Select(x => Math.Exp(x - max)).ToArray();
        return e.Select(x => x / e.Sum()).ToArray();
    }

    /// <summary>softmax(X·Xᵀ/√d)·X by plain loops.</summary>
    private static double[,] SelfAttention(double[,] x)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var result = new double[n, d];
        for (int i = 0; i < n; i++)
        {
            var s = new double[n];
            for (int j = 0; j < n; j++)
            {
                for (int c = 0; c < d; c++) s[j] += x[i, c] * x[j, c];
                s[j] /= Math.Sqrt(d);
            }
            var w = SoftmaxRow(s);
            for (int j = 0; j < n; j++)
                for (int c = 0; c < d; c++) result[i, c] += w[j] * x[j, c];
        }
        return result;
    }
}

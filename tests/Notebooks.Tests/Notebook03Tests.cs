using Attention.Plots;
using MathNet.Numerics.LinearAlgebra;
using Plotly.NET;

namespace Notebooks.Tests;

/// <summary>
/// notebooks/03-algorithm.ipynb: its step-by-step numbers, the √d_k measurements, the positional-encoding
/// errata and the cost fit agree with values computed here independently (plain loops and hand formulas),
/// its charts draw offline and its exercises are unanswered as committed.
/// </summary>
public class Notebook03Tests
{
    private static readonly Lazy<Task<TutorialNotebook>> Run = new(() => TutorialNotebook.RunAsync("03-algorithm.ipynb",
        "X.ToArray()", "Wq.ToArray()", "Wk.ToArray()", "Wv.ToArray()", "Q.ToArray()", "K.ToArray()", "V.ToArray()",
        "scores.ToArray()", "weights.ToArray()", "output.ToArray()", "articleLiteral.ToArray()", "tokens",
        "dks", "spreads.Select(s => s.Variance).ToArray()", "spreads.Select(s => s.ScaledVariance).ToArray()",
        "saturation.Select(s => s.MaxWeight).ToArray()", "saturation.Select(s => s.ScaledMaxWeight).ToArray()",
        "saturation.Select(s => s.RelativeEntropy).ToArray()", "saturation.Select(s => s.ScaledRelativeEntropy).ToArray()",
        "sinusoidal.ToArray()", "articleMaxSin", "articleMinCos", "double.IsNaN(articleTable[0, 0])", "articleSpread", "sinusoidalSpread",
        "rotationError", "fit.Coefficients", "lengths", "medians", "exponent", "allocated", "memoryExponent"));

    private static Task<TutorialNotebook> Notebook => Run.Value;

    private static double[,] MatMul(double[,] a, double[,] b, bool transposeB = false, double scale = 1.0)
    {
        int n = a.GetLength(0), inner = a.GetLength(1), m = transposeB ? b.GetLength(0) : b.GetLength(1);
        var c = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int t = 0; t < inner; t++) s += a[i, t] * (transposeB ? b[j, t] : b[t, j]);
                c[i, j] = s * scale;
            }
        return c;
    }

    private static void Close(double[,] expected, double[,] actual, double tolerance)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                Assert.True(Math.Abs(expected[i, j] - actual[i, j]) <= tolerance,
                    $"[{i}, {j}]: expected {expected[i, j]:R}, got {actual[i, j]:R}");
    }

    [Fact]
    public async Task Every_step_matches_plain_loops_and_a_hand_softmax()
    {
        var nb = await Notebook;
        var x = nb.Value<double[,]>("X.ToArray()");
        Assert.Equal(6, x.GetLength(0));
        Assert.Equal(4, x.GetLength(1));
        var q = nb.Value<double[,]>("Q.ToArray()");
        var k = nb.Value<double[,]>("K.ToArray()");
        var v = nb.Value<double[,]>("V.ToArray()");
        Close(MatMul(x, nb.Value<double[,]>("Wq.ToArray()")), q, 1e-12);
        Close(MatMul(x, nb.Value<double[,]>("Wk.ToArray()")), k, 1e-12);
        Close(MatMul(x, nb.Value<double[,]>("Wv.ToArray()")), v, 1e-12);

        // scores: q_i · k_j / √4
        var scores = nb.Value<double[,]>("scores.ToArray()");
        Close(MatMul(q, k, transposeB: true, scale: 0.5), scores, 1e-12);

        // weights: e^s / Σ e^s, row by row, written out
        var weights = nb.Value<double[,]>("weights.ToArray()");
        var hand = new double[6, 6];
        for (int j = 0; j < 6; j++)
        {
            double z = 0;
            for (int i = 0; i < 6; i++) z += Math.Exp(scores[j, i]);
            for (int i = 0; i < 6; i++) hand[j, i] = Math.Exp(scores[j, i]) / z;
        }
        Close(hand, weights, 1e-12);

        // the printed hand row of "cat" is the printed library row of "cat"
        string Row(int j) => string.Join(", ", Enumerable.Range(0, 6).Select(i => hand[j, i].ToString("F4")));
        Assert.Contains("'cat' by hand: " + Row(1), nb.Stdout);
        Assert.Contains(Row(1).Replace(", ", "  "), nb.Stdout);
        Assert.Contains("row sums: 1.0000, 1.0000, 1.0000, 1.0000, 1.0000, 1.0000", nb.Stdout);

        // output: Σ_j α_{i,j} v_j; the article's literal formula weights the values by raw scores q·k
        Close(MatMul(hand, v), nb.Value<double[,]>("output.ToArray()"), 1e-12);
        Close(MatMul(MatMul(q, k, transposeB: true), v), nb.Value<double[,]>("articleLiteral.ToArray()"), 1e-12);
        // the step-by-step result is the library's, up to rounding (the library's kernel sums in another order)
        var difference = System.Text.RegularExpressions.Regex.Match(nb.Stdout, @"largest difference from ScaledDotProductAttention\.Compute\(Q, K, V\): (\S+)");
        Assert.True(difference.Success, "the notebook prints the difference from the library");
        Assert.InRange(double.Parse(difference.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 0, 1e-15);

        // the two "the" differ only by their positional encodings: PE[4] − PE[0], d_model = 4
        double[] pe4 = [Math.Sin(4), Math.Cos(4), Math.Sin(4 / 100.0), Math.Cos(4 / 100.0)];
        double[] pe0 = [0, 1, 0, 1];
        // the same embedding plus two rows of the table, rounded and subtracted: a few ulps of numbers near 1
        for (int c = 0; c < 4; c++) Approx.Equal(pe4[c] - pe0[c], x[4, c] - x[0, c], abs: 1e-14, because: $"column {c}");
    }

    [Fact]
    public async Task Dot_product_variance_grows_like_dk_and_unscaled_softmax_saturates()
    {
        var nb = await Notebook;
        var dks = nb.Value<int[]>("dks");
        var variance = nb.Value<double[]>("spreads.Select(s => s.Variance).ToArray()");
        var scaled = nb.Value<double[]>("spreads.Select(s => s.ScaledVariance).ToArray()");
        for (int i = 0; i < dks.Length; i++)
        {
            // 2000 samples: the sample variance of q·k has relative standard error √((2 + 6/d_k)/2000); allow 4 of them
            double tolerance = 4 * Math.Sqrt((2 + 6.0 / dks[i]) / 2000);
            Assert.InRange(variance[i] / dks[i], 1 - tolerance, 1 + tolerance);
            Assert.InRange(scaled[i], 1 - tolerance, 1 + tolerance);
        }
        Assert.Equal(1024, dks[^1]);

        var maxWeight = nb.Value<double[]>("saturation.Select(s => s.MaxWeight).ToArray()");
        var scaledMaxWeight = nb.Value<double[]>("saturation.Select(s => s.ScaledMaxWeight).ToArray()");
        var entropy = nb.Value<double[]>("saturation.Select(s => s.RelativeEntropy).ToArray()");
        var scaledEntropy = nb.Value<double[]>("saturation.Select(s => s.ScaledRelativeEntropy).ToArray()");
        for (int i = 1; i < dks.Length; i++)
        {
            Assert.True(maxWeight[i] > maxWeight[i - 1], $"unscaled max weight should grow with d_k: {string.Join(", ", maxWeight)}");
            Assert.True(entropy[i] < entropy[i - 1], $"unscaled entropy should fall with d_k: {string.Join(", ", entropy)}");
        }
        Assert.True(maxWeight[^1] > 0.9 && entropy[^1] < 0.1, "at d_k = 1024 unscaled rows are nearly one-hot");
        Assert.All(scaledMaxWeight, w => Assert.InRange(w, 0.15, 0.35));
        Assert.All(scaledEntropy, h => Assert.InRange(h, 0.8, 0.95));
    }

    [Fact]
    public async Task Positional_encoding_errata_compute_the_right_and_the_wrong_numbers()
    {
        var nb = await Notebook;
        // the right table, by the formula
        var pe = nb.Value<double[,]>("sinusoidal.ToArray()");
        for (int pos = 0; pos < 64; pos++)
            for (int c = 0; c < 16; c++)
            {
                double angle = pos / Math.Pow(10000, 2.0 * (c / 2) / 16);
                // angles up to 63 carry an ulp of 63 (7e-15) when formed another way; vector sine and cosine add a few ulps
                Approx.Equal(c % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle), pe[pos, c], abs: 5e-14, because: $"PE[{pos}, {c}]");
            }

        // erratum 1: the article's angle 1000^(−2i/d)/1000 is largest (1/1000) at position i = 0
        double maxSin = nb.Value<double>("articleMaxSin");
        Assert.True(maxSin <= 0.001, $"max |sin| = {maxSin}");
        Approx.Equal(Math.Sin(0.001), maxSin, abs: 0, rel: 2 * Approx.Eps); // sin(1000⁰/1000): the same formula, within 2 ulps
        double minCos = nb.Value<double>("articleMinCos");
        Approx.Equal(Math.Cos(0.001), minCos, abs: 0, rel: 2 * Approx.Eps);
        Assert.True(minCos >= 1 - 1e-6);
        Assert.True(nb.Value<bool>("double.IsNaN(articleTable[0, 0])"), "d = 0 divides by zero");
        Assert.True(nb.Value<double>("articleSpread") < 0.01);
        Assert.True(nb.Value<double>("sinusoidalSpread") > 1);

        // erratum 2: one fixed rotation shifts every position
        Assert.True(nb.Value<double>("rotationError") < 1e-12);
        Assert.Contains($"[[{Math.Cos(5):F4}, {Math.Sin(5):F4}], [{-Math.Sin(5):F4}, {Math.Cos(5):F4}]]", nb.Stdout);
    }

    [Fact]
    public async Task Cost_fit_and_exponents_are_the_least_squares_ones_of_the_measurements()
    {
        // The times are the machine's (no timing is asserted); the fit and the exponent read from them must be right.
        var nb = await Notebook;
        double[] n = [128, 256, 512, 768, 1024, 1536, 2048];
        Assert.Equal(n.Select(x => (int)x), nb.Value<int[]>("lengths"));
        var medians = nb.Value<double[]>("medians");
        Assert.Equal(n.Length, medians.Length);
        Assert.All(medians, t => Assert.True(t > 0 && double.IsFinite(t)));
        var byHand = TestMath.QuadraticFit(n, medians);
        var fit = nb.Value<double[]>("fit.Coefficients");
        for (int c = 0; c < 3; c++) Assert.Equal(byHand[c], fit[c], Math.Abs(byHand[c]) * 1e-6 + 1e-9);
        Assert.Equal(TestMath.LogLogSlope(n[2..], medians[2..]), nb.Value<double>("exponent"), 1e-9);
        Assert.Contains("t(2048) / t(1024) on the fit = ", nb.Stdout);

        // Memory is allocation, not timing: one call holds the n×n weights (8 bytes each) and a few n×d arrays, so the
        // measured bytes lie between 8n² and 8n² + 8n·32·8, and their log-log slope for n ≥ 512 is close to 2.
        var allocated = nb.Value<double[]>("allocated");
        for (int i = 0; i < n.Length; i++) Assert.InRange(allocated[i], 8 * n[i] * n[i], 8 * n[i] * n[i] + 64 * 32 * n[i] + (1 << 20));
        double memoryExponent = nb.Value<double>("memoryExponent");
        Assert.Equal(TestMath.LogLogSlope(n[2..], allocated[2..]), memoryExponent, 1e-9);
        Assert.InRange(memoryExponent, 1.9, 2.05);
    }

    [Fact]
    public async Task Errata_callouts_charts_and_unanswered_exercises()
    {
        var nb = await Notebook;
        var md = nb.Markdown;
        Assert.StartsWith("# 03 · 核心算法原理 & 具体操作步骤 · ", md);
        foreach (var callout in new[] { "> **Erratum 1 · 勘误 1** (§3.2.4). The article says:", "> **Erratum 2 · 勘误 2** (§3.2.4). The article says:",
                     "> **Erratum 3 · 勘误 3** (§3.2.2). The article says:", "> **Further erratum · 勘误** (§3.2.1). The article says:",
                     "> **Further erratum · 勘误** (§3.2.3). The article says:" })
            Assert.Contains(callout, md);
        Assert.Contains("Next: `04-math-model.ipynb`", md);

        Assert.Equal(7, nb.ChartHtml.Count);
        Assert.Equal(nb.ChartHtml.Count, nb.ChartsDrawnInBrowser());
        var heatmap = nb.ChartHtml[0];
        foreach (var token in new[] { "the", "cat", "sat", "on", "the\u200B", "mat" }) Assert.Contains($"\"{token}\"", heatmap);
        foreach (var panel in new[] { "dot: key", "scaled dot: key", "multiplicative: key", "additive: key" })
            Assert.Contains(panel, nb.ChartHtml[3]);

        nb.AssertExercisesNotAnswered(3);
    }

    [Fact]
    public void Score_function_panels_are_named_share_one_scale_and_reject_mismatched_shapes()
    {
        var a = Matrix<double>.Build.DenseOfArray(new[,] { { 0.7, 0.3 }, { 0.2, 0.8 } });
        var b = Matrix<double>.Build.DenseOfArray(new[,] { { 0.5, 0.5 }, { 0.9, 0.1 } });
        var json = GenericChart.toJson(Charts.ScoreFunctionHeatmaps([("dot", a), ("additive", b)], ["I", "tea"], title: "Two scores"));
        Assert.Equal(2, json.Split("\"type\":\"heatmap\"").Length - 1);
        Assert.Contains("dot: key", json);
        Assert.Contains("additive: key", json);
        Assert.Contains("\"xaxis\":\"x2\"", json);
        Assert.Contains("Two scores", json);
        Assert.Equal(2, json.Split("\"zmax\":0.9").Length - 1);
        Assert.Contains("\"x\":[\"I\",\"tea\"]", json);
        var ex = Assert.Throws<ArgumentException>(() => Charts.ScoreFunctionHeatmaps([("dot", a), ("bad", Matrix<double>.Build.Dense(3, 2))], ["I", "tea"]));
        Assert.Contains("Panel 'bad' is 3×2", ex.Message);
        Assert.Throws<ArgumentException>(() => Charts.ScoreFunctionHeatmaps([], ["I"]));
    }

    [Fact]
    public async Task Machine_dependent_prose_is_generated_from_the_run_and_the_stated_facts_hold()
    {
        var nb = await Notebook;
        // The growth sentence is the one the measured numbers give (the prose around it makes no claim of its own).
        var fit = nb.Value<double[]>("fit.Coefficients");
        double At(double x) => fit[0] + fit[1] * x + fit[2] * x * x;
        string expected = ScalingMeasurements.DescribeGrowth(At(2048) / At(1024), nb.Value<double>("exponent"), nb.Value<double>("memoryExponent"));
        Assert.Contains(expected, nb.Stdout);
        Assert.DoesNotContain("tends to land below 2", nb.Markdown);

        // The last sine-cosine pair of d_model = 16 turns once every 2π·10000^(14/16) ≈ 2π·3162 positions.
        Assert.Contains($"the last pair's wavelength is 2π·{Math.Pow(10000, 14.0 / 16):F0} ", nb.Stdout);
        Assert.Equal("3162", Math.Pow(10000, 14.0 / 16).ToString("F0", System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain("the last pair almost $10000", nb.Markdown);

        // No duplicated column: the scaled variance is printed once, measured on the scaled samples.
        Assert.DoesNotContain("(÷ d_k =", nb.Stdout);
        // The RNN erratum no longer blames missing gates for what is a capacity limit (notebook 01).
        Assert.DoesNotContain("the missing gates are exactly why", nb.Markdown);
        Assert.Contains("was already gated", nb.Markdown);
    }
}

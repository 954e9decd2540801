namespace Notebooks.Tests;

/// <summary>
/// notebooks/04-math-model.ipynb: the formulas, the softmax errata and the worked example compute what the
/// prose says, checked against hand-worked values and plain loops; its charts draw offline and its exercises
/// are unanswered as committed.
/// </summary>
public class Notebook04Tests
{
    private static readonly Lazy<Task<TutorialNotebook>> Run = new(() => TutorialNotebook.RunAsync("04-math-model.ipynb",
        "Q.ToArray()", "K.ToArray()", "V.ToArray()", "S.ToArray()", "A.ToArray()", "O.ToArray()",
        "Q3.ToArray()", "K3.ToArray()", "pairwise.ToArray()", "outerSum.ToArray()", "innerSum",
        "sumExp", "divided", "naive", "stable", "naiveLse", "lse", "logOfWeight", "logSoftmax",
        "x4", "jacobian.ToArray()", "jacobianError", "meanOfValues.ToArray()",
        "articleScore", "articleWeight", "articleResult.Weights[0, 0]", "articleResult.Output.Row(0).ToArray()", "phantom",
        "q.ToArray()", "k.ToArray()", "v.ToArray()", "exampleScores.ToArray()", "example.Weights.ToArray()", "example.Output.ToArray()",
        "tokens"));

    private static Task<TutorialNotebook> Notebook => Run.Value;

    private static void Close(double[,] expected, double[,] actual, double tolerance)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                Assert.True(Math.Abs(expected[i, j] - actual[i, j]) <= tolerance, $"[{i}, {j}]: expected {expected[i, j]:R}, got {actual[i, j]:R}");
    }

    /// <summary>softmax(QKᵀ/√d_k)·V written out with loops: scores, weights and outputs.</summary>
    private static (double[,] Scores, double[,] Weights, double[,] Output) Attend(double[,] q, double[,] k, double[,] v)
    {
        int n = q.GetLength(0), m = k.GetLength(0), dk = q.GetLength(1), dv = v.GetLength(1);
        var s = new double[n, m];
        var w = new double[n, m];
        var o = new double[n, dv];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++)
            {
                for (int t = 0; t < dk; t++) s[j, i] += q[j, t] * k[i, t];
                s[j, i] /= Math.Sqrt(dk);
            }
            double z = 0;
            for (int i = 0; i < m; i++) z += Math.Exp(s[j, i]);
            for (int i = 0; i < m; i++) w[j, i] = Math.Exp(s[j, i]) / z;
            for (int i = 0; i < m; i++)
                for (int c = 0; c < dv; c++) o[j, c] += w[j, i] * v[i, c];
        }
        return (s, w, o);
    }

    [Fact]
    public async Task Running_example_scores_weights_and_outputs_match_the_formulas()
    {
        var nb = await Notebook;
        var q = nb.Value<double[,]>("Q.ToArray()");
        var k = nb.Value<double[,]>("K.ToArray()");
        var v = nb.Value<double[,]>("V.ToArray()");
        Assert.Equal(new double[,] { { 1, 0 }, { 1, 1 } }, q);
        Assert.Equal(new double[,] { { 1, 0 }, { 0, 1 }, { 1, 1 } }, k);
        var (s, w, o) = Attend(q, k, v);
        Close(s, nb.Value<double[,]>("S.ToArray()"), 1e-12);
        Close(w, nb.Value<double[,]>("A.ToArray()"), 1e-12);
        Close(o, nb.Value<double[,]>("O.ToArray()"), 1e-12);
        // by hand: row 0 scores [1, 0, 1]/√2, so weights e^(1/√2), 1, e^(1/√2) over their sum
        double e = Math.Exp(1 / Math.Sqrt(2));
        Approx.Equal(e / (2 * e + 1), nb.Value<double[,]>("A.ToArray()")[0, 0], abs: 1e-14); // a few roundings of a value below 1
        Assert.Contains("largest difference from A·V: 0.0E+000, from the library: 0.0E+000", nb.Stdout);

        // erratum 5 at §4.2.3: the article's formula gives every value the weight 1/m, the mean of the values
        var mean = nb.Value<double[]>("meanOfValues.ToArray()");
        for (int c = 0; c < 3; c++) Approx.Equal((v[0, c] + v[1, c] + v[2, c]) / 3, mean[c], abs: 1e-14, because: $"column {c}"); // a mean of three
        Assert.True(Math.Abs(mean[0] - o[0, 0]) > 1e-3, $"the mean of the values ({mean[0]:R}) is not attention's output ({o[0, 0]:R})");
    }

    [Fact]
    public async Task Erratum_4_pairwise_scores_differ_from_the_sum_of_outer_products_even_in_shape()
    {
        var nb = await Notebook;
        var q = nb.Value<double[,]>("Q3.ToArray()");
        var k = nb.Value<double[,]>("K3.ToArray()");
        var pairwise = nb.Value<double[,]>("pairwise.ToArray()");
        var outer = nb.Value<double[,]>("outerSum.ToArray()");
        Assert.Equal(3, pairwise.GetLength(0));
        Assert.Equal(3, pairwise.GetLength(1));
        Assert.Equal(2, outer.GetLength(0));
        Assert.Equal(2, outer.GetLength(1));
        for (int j = 0; j < 3; j++)
            for (int i = 0; i < 3; i++) Assert.Equal(q[j, 0] * k[i, 0] + q[j, 1] * k[i, 1], pairwise[j, i]);
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++) Assert.Equal(Enumerable.Range(0, 3).Sum(i => q[i, a] * k[i, b]), outer[a, b]);
        Assert.Equal(pairwise[0, 0] + pairwise[1, 1] + pairwise[2, 2], nb.Value<double>("innerSum"));
        // Q3 = [[1,2],[0,1],[3,0]], K3 = [[1,0],[2,1],[0,1]]: hand values
        Assert.Equal(new double[,] { { 1, 4, 2 }, { 0, 1, 1 }, { 3, 6, 0 } }, pairwise);
        Assert.Equal(new double[,] { { 1, 3 }, { 4, 1 } }, outer);
    }

    [Fact]
    public async Task Softmax_errata_naive_overflow_log_sum_exp_and_the_jacobian()
    {
        var nb = await Notebook;
        // erratum 6: Σ e^x is e + e² + e³, not 1; dividing by it gives weights that sum to 1
        double sum = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Approx.Equal(sum, nb.Value<double>("sumExp"), abs: 0, rel: 4 * Approx.Eps); // three exps and two additions
        var divided = nb.Value<double[]>("divided");
        Approx.Equal(1.0, divided.Sum(), abs: 4e-15); // three weights of a few roundings each, and two additions

        // the naive form overflows: e^1000 = ∞ and ∞/∞ = NaN; the stable form gives softmax([0, 1, 2])
        Assert.All(nb.Value<double[]>("naive"), x => Assert.True(double.IsNaN(x)));
        var stable = nb.Value<double[]>("stable");
        double z = 1 + Math.Exp(-1) + Math.Exp(-2);
        double[] expected = [Math.Exp(-2) / z, Math.Exp(-1) / z, 1 / z];
        for (int i = 0; i < 3; i++)
        {
            // the same weights from e^(x − max) and from e^x: a few ulps of values below 1
            Approx.Equal(expected[i], stable[i], abs: 2e-15, because: $"stable {i}");
            Approx.Equal(expected[i], divided[i], abs: 2e-15, because: $"divided {i}");
        }
        Approx.Equal([0.0900, 0.2447, 0.6652], stable, abs: 5e-5); // the printed four decimals: within half a unit of the 4th
        Assert.Contains("naive  softmax([1000, 1001, 1002]) = [NaN, NaN, NaN]", nb.Stdout);
        Assert.Contains("stable softmax([1000, 1001, 1002]) = [0.0900, 0.2447, 0.6652]", nb.Stdout);

        // log-sum-exp: 1002 + ln(1 + e^-1 + e^-2); the literal form is +∞
        Approx.Equal(1002 + Math.Log(z), nb.Value<double>("lse"), abs: 4e-13); // three ulps of 1002 (1.1e-13 each)
        Assert.True(double.IsPositiveInfinity(nb.Value<double>("naiveLse")));
        Assert.True(double.IsNegativeInfinity(nb.Value<double>("logOfWeight")));
        Approx.Equal(-1000.0, nb.Value<double>("logSoftmax"), abs: 4e-13); // three ulps of 1000

        // the Jacobian is diag(s) − ssᵀ and agrees with central differences
        var x4 = nb.Value<double[]>("x4");
        var s = x4.Select(v => Math.Exp(v)).ToArray();
        double zs = s.Sum();
        var jacobian = nb.Value<double[,]>("jacobian.ToArray()");
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < 4; k++) // products and differences of weights below 1: a few ulps of 0.25
                Approx.Equal(s[i] / zs * ((i == k ? 1 : 0) - s[k] / zs), jacobian[i, k], abs: 1e-15, because: $"J[{i}, {k}]");
        double error = nb.Value<double>("jacobianError");
        Assert.True(error < 1e-8, $"finite-difference error {error}");
        Assert.Contains("x = [0, 16, 32]: largest weight 1.000000", nb.Stdout);
    }

    [Fact]
    public async Task Erratum_7_the_articles_example_has_weight_one_and_the_redone_example_matches_hand_values()
    {
        var nb = await Notebook;
        Assert.Equal(32.0, nb.Value<double>("articleScore"));
        Assert.Equal(1.0, nb.Value<double>("articleWeight"));
        Assert.Equal(1.0, nb.Value<double>("articleResult.Weights[0, 0]"));
        Assert.Equal([7.0, 8.0, 9.0], nb.Value<double[]>("articleResult.Output.Row(0).ToArray()"));
        // the article's fraction: e^32/(e^32 + e^5 + e^6) = 1/(1 + e^-27 + e^-26)
        Approx.Equal(1 / (1 + Math.Exp(-27) + Math.Exp(-26)), nb.Value<double>("phantom"), abs: 0, rel: 2 * Approx.Eps); // 1 − 7e-12: within 2 ulps
        Assert.True(nb.Value<double>("phantom") < 1);

        var q = new double[,] { { 1, 0 }, { 0, 2 }, { 1, 1 } };
        var k = new double[,] { { 2, 0 }, { 0, 1 }, { 1, 1 } };
        var v = new double[,] { { 7, 8, 9 }, { 0, 1, 5 }, { 3, 6, 0 } };
        Assert.Equal(q, nb.Value<double[,]>("q.ToArray()"));
        Assert.Equal(k, nb.Value<double[,]>("k.ToArray()"));
        Assert.Equal(v, nb.Value<double[,]>("v.ToArray()"));
        var (scores, weights, output) = Attend(q, k, v);
        Close(scores, nb.Value<double[,]>("exampleScores.ToArray()"), 1e-12);
        Close(weights, nb.Value<double[,]>("example.Weights.ToArray()"), 1e-12);
        Close(output, nb.Value<double[,]>("example.Output.ToArray()"), 1e-12);

        // by hand, query "cats": scores [2, 0, 1]/√2; weights e^√2, 1, e^(1/√2) over their sum
        double a = Math.Exp(Math.Sqrt(2)), b = 1, c = Math.Exp(1 / Math.Sqrt(2)), zc = a + b + c;
        var w = nb.Value<double[,]>("example.Weights.ToArray()");
        // a few roundings of weights below 1, and of an output below 7
        Approx.Equal(a / zc, w[0, 0], abs: 1e-14);
        Approx.Equal(b / zc, w[0, 1], abs: 1e-14);
        Approx.Equal(c / zc, w[0, 2], abs: 1e-14);
        Approx.Equal((7 * a + 0 * b + 3 * c) / zc, nb.Value<double[,]>("example.Output.ToArray()")[0, 0], abs: 1e-13);
        Assert.Contains($"weights = [{a / zc:F4}, {b / zc:F4}, {c / zc:F4}]", nb.Stdout);

        // erratum 8: the scores' rows do not sum to 1, the weights' rows do
        for (int j = 0; j < 3; j++)
        {
            Assert.True(Math.Abs(scores[j, 0] + scores[j, 1] + scores[j, 2] - 1) > 0.5);
            Approx.Equal(1.0, w[j, 0] + w[j, 1] + w[j, 2], abs: 4e-15, because: $"row {j}"); // three weights and two additions
        }
        Assert.Contains("row sums of the weights: [1.0000, 1.0000, 1.0000]", nb.Stdout);
    }

    [Fact]
    public async Task Errata_callouts_charts_and_unanswered_exercises()
    {
        var nb = await Notebook;
        var md = nb.Markdown;
        Assert.StartsWith("# 04 · 数学模型和公式 & 详细讲解 & 举例说明 · ", md);
        foreach (var callout in new[] { "> **Erratum 3 · 勘误 3** (§4.1.1). The article says:", "> **Erratum 4 · 勘误 4** (§4.2.1). The article says:",
                     "> **Erratum 5 · 勘误 5** (§4.1.3). The article says:", "> **Erratum 5 · 勘误 5** (§4.2.3). The article says:",
                     "> **Erratum 6 · 勘误 6** (§4.2.2). The article says:", "> **Erratum 7 · 勘误 7** (§4.3.1). The article says:",
                     "> **Erratum 8 · 勘误 8** (§4.3.1). The article says:" })
            Assert.Contains(callout, md);
        Assert.Contains("Next: `05-project-practice.ipynb`", md);

        Assert.Equal(2, nb.ChartHtml.Count);
        Assert.Equal(nb.ChartHtml.Count, nb.ChartsDrawnInBrowser());
        foreach (var token in nb.Value<string[]>("tokens")) Assert.Contains($"\"{token}\"", nb.ChartHtml[1]);

        nb.AssertExercisesNotAnswered(3);
    }
}

using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>
/// notebooks/05-project-practice.ipynb: the article's §5.2 program ported to C#. The port's output is recomputed here
/// with plain loops from the weights the notebook drew, the errata cells are checked against hand-computed numbers,
/// the charts draw offline and the exercises are left for the learner.
/// </summary>
public class Notebook05Tests
{
    [Fact]
    public async Task Runs_and_its_port_errata_charts_and_exercises_hold()
    {
        var nb = await TutorialNotebook.RunAsync("05-project-practice.ipynb",
            "ids", "labels", "run.Output.ToArray()", "run.Weights.ToArray()",
            "pipeline.EmbeddingTable.ToArray()", "pipeline.Encoder.Weights.ToArray()", "pipeline.Encoder.Bias.ToArray()",
            "pipeline.Wq.ToArray()", "pipeline.Wk.ToArray()", "pipeline.Wv.ToArray()",
            "embeddingGap", "encodedGap", "matmulError", "articleLastLine.ToArray()", "rebuildGap", "insideColumnRange", "negativeInE",
            "multi.Output.ToArray()", "multi.HeadWeights.Select(h => h.ToArray()).ToArray()",
            "portGap", "mhaGap", "mhaWeightsGap", "maskGap", "maskedExactZeros", "validLength", "Am.ToArray()",
            "fullyMaskedRowSum", "guarded.Output.ToArray()", "naiveFullyMaskedIsNaN");

        // The port, recomputed with plain loops from the notebook's own weights: E + PE → dense + ReLU → Q, K, V → attention.
        var ids = nb.Value<int[]>("ids");
        Assert.Equal([1, 2, 3, 4, 5], ids);
        var table = nb.Value<double[,]>("pipeline.EmbeddingTable.ToArray()");
        var wEnc = nb.Value<double[,]>("pipeline.Encoder.Weights.ToArray()");
        var bEnc = nb.Value<double[]>("pipeline.Encoder.Bias.ToArray()");
        var wq = nb.Value<double[,]>("pipeline.Wq.ToArray()");
        var wk = nb.Value<double[,]>("pipeline.Wk.ToArray()");
        var wv = nb.Value<double[,]>("pipeline.Wv.ToArray()");
        const int n = 5, d = 16;
        var h = new double[n, d];
        for (int t = 0; t < n; t++)
            for (int o = 0; o < d; o++)
            {
                double s = bEnc[o];
                for (int c = 0; c < d; c++)
                {
                    double angle = t / Math.Pow(10000, 2.0 * (c / 2) / d);
                    s += (table[ids[t], c] + (c % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle))) * wEnc[c, o];
                }
                h[t, o] = Math.Max(0, s);
            }
        double[] Row(double[,] w, int t) => Enumerable.Range(0, d).Select(o => Enumerable.Range(0, d).Sum(c => h[t, c] * w[c, o])).ToArray();
        var q0 = Row(wq, 0);
        var keys = Enumerable.Range(0, n).Select(t => Row(wk, t)).ToArray();
        var values = Enumerable.Range(0, n).Select(t => Row(wv, t)).ToArray();
        var scores = keys.Select(k => q0.Zip(k, (a, b) => a * b).Sum() / Math.Sqrt(d)).ToArray();
        var exp = scores.Select(s => Math.Exp(s - scores.Max())).ToArray();
        var alpha = exp.Select(e => e / exp.Sum()).ToArray();
        var firstRow = Enumerable.Range(0, d).Select(c => Enumerable.Range(0, n).Sum(j => alpha[j] * values[j][c])).ToArray();

        var output = nb.Value<double[,]>("run.Output.ToArray()");
        var weights = nb.Value<double[,]>("run.Weights.ToArray()");
        Assert.Equal((5, 16), (output.GetLength(0), output.GetLength(1)));
        Assert.Equal((5, 5), (weights.GetLength(0), weights.GetLength(1)));
        // encoder (16 wide), projections (16 wide) and scores, by loops and by matrix products: the scores agree to
        // ≈ 1e-13, the weights as much relatively, the outputs scaled by the values
        for (int c = 0; c < d; c++) Approx.Equal(firstRow[c], output[0, c], abs: 1e-11, because: $"output column {c}");
        for (int j = 0; j < n; j++) Approx.Equal(alpha[j], weights[0, j], abs: 1e-11, because: $"weight {j}");
        for (int i = 0; i < n; i++) Approx.Equal(1.0, Enumerable.Range(0, n).Sum(j => weights[i, j]), abs: 4e-15, because: $"row {i}"); // five weights
        Assert.Contains("row sums: 1.000000, 1.000000, 1.000000, 1.000000, 1.000000", nb.Stdout);
        Approx.Equal(0.0, nb.Value<double>("rebuildGap"), abs: 1e-13); // five products per entry, summed in two orders
        Assert.True(nb.Value<bool>("insideColumnRange"));

        // Erratum 9: the lookup ignores position (identical rows), the encoding does not; the score line's shape error.
        Assert.Equal(0.0, nb.Value<double>("embeddingGap"));
        Assert.True(nb.Value<double>("encodedGap") > 0.5);
        Assert.Contains("Q is 5×16 but K is 5×1", nb.Value<string>("matmulError"));
        Assert.Contains("**Erratum 9 · 勘误 9** (§5.2)", nb.Markdown);
        Assert.Contains("tf.matmul(encoder, key_seq, transpose_b=True)", nb.Markdown);
        int negatives = ids.Sum(id => Enumerable.Range(0, d).Count(c => table[id, c] < 0));
        Assert.Equal(negatives, nb.Value<int>("negativeInE"));
        Assert.Contains($"entries of E that the article's ReLU would zero: {negatives} of 80", nb.Stdout);

        // Erratum 10: the repaired last line is weights · [11 … 15]: five numbers, each between 11 and 15, never 45.
        Assert.Contains("**Erratum 10 · 勘误 10** (§5.4)", nb.Markdown);
        var last = nb.Value<double[]>("articleLastLine.ToArray()");
        Assert.Equal(5, last.Length);
        for (int i = 0; i < n; i++)
        {
            Approx.Equal(Enumerable.Range(0, n).Sum(j => weights[i, j] * (11 + j)), last[i], abs: 1e-13, because: $"row {i}"); // five products below 15
            Assert.InRange(last[i], 11, 15);
        }
        Assert.Contains("article claims:         [45.0]", nb.Stdout);
        Assert.Contains($"repaired last line:     [{string.Join(", ", last.Select(v => v.ToString("F4")))}]", nb.Stdout);
        double Gap(string which) => double.Parse(System.Text.RegularExpressions.Regex.Match(nb.Stdout,
            which + @": max \|output of token 1 at position 0 − at position 4\| = (\S+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Gap("with P   ") > 1e-3, "with the encoding, the same token at another position gives another output");
        Assert.True(Gap("without P") < 1e-12, "without it, reversing the tokens only reverses the rows");

        // Multi-head: same output shape, four heads of 5×5 weights whose rows sum to 1.
        var multi = nb.Value<double[,]>("multi.Output.ToArray()");
        Assert.Equal((5, 16), (multi.GetLength(0), multi.GetLength(1)));
        var heads = nb.Value<double[][,]>("multi.HeadWeights.Select(h => h.ToArray()).ToArray()");
        Assert.Equal(4, heads.Length);
        foreach (var head in heads)
            for (int i = 0; i < n; i++) Approx.Equal(1.0, Enumerable.Range(0, n).Sum(j => head[i, j]), abs: 4e-15, because: $"row {i}"); // five weights

        // Charts: the heatmap, the per-head panels and the two masks, labelled by id@position, drawn offline.
        Assert.Equal(3, nb.ChartHtml.Count);
        foreach (var label in nb.Value<string[]>("labels"))
            Assert.All(nb.ChartHtml, html => Assert.Contains($"\"{label}\"", html));
        Assert.Equal(nb.ChartHtml.Count, nb.ChartsDrawnInBrowser());

        // Exercises: three, all "not yet" as committed.
        nb.AssertExercisesNotAnswered(3);
        Assert.Contains("## Exercises · 练习", nb.Markdown);
        Assert.Contains("Next: `06-applications.ipynb`", nb.Markdown);

        // The reader's own cells agree with the library. Each side sums at most 16 products of numbers below about 3
        // in another order, so the gaps are a few ulps of 1 (≈ 1e-15); 1e-12 leaves a wide margin and still fails on
        // any wrong step (a missing √d_k, a wrong head slice or a missing W_O moves entries by more than 1e-3).
        foreach (var gap in new[] { "portGap", "mhaGap", "mhaWeightsGap", "maskGap" })
            Assert.InRange(nb.Value<double>(gap), 0, 1e-12);
        foreach (var (line, variable) in new[] { ("pipeline.Run", "portGap"), ("MultiHeadAttention.Forward", "mhaGap"),
                                                 ("Softmax.Masked", "maskGap") })
        {
            var printed = Regex.Match(nb.Stdout, $@"max \|ours − {Regex.Escape(line)}\| = (\S+)");
            Assert.True(printed.Success, $"the comparison line for {line} is not printed");
            double value = double.Parse(printed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(value, 0, 1e-12);
            // printed with one decimal of mantissa: agrees with the variable to half a unit of that digit
            Assert.InRange(Math.Abs(value - nb.Value<double>(variable)), 0, 0.051 * value + 1e-300);
        }
        Assert.Contains("split: [5, 16] → 4 × [5, 4]", nb.Stdout);
        Assert.Contains("concatenate: 4 × [5, 4] → [5, 16]; ·W_O → [5, 16]", nb.Stdout);

        // Masking: causal AND key padding (valid length 3 of 5), counted here from the definitions.
        int valid = nb.Value<int>("validLength");
        Assert.Equal(3, valid);
        int masked = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (!(j <= i && j < valid)) masked++;
        Assert.Equal(13, masked);
        Assert.Equal(masked, nb.Value<int>("maskedExactZeros"));
        var am = nb.Value<double[,]>("Am.ToArray()");
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (!(j <= i && j < valid)) Assert.Equal(0.0, am[i, j]);
                else Assert.True(am[i, j] > 0, $"allowed weight [{i}, {j}] is {am[i, j]}");
        Assert.Contains($"masked entries: {masked}, masked weights exactly 0.0: {masked}", nb.Stdout);

        // A fully masked row: zero weights and a zero output from the library, NaN from the naive formula.
        Assert.Equal(0.0, nb.Value<double>("fullyMaskedRowSum"));
        var guardedOutput = nb.Value<double[,]>("guarded.Output.ToArray()");
        for (int c = 0; c < d; c++) Assert.Equal(0.0, guardedOutput[0, c]);
        Assert.True(nb.Value<bool>("naiveFullyMaskedIsNaN"));
        Assert.Contains("naive e^s / Σ e^s: [NaN, NaN, NaN, NaN, NaN], all NaN: True", nb.Stdout);
        Assert.Contains("weights, −1e9 mask:     [0.000, 1.000]", nb.Stdout);
        Assert.Contains("weights, −∞ mask:       [1.000, 0.000]", nb.Stdout);
        Assert.Contains("row filled with −1e9: [0.200, 0.200, 0.200, 0.200, 0.200]", nb.Stdout);
    }

    /// <summary>The reader computes the port's gap to the library in a cell of their own (the line lengths of every
    /// notebook are checked in <see cref="NotebookSourceTests.Code_lines_fit_in_100_characters"/>).</summary>
    [Fact]
    public void The_port_gap_is_computed_in_a_cell()
    {
        var source = TestNotebooks.Read(Path.Combine(TutorialNotebook.RepositoryRoot, "notebooks", "05-project-practice.ipynb"));
        Assert.Contains(source["cells"]!.AsArray(), c => TestNotebooks.CellText(c!["source"]!).Contains("double portGap"));
    }
}

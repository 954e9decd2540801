using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>
/// notebooks/10-faq.ipynb: all twelve questions answered; the three-line attention matches a hand computation;
/// the shuffle test, window costs, learned-versus-sinusoidal extrapolation, the sinusoidal shift rotation and RoPE's
/// relative scores are checked against independent formulas; erratum 2 and three further errata are called out.
/// </summary>
public class Notebook10Tests
{
    [Fact]
    public async Task Runs_answers_every_question_and_checks_its_claims()
    {
        var nb = await TutorialNotebook.RunAsync("10-faq.ipynb",
            "a", "o.ToArray()", "library.ToArray()", "gapWithout", "gapWith", "local.Weights.ToArray()", "window",
            "lengths", "fullScores", "windowScores", "frozenWeightChange", "offsetDots", "projectedSpread", "plainSpread", "learnedError", "farRow.ToArray()",
            "rotationError", "sinesAt0", "sinesAt7", "qRow.ToArray()", "kRow.ToArray()", "ropeScores", "decoderOut.HeadWeights[0].ToArray()");

        // 9.6.2: q = [1, 0] against keys [1,0], [0,1], [-1,0]: scores 1/√2, 0, −1/√2
        double[] s = [1 / Math.Sqrt(2), 0, -1 / Math.Sqrt(2)];
        double z = s.Sum(Math.Exp);
        double[] weights = s.Select(v => Math.Exp(v) / z).ToArray();
        Assert.Equal(weights, nb.Value<double[]>("a"), (x, y) => Math.Abs(x - y) < 1e-12);
        double[] output = [weights[0] * 10 + weights[2] * 5, weights[1] * 10 + weights[2] * 5];
        Assert.Equal(output, nb.Value<double[]>("o.ToArray()"), (x, y) => Math.Abs(x - y) < 1e-12);
        Assert.Equal(output, nb.Value<double[]>("library.ToArray()"), (x, y) => Math.Abs(x - y) < 1e-12);

        // 9.6.4: the shuffle test
        Assert.True(nb.Value<double>("gapWithout") < 1e-12);
        Assert.True(nb.Value<double>("gapWith") > 0.01);

        // 9.6.7: zero weight outside the band; the window's counts against n(2w+1) − w(w+1)
        var w = nb.Value<double[,]>("local.Weights.ToArray()");
        int window = nb.Value<int>("window");
        for (int i = 0; i < w.GetLength(0); i++)
        {
            double rowSum = 0;
            for (int j = 0; j < w.GetLength(1); j++)
            {
                rowSum += w[i, j];
                if (Math.Abs(i - j) > window) Assert.Equal(0.0, w[i, j]);
            }
            Approx.Equal(1.0, rowSum, abs: 1e-14, because: $"row {i}"); // a window's weights: ≈ n·4·ε
        }
        var lengths = nb.Value<double[]>("lengths");
        Assert.Equal(lengths.Select(n => n * n), nb.Value<double[]>("fullScores"));
        Assert.Equal(lengths.Select(n => n * 65 - 32 * 33), nb.Value<double[]>("windowScores"));
        Assert.True(nb.Value<double>("frozenWeightChange") > 0.01, "a frozen layer's weights change with the input");

        // 9.6.9: PE[p]·PE[p+5] = Σ_i cos(5 ω_i) for every p
        double expectedDot = Enumerable.Range(0, 8).Sum(i => Math.Cos(5 * Math.Pow(10000, -2.0 * i / 16)));
        // 16 products of sines and cosines of angles up to ~70, against a sum of 8 cosines: ≈ an ulp of 64 per term
        Assert.All(nb.Value<double[]>("offsetDots"), d => Approx.Equal(expectedDot, d, abs: 1e-13));
        // ... but attention compares projected encodings, and through W_Q·W_Kᵀ the same offset scores differently.
        Assert.InRange(nb.Value<double>("plainSpread"), 0, 1e-12);
        Assert.True(nb.Value<double>("projectedSpread") > 1e-3, "the projected score of offset 5 depends on where the pair is");
        Assert.DoesNotContain("which dot-product attention can use", nb.Markdown);

        // 9.6.10: the learned table refuses, the sinusoidal row exists (length √(d/2)) and follows the formula
        Assert.Contains("cannot extrapolate past 64 positions", nb.Value<string>("learnedError"));
        var far = nb.Value<double[]>("farRow.ToArray()");
        Approx.Equal(Math.Sqrt(8), Math.Sqrt(far.Sum(v => v * v)), abs: 0, rel: 1e-14); // 8 pairs sin² + cos² = 1: ≈ 16·ε
        // the angle 100 is formed another way (an ulp of 100 is 1.4e-14), and vector sine adds a few ulps
        Approx.Equal(Math.Sin(1000 / Math.Pow(10000, 4.0 / 16)), far[4], abs: 1e-13);

        // 9.6.11 (erratum 2): the pair rotates; sines alone are all zero at position 0
        Assert.True(nb.Value<double>("rotationError") < 1e-12);
        Assert.Equal(0.0, nb.Value<double>("sinesAt0"));
        Approx.Equal(Enumerable.Range(0, 8).Max(i => Math.Abs(Math.Sin(7 * Math.Pow(10000, -2.0 * i / 16)))), nb.Value<double>("sinesAt7"), abs: 1e-14); // sines of angles up to 7: a few ulps

        // RoPE: ⟨R(mθ)q, R(nθ)k⟩ = Σ_i q₀(k₀cos β − k₁sin β) + q₁(k₀sin β + k₁cos β), β = (n − m)θ_i, here n − m = −2
        var q = nb.Value<double[,]>("qRow.ToArray()");
        var k = nb.Value<double[,]>("kRow.ToArray()");
        double rope = 0;
        for (int i = 0; i < 4; i++)
        {
            double beta = -2 * Math.Pow(10000, -2.0 * i / 8);
            double q0 = q[0, 2 * i], q1 = q[0, 2 * i + 1], k0 = k[0, 2 * i], k1 = k[0, 2 * i + 1];
            rope += q0 * (k0 * Math.Cos(beta) - k1 * Math.Sin(beta)) + q1 * (k0 * Math.Sin(beta) + k1 * Math.Cos(beta));
        }
        // 8 rotated products of entries below a few units, by two routes: ≈ 1e-14
        Assert.All(nb.Value<double[]>("ropeScores"), v => Approx.Equal(rope, v, abs: 1e-13));

        // 9.6.12: the decoder's causal mask
        var dw = nb.Value<double[,]>("decoderOut.HeadWeights[0].ToArray()");
        for (int i = 0; i < 5; i++)
            for (int j = i + 1; j < 5; j++) Assert.Equal(0.0, dw[i, j]);

        // every question, in Chinese and English; the errata
        var headings = Regex.Matches(nb.Markdown, @"^## 9\.6\.(\d+) \p{IsCJKUnifiedIdeographs}.*？ · [A-Z].*\?$", RegexOptions.Multiline);
        Assert.Equal(Enumerable.Range(1, 12), headings.Select(m => int.Parse(m.Groups[1].Value)));
        Assert.Contains("> **Erratum 2 · 勘误 2** (§3.2.4, repeated here in §9.6.11).", nb.Markdown);
        foreach (var section in new[] { "9.6.6", "9.6.7", "9.6.12" })
            Assert.Contains($"> **Further erratum · 勘误** (§{section}).", nb.Markdown);

        nb.AssertExercisesNotAnswered(3);
        Assert.Equal(2, nb.ChartHtml.Count);
        foreach (var token in new[] { "\"t0\"", "\"t7\"" }) Assert.Contains(token, nb.ChartHtml[0]);
        Assert.Contains("sliding window, 32 each side", nb.ChartHtml[1]);
        Assert.Equal(nb.ChartHtml.Count, nb.ChartsDrawnInBrowser());
    }
}

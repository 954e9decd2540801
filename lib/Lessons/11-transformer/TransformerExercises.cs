using Attention;
using Attention.Training;

namespace Lessons;

/// <summary>Checkers for the exercises of notebook 11 (the Transformer).</summary>
public static class TransformerExercises
{
    /// <summary>
    /// Exercise 1: LayerNorm of one row with gain 1 and bias 0: subtract the row's mean, divide by √(variance + ε) with the
    /// biased variance (divide by d) and ε = 1e-5. Checked against the library's <see cref="LayerNorm"/> on three rows.
    /// </summary>
    /// <param name="layerNorm">The learner's function: a row → its normalised copy.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckLayerNormRow(Func<double[], double[]> layerNorm)
    {
        ArgumentNullException.ThrowIfNull(layerNorm);
        const string what = "LayerNorm of a row";
        const string hint = "mean μ = Σx/d; variance σ² = Σ(x − μ)²/d (divide by d, not d − 1); y = (x − μ)/√(σ² + 1e-5).";
        return Grade.Guard(what, () =>
        {
            var rows = Init.Normal(3, 6, seed: 5, std: 3.0);
            var expected = new LayerNorm("check", 6).Forward(Attention.Training.RowMatrix.From(rows));
            for (int r = 0; r < 3; r++)
            {
                var x = rows.Row(r).ToArray();
                var actual = layerNorm((double[])x.Clone());
                if (actual is null || actual.Length != 6) return Grade.Fail(what, "return one value per input value (6)", hint);
                double n = x.Length, mean = x.Average(), unbiased = x.Sum(v => (v - mean) * (v - mean)) / (n - 1);
                bool usedUnbiased = actual.Select((v, i) => Math.Abs(v - (x[i] - mean) / Math.Sqrt(unbiased + 1e-5))).Max() < 1e-9;
                if (usedUnbiased) return Grade.Fail(what, "you divided the variance by d − 1", hint);
                var verdict = Grade.Values($"{what} (row {r})", expected.Row(r).ToArray(), actual, hint, 1e-9);
                if (!verdict.Correct) return verdict;
            }
            return Grade.Pass($"{what}: equal to the library's LayerNorm on three rows");
        }, hint);
    }

    /// <summary>
    /// Exercise 2: the number of trainable numbers in one pre-norm encoder layer of width d with a feed-forward block of
    /// hidden width f: four d×d projections (no biases), two linear layers with biases, two LayerNorms with a gain and a
    /// bias each. Checked against <see cref="EncoderLayer.Parameters"/> for several shapes.
    /// </summary>
    /// <param name="count">The learner's function: (d, f) → parameter count.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckEncoderParameterCount(Func<int, int, long> count)
    {
        ArgumentNullException.ThrowIfNull(count);
        const string what = "parameters of an encoder layer";
        const string hint = "attention: Wq, Wk, Wv, Wo are d×d each; feed-forward: d·f + f, then f·d + d; each LayerNorm has d gains and d biases.";
        return Grade.Guard(what, () =>
        {
            foreach (var (d, f) in new[] { (32, 64), (8, 16), (512, 2048) })
            {
                long expected = new EncoderLayer("check", d, 2, f, NormPlacement.PreNorm, true, seed: 1).Parameters.Sum(p => (long)p.Count);
                long actual = count(d, f);
                if (actual == expected - 4L * d) return Grade.Fail(what, $"at d = {d}, f = {f} you left out the two LayerNorms", hint);
                if (actual != expected) return Grade.Fail(what, $"at d = {d}, f = {f}: {actual:N0}, expected {expected:N0}", hint);
            }
            return Grade.Pass($"{what}: 4d² + 2df + f + 5d, e.g. {count(512, 2048):N0} for the paper's base model (d = 512, f = 2048)");
        }, hint);
    }
}

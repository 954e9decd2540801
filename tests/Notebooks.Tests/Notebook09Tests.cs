namespace Notebooks.Tests;

/// <summary>
/// notebooks/09-summary-and-challenges.ipynb: the cost measurements are fitted correctly (times are not asserted), the
/// measured memory of full, streaming and banded attention follows each kernel's law, the banded kernel equals masked attention,
/// the weight-ambiguity demo keeps the output, and the encodings behave as the prose says — all checked by plain loops.
/// </summary>
public class Notebook09Tests
{
    private static double[] Softmax(double[] x)
    {
        double max = x.Max();
        var e = x.Select(v => Math.Exp(v - max)).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    /// <summary>Least-squares quadratic by the normal equations, solved by Cramer's rule.</summary>
    [Fact]
    public async Task Runs_and_its_measurements_and_demos_hold()
    {
        var nb = await TutorialNotebook.RunAsync("09-summary-and-challenges.ipynb",
            "ns", "fullMs", "streamingMs", "maskedMs", "localMs", "fullFit.Coefficients", "streamingFit.Coefficients", "localFit.Coefficients",
            "memoryFit.Coefficients", "neededFull", "allocatedFull", "neededLocal",
            "fullBytes", "streamingBytes", "localBytes", "fullMemoryExponent", "streamingMemoryExponent", "localMemoryExponent",
            "bandedVsMasked", "banded.DenseWeights().ToArray()", "small.ToArray()",
            "original.Weights.ToArray()", "shuffled.Weights.ToArray()", "original.Output.ToArray()", "shuffled.Output.ToArray()",
            "originalWeights", "alternativeWeights", "values.ToArray()", "mostAttendedBefore", "mostAttendedAfter",
            "sinusoidalSimilarity", "rotaryScore", "token.ToArray()", "learnedSimilarity", "alibiBias",
            "learnedTableRefusal", "imagePatches", "kvCacheBytes");

        // 9.1 the fits are the least-squares fits of the measured times (the times themselves are the machine's).
        var ns = nb.Value<double[]>("ns");
        Assert.Equal([512.0, 1024, 2048, 4096], ns);
        foreach (var name in new[] { "fullMs", "streamingMs", "maskedMs", "localMs" })
            Assert.All(nb.Value<double[]>(name), t => Assert.True(t > 0 && double.IsFinite(t), $"{name}: {t}"));
        foreach (var (times, coefficients) in new[] { ("fullMs", "fullFit.Coefficients"), ("streamingMs", "streamingFit.Coefficients") })
        {
            var fit = nb.Value<double[]>(coefficients);
            var byLoop = TestMath.QuadraticFit(ns, nb.Value<double[]>(times));
            for (int c = 0; c < 3; c++) Assert.Equal(byLoop[c], fit[c], Math.Abs(byLoop[c]) * 1e-6 + 1e-9);
        }
        var local = nb.Value<double[]>("localMs");
        double mx = ns.Average(), my = local.Average();
        double slope = ns.Select((x, i) => (x - mx) * (local[i] - my)).Sum() / ns.Sum(x => (x - mx) * (x - mx));
        var localFit = nb.Value<double[]>("localFit.Coefficients");
        Assert.Equal(slope, localFit[1], Math.Abs(slope) * 1e-9);
        Assert.Equal(my - slope * mx, localFit[0], Math.Abs(my) * 1e-9 + 1e-12);

        // Memory: 8 bytes · (n² + 2·n·d_k + 2·n·d_v) with d = 32; exact quadratic, 8 bytes per weight.
        var memory = nb.Value<double[]>("memoryFit.Coefficients");
        // QR on x scaled to [1/8, 1] (condition ≈ 1e2): the scaled coefficients, up to 1.4e8, come out within
        // ≈ κ·ε·|y| ≈ 3e-6, that is ≈ 2e-13 on the n² term and ≈ 1e-9 on the n term once the scale is undone
        Approx.Equal(8.0, memory[2], abs: 1e-11);
        Approx.Equal(8.0 * 4 * 32, memory[1], abs: 1e-7);
        long neededFull = nb.Value<long>("neededFull");
        Assert.Equal(8L * (2048 * 2048 + 4 * 2048 * 32), neededFull);
        double allocatedRatio = (double)nb.Value<long>("allocatedFull") / neededFull;
        Assert.InRange(allocatedRatio, 1.8, 2.2); // "about twice the minimum": the weights are held twice
        Assert.Equal(8L * (2048 * 65 + 4 * 2048 * 32), nb.Value<long>("neededLocal"));

        // Measured allocations of one call: full attention writes the n×n weights, streaming attention O(n·d)
        // (packed keys, output, small blocks), the banded kernel its n×65 band; the printed exponents are the log-log slopes.
        var fullBytes = nb.Value<long[]>("fullBytes");
        var streamingBytes = nb.Value<long[]>("streamingBytes");
        var localBytes = nb.Value<long[]>("localBytes");
        long slack = (1 << 20) + Environment.ProcessorCount * (128L << 10); // per-thread blocks of a few tens of KB
        for (int i = 0; i < ns.Length; i++)
        {
            long n = (long)ns[i], nd = 8 * n * 32;
            Assert.InRange(fullBytes[i], 8 * n * n + nd, 8 * n * n + 4 * nd + slack);
            Assert.InRange(streamingBytes[i], nd, 4 * nd + slack);
            Assert.InRange(localBytes[i], 8 * n * 65 + nd, 8 * n * 65 + 4 * nd + slack);
        }
        Assert.True(streamingBytes[^1] * 20 < fullBytes[^1], "at n = 4096 streaming needs a small fraction of full attention's memory");
        foreach (var (bytes, exponent) in new[] { (fullBytes, "fullMemoryExponent"), (streamingBytes, "streamingMemoryExponent"), (localBytes, "localMemoryExponent") })
            // a least-squares slope through four points of logs below 20, by two routes: ≈ 1e-14
            Approx.Equal(TestMath.LogLogSlope(ns, bytes.Select(b => (double)b).ToArray()), nb.Value<double>(exponent), abs: 1e-12, because: exponent);
        Assert.InRange(nb.Value<double>("fullMemoryExponent"), 1.9, 2.05);
        Assert.InRange(nb.Value<double>("localMemoryExponent"), 0.9, 1.1);
        Assert.InRange(nb.Value<double>("streamingMemoryExponent"), 0.5, 1.1);

        // The banded kernel equals masked full attention; its weights are the windowed softmax, by loops.
        Assert.True(nb.Value<double>("bandedVsMasked") < 1e-12);
        var x = nb.Value<double[,]>("small.ToArray()");
        var dense = nb.Value<double[,]>("banded.DenseWeights().ToArray()");
        for (int i = 0; i < 12; i++)
        {
            var window = Enumerable.Range(0, 12).Where(j => Math.Abs(i - j) <= 2).ToArray();
            var w = Softmax(window.Select(j => Enumerable.Range(0, 8).Sum(t => x[i, t] * x[j, t]) / Math.Sqrt(8)).ToArray());
            for (int j = 0; j < 12; j++)
                // 8-wide dot products by two routes, then a softmax of five: a few ulps of values below 1
                Approx.Equal(window.Contains(j) ? w[Array.IndexOf(window, j)] : 0.0, dense[i, j], abs: 1e-14, because: $"weight ({i}, {j})");
        }

        // 9.2 same weights, different outputs; different weights, same output.
        Assert.Equal(nb.Value<double[,]>("original.Weights.ToArray()"), nb.Value<double[,]>("shuffled.Weights.ToArray()"));
        Assert.NotEqual(nb.Value<double[,]>("original.Output.ToArray()"), nb.Value<double[,]>("shuffled.Output.ToArray()"));
        var v = nb.Value<double[,]>("values.ToArray()");
        var before = nb.Value<double[]>("originalWeights");
        var after = nb.Value<double[]>("alternativeWeights");
        Approx.Equal(1.0, after.Sum(), abs: 1e-14); // six weights moved along a null direction: a few ulps each
        Assert.All(after, a => Assert.True(a > 0));
        for (int c = 0; c < 2; c++)
            Approx.Equal(Enumerable.Range(0, 6).Sum(j => before[j] * v[j, c]), Enumerable.Range(0, 6).Sum(j => after[j] * v[j, c]), abs: 1e-13, because: $"column {c}");
        Assert.True(Enumerable.Range(0, 6).Max(j => Math.Abs(after[j] - before[j])) > 0.1, "the patterns really differ");
        Assert.NotEqual(nb.Value<string>("mostAttendedBefore"), nb.Value<string>("mostAttendedAfter"));

        // 9.4 sinusoidal and rotary by hand; both fall off at small distances; learned has no structure; ALiBi is linear.
        var sinusoidal = nb.Value<double[]>("sinusoidalSimilarity");
        var rotary = nb.Value<double[]>("rotaryScore");
        var q = nb.Value<double[,]>("token.ToArray()");
        double qq = Enumerable.Range(0, 64).Sum(c => q[0, c] * q[0, c]);
        for (int k = 0; k <= 64; k++)
        {
            double s = 0, r = 0;
            for (int i = 0; i < 32; i++)
            {
                double angle = k * Math.Pow(10000, -2.0 * i / 64);
                s += Math.Cos(angle);
                r += (q[0, 2 * i] * q[0, 2 * i] + q[0, 2 * i + 1] * q[0, 2 * i + 1]) * Math.Cos(angle);
            }
            // 32 cosines of angles up to 64, formed and summed another way: an ulp of 64 (1.4e-14) per angle at worst
            Approx.Equal(s / 32, sinusoidal[k], abs: 5e-14, because: $"sinusoidal at k = {k}");
            Approx.Equal(r / qq, rotary[k], abs: 5e-14, because: $"rotary at k = {k}");
        }
        for (int k = 0; k < 5; k++)
        {
            Assert.True(sinusoidal[k + 1] < sinusoidal[k], $"sinusoidal similarity falls from k = {k} to {k + 1}");
            Assert.True(rotary[k + 1] < rotary[k], $"rotary score falls from k = {k} to {k + 1}");
        }
        Assert.True(nb.Value<double[]>("learnedSimilarity").Skip(1).Max(Math.Abs) < 0.5, "an untrained table relates no two positions");
        var alibi = nb.Value<double[]>("alibiBias");
        for (int k = 0; k <= 64; k++) Assert.Equal(-k / 16.0, alibi[k]); // slope 1/16 is a power of two: every −k/16 is exact
        Assert.Contains("cannot extrapolate past 512 positions", nb.Value<string>("learnedTableRefusal"));

        // 9.3, 9.5 arithmetic.
        Assert.Equal(64 * 64, nb.Value<int>("imagePatches"));
        Assert.Equal(4L << 30, nb.Value<long>("kvCacheBytes"));

        // Six charts, all drawn offline; the three exercises show "not yet" as committed.
        Assert.Equal(6, nb.ChartHtml.Count);
        Assert.Equal(nb.ChartHtml.Count, nb.ChartsDrawnInBrowser());
        nb.AssertExercisesNotAnswered(3);
        Assert.Contains("> **Further erratum · 勘误** (§3.3.1, §9.6.5). The article says:", nb.Markdown);
    }
}

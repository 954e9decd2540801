using MathNet.Numerics.LinearAlgebra;

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

    /// <summary>
    /// The mechanisms the notebook writes out: online softmax (each block's running maximum and sum, the output, the
    /// gaps to the full softmax and to StreamingAttention, the memory at n = 65,536), the layer table of Vaswani et al.
    /// recomputed from n, d and k with its generated sentence, and rotary scores that depend only on m − n.
    /// </summary>
    private static void AssertMechanismsWrittenOut(TutorialNotebook nb)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var q = nb.Value<double[,]>("q.ToArray()");
        var k = nb.Value<double[,]>("kAll.ToArray()");
        var v = nb.Value<double[,]>("vAll.ToArray()");
        int keys = k.GetLength(0), d = k.GetLength(1), dv = v.GetLength(1);
        Assert.Equal((1, 12, 4, 3), (q.GetLength(0), keys, d, dv));
        var s = Enumerable.Range(0, keys).Select(j => Enumerable.Range(0, d).Sum(c => q[0, c] * k[j, c]) / Math.Sqrt(d)).ToArray();

        // The printed m and ℓ after each block of four: the maximum of the scores so far and Σ e^(s_j − m) over them.
        for (int end = 4; end <= keys; end += 4)
        {
            double m = s.Take(end).Max(), l = s.Take(end).Sum(x => Math.Exp(x - m));
            Assert.Contains(string.Create(inv, $"after keys {end - 4,2}–{end - 1,2}: m = {m:F4}, ℓ = {l:F4}"), nb.Stdout);
        }
        // The output is the softmax-weighted sum (values of size ≈ 1, twelve terms: rounding far below 1e-13).
        var w = Softmax(s);
        var online = nb.Value<double[]>("oOnline.ToArray()");
        for (int c = 0; c < dv; c++)
            Assert.InRange(Math.Abs(online[c] - Enumerable.Range(0, keys).Sum(j => w[j] * v[j, c])), 0, 1e-13);
        double onlineGap = nb.Value<double>("onlineGap"), streamingGap = nb.Value<double>("streamingGap");
        Assert.InRange(onlineGap, 0, 1e-12);
        Assert.InRange(streamingGap, 0, 1e-12);
        Assert.Contains("max |online − full softmax| = " + onlineGap.ToString("0.0e+0", inv), nb.Stdout);
        Assert.Contains("max |ours − library| = " + streamingGap.ToString("0.0e+0", inv), nb.Stdout);

        // Memory at n = 65,536, d = 64, 8-byte numbers, blocks of 128 keys: n² weights against (2 + d)·n + 128·(2d + 1).
        long n64k = 65_536;
        Assert.Equal(n64k * n64k * 8, nb.Value<long>("weightBytes64k"));
        Assert.Equal(n64k * 66 * 8 + 128 * 129 * 8, nb.Value<long>("streamingBytes64k"));
        Assert.Contains("34,359,738,368 bytes (32.0 GiB)", nb.Stdout);
        Assert.Contains(string.Create(inv, $"{n64k * 66 * 8 + 128 * 129 * 8:N0} bytes"), nb.Stdout);

        // The layer table from n, d, k: n²·d, n·d², k·n·d²; 1, n, 1 sequential steps; paths 1, n, ⌈log_k n⌉.
        long n = nb.Value<long>("nSeq"), dw = nb.Value<long>("dWidth"), kw = nb.Value<long>("kWidth");
        Assert.Equal((512L, 512L, 3L), (n, dw, kw));
        long dilated = (long)Math.Ceiling(Math.Log(n) / Math.Log(kw)); // 3⁵ = 243 < 512 ≤ 729 = 3⁶
        Assert.Equal(6, dilated);
        Assert.Equal(["self-attention", "recurrent", "convolutional"], nb.Value<string[]>("layerTable.Select(r => r.Layer).ToArray()"));
        long[] cost = [n * n * dw, n * dw * dw, kw * n * dw * dw];
        Assert.Equal(cost, nb.Value<long[]>("layerTable.Select(r => r.Cost).ToArray()"));
        Assert.Equal([1L, n, 1L], nb.Value<long[]>("layerTable.Select(r => r.Sequential).ToArray()"));
        Assert.Equal([1L, n, dilated], nb.Value<long[]>("layerTable.Select(r => r.MaxPath).ToArray()"));
        string[] names = ["self-attention", "recurrent", "convolutional"];
        for (int r = 0; r < 3; r++)
            Assert.Matches(string.Create(inv, $@"\n{names[r]} +{cost[r]:N0} +{(r == 1 ? n : 1):N0} +{new[] { 1, n, dilated }[r]:N0}\n"), nb.Stdout);
        // Self-attention is not costlier than recurrence exactly while n·n·d ≤ n·d·d, i.e. n ≤ d: the first n past it is d + 1.
        Assert.Equal(dw + 1, nb.Value<long>("crossover"));
        var cheapest = names.Where((_, r) => cost[r] == cost.Min()).ToArray();
        Assert.Equal(["self-attention", "recurrent"], cheapest); // n = d: a tie
        string sentence = nb.Value<string>("costSentence");
        Assert.Contains(string.Create(inv, $"the cheapest layers, tied, are {cheapest[0]} and {cheapest[1]} ({cost.Min():N0} multiply-adds)"), sentence);
        Assert.Contains("exactly as costly as the recurrent layer (n²·d / n·d² = 1.00)", sentence);
        Assert.Contains(string.Create(inv, $"stops being cheaper from n = {dw + 1:N0} on"), sentence);
        Assert.Contains(sentence, nb.Stdout);

        // Rotary: (R(mθ)a)·(R(nθ)b) = aᵀR((n − m)θ)b per pair, so every pair of positions with m − n = 3 gives
        // Σ_i cos(φ_i)(a₀b₀ + a₁b₁) + sin(φ_i)(a₁b₀ − a₀b₁) with φ_i = −3·θ_i. Angles up to 100 rad: rounding ≈ 1e-14.
        var qr = nb.Value<double[]>("qRope");
        var kr = nb.Value<double[]>("kRope");
        Assert.All(nb.Value<int[]>("sameOffset.Select(p => p.M - p.N).ToArray()"), offset => Assert.Equal(3, offset));
        double expected = 0;
        for (int i = 0; i < 4; i++)
        {
            double phi = -3 * Math.Pow(10000, -2.0 * i / 8);
            double a0 = qr[2 * i], a1 = qr[2 * i + 1], b0 = kr[2 * i], b1 = kr[2 * i + 1];
            expected += Math.Cos(phi) * (a0 * b0 + a1 * b1) + Math.Sin(phi) * (a1 * b0 - a0 * b1);
        }
        var scores = nb.Value<double[]>("scoresAtOffset");
        Assert.True(scores.Length >= 5);
        foreach (double score in scores) Assert.InRange(Math.Abs(score - expected), 0, 1e-12);
        double spread = nb.Value<double>("rotaryDistanceSpread"), rotaryGap = nb.Value<double>("rotaryGap");
        Assert.Equal(scores.Max() - scores.Min(), spread);
        Assert.InRange(spread, 0, 1e-12);
        Assert.InRange(rotaryGap, 0, 1e-12);
        Assert.Contains("max − min over these pairs = " + spread.ToString("0.0e+0", inv), nb.Stdout);
        Assert.Contains("max |ours − library| = " + rotaryGap.ToString("0.0e+0", inv), nb.Stdout);
        Assert.Contains("θ_i for d = 8: 1, 0.1, 0.01, 0.001", nb.Stdout);
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
            "originalWeights", "alternativeWeights", "values.ToArray()", "keys.ToArray()", "reachResidual", "mostAttendedBefore", "mostAttendedAfter",
            "sinusoidalSimilarity", "rotaryScore", "token.ToArray()", "learnedSimilarity", "alibiBias",
            "learnedTableRefusal", "imagePatches", "kvCacheBytes",
            "q.ToArray()", "kAll.ToArray()", "vAll.ToArray()", "oOnline.ToArray()", "onlineGap", "streamingGap",
            "weightBytes64k", "streamingBytes64k", "nSeq", "dWidth", "kWidth", "crossover", "costSentence",
            "layerTable.Select(r => r.Layer).ToArray()", "layerTable.Select(r => r.Cost).ToArray()",
            "layerTable.Select(r => r.Sequential).ToArray()", "layerTable.Select(r => r.MaxPath).ToArray()",
            "qRope", "kRope", "scoresAtOffset", "sameOffset.Select(p => p.M - p.N).ToArray()",
            "rotaryDistanceSpread", "rotaryGap");
        AssertMechanismsWrittenOut(nb);

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
        // No query reaches the alternative weights with these keys: least squares of [K/√d_k, 1]·(q, c) ≈ log α',
        // solved here by the normal equations (5×5), against the notebook's QR solution and its printed verdict.
        var keys = nb.Value<double[,]>("keys.ToArray()");
        var a = new double[6, 5];
        for (int j = 0; j < 6; j++) { for (int c = 0; c < 4; c++) a[j, c] = keys[j, c] / 2; a[j, 4] = 1; }
        var ata = Matrix<double>.Build.Dense(5, 5, (r, c) => Enumerable.Range(0, 6).Sum(j => a[j, r] * a[j, c]));
        var atb = Vector<double>.Build.Dense(5, r => Enumerable.Range(0, 6).Sum(j => a[j, r] * Math.Log(after[j])));
        var qc = ata.Solve(atb);
        double residual = Math.Sqrt(Enumerable.Range(0, 6).Sum(j =>
            Math.Pow(Enumerable.Range(0, 5).Sum(c => a[j, c] * qc[c]) - Math.Log(after[j]), 2)));
        // normal equations square the condition number (small here): agree with QR to 1e-9
        Approx.Equal(residual, nb.Value<double>("reachResidual"), abs: 1e-9, rel: 1e-9);
        Assert.True(residual > 0.1, $"residual {residual}: some query would produce the weights, and the prose says none does");
        Assert.Contains("with these keys no query produces the alternative weights", nb.Stdout);

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

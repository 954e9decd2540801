using System.Runtime.Intrinsics;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

/// <summary>
/// Tests that change <see cref="KernelSettings"/> or the vector width, or measure process-wide allocations, run
/// alone: nothing else may run while the width flips or the allocation counter is read.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelSettingsCollection
{
    public const string Name = "kernel settings";
}

/// <summary>
/// The fast kernels (blocked attention, scores, fused softmax, streaming and banded attention, the sinusoidal table)
/// against the plain loops of <see cref="Reference"/>: on a few hundred random shapes each, including sizes that do
/// not fill a vector lane, both vector widths this machine has (512 and 256 bits), float and double, with masks,
/// fully masked rows (zeros) and the documented NaN and infinity rules.
/// </summary>
[Collection(KernelSettingsCollection.Name)]
public class FastKernelTests
{
    private const int Shapes = 200;
    private const double DoubleTol = 1e-12, FloatTol = 3e-5;

    /// <summary>Sizes around lane and block edges (8 and 16 floats, 4 and 8 doubles, micro-tiles of 6 rows, blocks of 48).</summary>
    private static readonly int[] Lengths = [1, 2, 3, 5, 6, 7, 8, 9, 13, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 95, 96, 97, 129, 255, 257, 300];

    private static int Length(Random rng, int max) { int s; do s = Lengths[rng.Next(Lengths.Length)]; while (s > max); return s; }

    /// <summary>Runs <paramref name="body"/> with the 256-bit code when <paramref name="narrow"/> (and with 512-bit
    /// vectors otherwise, where the machine has them), restoring the setting afterwards.</summary>
    private static void WithWidth(bool narrow, Action body)
    {
        bool saved = Simd.Disable512;
        Simd.Disable512 = narrow;
        try { body(); } finally { Simd.Disable512 = saved; }
    }

    private static void WithThreads(int threads, Action body)
    {
        int saved = KernelSettings.MaxDegreeOfParallelism;
        KernelSettings.MaxDegreeOfParallelism = threads;
        try { body(); } finally { KernelSettings.MaxDegreeOfParallelism = saved; }
    }

    private static double[] Rounded(double[] a) => Array.ConvertAll(a, x => (double)(float)x);

    // ───────────────────────── exp ─────────────────────────

    [Fact]
    public void Vector_exp_is_accurate_on_the_softmax_range_and_exact_at_the_ends()
    {
        var xs = Enumerable.Range(0, 20001).Select(i => -100.0 * i / 20000).Concat([0.0, -1e-30, -87.3, -87.33, -87.34, -700, -708.3, -708.4, -745, -1e300, double.NegativeInfinity]).ToArray();
        var f256 = Apply<float, Vector256<float>, Simd256F>(xs);
        var d256 = Apply<double, Vector256<double>, Simd256D>(xs);
        for (int i = 0; i < xs.Length; i++)
        {
            double exact = Math.Exp(xs[i]);
            CheckFloat(xs[i], exact, f256[i]);
            CheckDouble(xs[i], exact, d256[i]);
        }
        if (Vector512.IsHardwareAccelerated)
        {
            var f512 = Apply<float, Vector512<float>, Simd512F>(xs);
            var d512 = Apply<double, Vector512<double>, Simd512D>(xs);
            for (int i = 0; i < xs.Length; i++)
            {
                Assert.Equal(f256[i], f512[i]); // same arithmetic, wider vectors
                Assert.Equal(d256[i], d512[i]);
            }
        }
        Assert.Equal(1.0, d256[Array.IndexOf(xs, 0.0)]);
        Assert.Equal(1.0, f256[Array.IndexOf(xs, 0.0)]);

        static void CheckFloat(double x, double exact, double got)
        {
            float xf = (float)x;
            double e = Math.Exp(xf);
            if (xf < ExpConstants.UnderflowF) Assert.Equal(0.0, got); // below the smallest normal float: 0, not a subnormal
            else Assert.True(Math.Abs(got - e) <= 2.5e-7 * e, $"float e^{xf:R}: {got:R} vs {e:R}");
        }

        static void CheckDouble(double x, double exact, double got)
        {
            if (x < ExpConstants.UnderflowD) Assert.Equal(0.0, got);
            else Assert.True(Math.Abs(got - exact) <= 4e-16 * exact, $"double e^{x:R}: {got:R} vs {exact:R}");
        }
    }

    private static double[] Apply<T, V, S>(double[] xs)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> where V : struct where S : struct, ISimd<T, V>
    {
        var result = new double[xs.Length];
        var lane = new T[S.Count];
        for (int i = 0; i < xs.Length; i++)
        {
            Array.Fill(lane, T.CreateTruncating(xs[i]));
            S.Store(S.ExpNonPositive(S.Load(ref lane[0])), ref lane[0]);
            Assert.All(lane, v => Assert.Equal(lane[0], v));
            result[i] = double.CreateTruncating(lane[0]);
        }
        return result;
    }

    // ───────────────────────── scaled dot-product attention (blocked) ─────────────────────────

    [Fact]
    public void Blocked_attention_matches_the_reference_loops_on_random_shapes_with_masks_and_bias()
    {
        for (int s = 0; s < Shapes; s++)
        {
            var rng = new Random(1000 + s);
            int n = Length(rng, 300), m = Length(rng, 300), dk = Size(rng), dv = s % 25 == 0 ? 0 : Size(rng);
            var q = Rounded(RandomArray(rng, n * dk, 2)); var k = Rounded(RandomArray(rng, m * dk, 2)); var v = Rounded(RandomArray(rng, m * dv, 3));
            bool[]? mask = null; double[]? bias = null;
            if (s % 3 == 1)
            {
                mask = RandomMask(rng, n * m, 0.6);
                for (int j = 0; j < m; j++) mask[(n / 2) * m + j] = false; // a fully masked query
            }
            if (s % 3 == 2) bias = Rounded(RandomArray(rng, n * m, 1));
            var (expected, expectedWeights) = Reference.Attention(q, k, v, n, m, dk, dv, mask, bias);
            string what = $"shape {s}: n={n} m={m} dk={dk} dv={dv} {(mask is null ? "" : "masked")}{(bias is null ? "" : "bias")}";

            WithWidth(s % 2 == 1, () =>
            {
                var o = new double[n * dv]; var w = new double[n * m];
                ScaledDotProductAttention.Compute(q, k, v, o, w, n, m, dk, dv, mask, bias);
                Close(expected, o, DoubleTol, what + " double output");
                Close(expectedWeights, w, DoubleTol, what + " double weights");

                var of = new float[n * dv]; var wf = new float[n * m];
                ScaledDotProductAttention.Compute(ToFloat(q), ToFloat(k), ToFloat(v), of, wf, n, m, dk, dv, mask, bias is null ? default : ToFloat(bias));
                Close(expected, of, FloatTol, what + " float output");
                Close(expectedWeights, wf, FloatTol, what + " float weights");

                if (mask is not null)
                {
                    int row = n / 2;
                    Assert.All(w.AsSpan(row * m, m).ToArray(), x => Assert.Equal(0.0, x));
                    Assert.All(of.AsSpan(row * dv, dv).ToArray(), x => Assert.Equal(0f, x));
                }
            });
        }
    }

    [Fact]
    public void Blocked_attention_keeps_the_NaN_and_infinity_rules()
    {
        foreach (bool narrow in new[] { false, true })
            WithWidth(narrow, () =>
            {
                const int n = 20, m = 37, d = 9;
                var rng = new Random(5);
                var q = RandomArray(rng, n * d); var k = RandomArray(rng, m * d); var v = RandomArray(rng, m * d);
                q[3 * d + 4] = double.NaN;                       // query 3: every score NaN
                k[5 * d + 1] = double.NaN;                       // key 5: NaN for every query that may see it
                var mask = new bool[n * m];
                Array.Fill(mask, true);
                for (int i = 0; i < n; i++) if (i != 7) mask[i * m + 5] = false; // only query 7 sees key 5
                var bias = new double[n * m];
                bias[11 * m + 2] = double.PositiveInfinity; bias[11 * m + 30] = double.PositiveInfinity; // query 11: two +∞
                v[20 * d + 3] = double.PositiveInfinity;         // key 20's value: ∞ in one feature
                for (int i = 0; i < n; i++) if (i != 13) mask[i * m + 20] = false; // only query 13 sees key 20

                var o = new double[n * d]; var w = new double[n * m];
                ScaledDotProductAttention.Compute(q, k, v, o, w, n, m, d, d, mask, bias);
                for (int i = 0; i < n; i++)
                {
                    var wr = w.AsSpan(i * m, m).ToArray(); var orow = o.AsSpan(i * d, d).ToArray();
                    if (i == 3 || i == 7)
                    {
                        Assert.All(wr, x => Assert.True(double.IsNaN(x)));
                        Assert.All(orow, x => Assert.True(double.IsNaN(x)));
                    }
                    else if (i == 11)
                    {
                        for (int j = 0; j < m; j++) Assert.Equal(j == 2 || j == 30 ? 0.5 : 0.0, wr[j]);
                        // half of the sum of two values below 1, however it is accumulated: an ulp or two of 2
                        for (int c = 0; c < d; c++) Approx.Equal(0.5 * (v[2 * d + c] + v[30 * d + c]), orow[c], abs: 1e-15, because: $"feature {c}");
                    }
                    else
                    {
                        Assert.Equal(0.0, wr[5]);                // a masked NaN key is not read
                        Approx.Equal(1.0, wr.Sum(), abs: 4e-14, because: $"query {i}"); // 37 weights: ≈ 37·4·ε
                        if (i == 13) Assert.True(double.IsPositiveInfinity(orow[3]));
                        else Assert.All(orow, x => Assert.True(double.IsFinite(x), $"query {i}: the ∞ value of a key it may not see leaked in"));
                    }
                }
            });
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        var rng = new Random(8);
        const int n = 301, m = 283, d = 33;
        var q = ToFloat(RandomArray(rng, n * d)); var k = ToFloat(RandomArray(rng, m * d)); var v = ToFloat(RandomArray(rng, m * d));
        var (o1, w1, s1) = (new float[n * d], new float[n * m], new float[n * d]);
        var (o2, w2, s2) = (new float[n * d], new float[n * m], new float[n * d]);
        WithThreads(1, () =>
        {
            ScaledDotProductAttention.Compute(q, k, v, o1, w1, n, m, d, d);
            StreamingAttention.Compute(q, k, v, s1, n, m, d, d, causal: true);
        });
        WithThreads(Math.Max(2, Environment.ProcessorCount), () =>
        {
            ScaledDotProductAttention.Compute(q, k, v, o2, w2, n, m, d, d);
            StreamingAttention.Compute(q, k, v, s2, n, m, d, d, causal: true);
        });
        Assert.Equal(o1, o2);
        Assert.Equal(w1, w2);
        Assert.Equal(s1, s2);
    }

    [Fact]
    public void The_plain_kernel_is_kept_and_agrees()
    {
        var rng = new Random(9);
        const int n = 37, m = 41, d = 13;
        var q = RandomArray(rng, n * d); var k = RandomArray(rng, m * d); var v = RandomArray(rng, m * d);
        var (o1, w1, o2, w2) = (new double[n * d], new double[n * m], new double[n * d], new double[n * m]);
        ScaledDotProductAttention.KernelSimple<double>(q, k, v, o1, w1, n, m, d, d, default, default);
        ScaledDotProductAttention.Compute(q, k, v, o2, w2, n, m, d, d);
        Close(o1, o2, DoubleTol);
        Close(w1, w2, DoubleTol);
    }

    // ───────────────────────── scores and softmax ─────────────────────────

    [Fact]
    public void Scores_match_the_reference_product_on_random_shapes()
    {
        for (int s = 0; s < Shapes; s++)
        {
            var rng = new Random(2000 + s);
            int n = Length(rng, 300), m = Length(rng, 300), dk = Size(rng);
            var q = Rounded(RandomArray(rng, n * dk, 2)); var k = Rounded(RandomArray(rng, m * dk, 2));
            WithWidth(s % 2 == 1, () =>
            {
                var sd = new double[n * m]; var sf = new float[n * m];
                if (s % 2 == 0)
                {
                    Scores.ScaledDot(q, k, sd, n, m, dk);
                    Scores.ScaledDot(ToFloat(q), ToFloat(k), sf, n, m, dk);
                    var expected = Reference.MatMulTransposed(q, k, n, m, dk, 1 / Math.Sqrt(dk));
                    Close(expected, sd, DoubleTol, $"shape {s}");
                    Close(expected, sf, FloatTol, $"shape {s}");
                }
                else
                {
                    Scores.Dot(q, k, sd, n, m, dk);
                    Scores.Dot(ToFloat(q), ToFloat(k), sf, n, m, dk);
                    var expected = Reference.MatMulTransposed(q, k, n, m, dk);
                    Close(expected, sd, DoubleTol, $"shape {s}");
                    Close(expected, sf, 1e-4, $"shape {s}");
                }
            });
        }
    }

    [Fact]
    public void Fused_softmax_matches_the_reference_on_random_shapes_with_special_rows()
    {
        for (int s = 0; s < Shapes; s++)
        {
            var rng = new Random(3000 + s);
            int rows = Length(rng, 64), cols = Length(rng, 300);
            double temperature = s % 4 == 3 ? 0.25 + 3 * rng.NextDouble() : 1.0;
            var x = Rounded(RandomArray(rng, rows * cols, 20));
            for (int i = 0; i < x.Length; i++) if (rng.NextDouble() < 0.1) x[i] = double.NegativeInfinity;
            int special = rng.Next(rows);
            int kind = s % 5; // 0: ordinary, 1: a row of −∞, 2: a NaN, 3: +∞ entries, 4: masked
            if (kind == 1) for (int c = 0; c < cols; c++) x[special * cols + c] = double.NegativeInfinity;
            if (kind == 2) x[special * cols + rng.Next(cols)] = double.NaN;
            if (kind == 3) { x[special * cols + rng.Next(cols)] = double.PositiveInfinity; x[special * cols + cols - 1] = double.PositiveInfinity; }
            bool[]? mask = kind == 4 ? RandomMask(rng, rows * cols, 0.5) : null;
            if (mask is not null)
            {
                for (int c = 0; c < cols; c++) mask[special * cols + c] = false;     // a fully masked row
                if (rows > 1) { int r2 = (special + 1) % rows; x[r2 * cols] = double.NaN; mask[r2 * cols] = false; } // a masked NaN is not read
            }

            var expected = Reference.Softmax(x, cols, temperature, mask);
            if (kind == 2) for (int c = 0; c < cols; c++) expected[special * cols + c] = double.NaN;
            if (kind == 3)
            {
                int count = Enumerable.Range(0, cols).Count(c => double.IsPositiveInfinity(x[special * cols + c]));
                for (int c = 0; c < cols; c++) expected[special * cols + c] = double.IsPositiveInfinity(x[special * cols + c]) ? 1.0 / count : 0.0;
            }
            WithWidth(s % 2 == 1, () =>
            {
                var yd = new double[x.Length]; var yf = new float[x.Length];
                if (mask is null)
                {
                    Softmax.Rows(x, yd, cols, temperature);
                    Softmax.Rows(ToFloat(x), yf, cols, (float)temperature);
                }
                else
                {
                    Softmax.Masked(x, mask, yd, cols, temperature);
                    Softmax.Masked(ToFloat(x), mask, yf, cols, (float)temperature);
                }
                CloseWithNaN(expected, yd, DoubleTol, $"shape {s} kind {kind}");
                CloseWithNaN(expected, Array.ConvertAll(yf, f => (double)f), 2e-6, $"shape {s} kind {kind} float");
                if (kind is 1 or 4) Assert.All(yd.AsSpan(special * cols, cols).ToArray(), w => Assert.Equal(0.0, w));
            });
        }
    }

    private static void CloseWithNaN(double[] expected, double[] actual, double tol, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i])) { Assert.True(double.IsNaN(actual[i]), $"{what} index {i}: expected NaN, got {actual[i]:R}"); continue; }
            if (!(Math.Abs(expected[i] - actual[i]) <= tol * Math.Max(1, Math.Abs(expected[i]))))
                Assert.Fail($"{what} index {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    [Fact]
    public void In_place_softmax_of_a_wide_matrix_equals_the_plain_kernel()
    {
        var rng = new Random(12);
        const int rows = 70, cols = 4099;
        var x = RandomArray(rng, rows * cols, 10);
        var plain = new double[x.Length];
        Softmax.RowsKernelSimple<double>(x, plain, cols, 1.0);
        var copy = (double[])x.Clone();
        Softmax.Rows(copy, copy, cols);
        Close(plain, copy, 1e-14);
    }

    // ───────────────────────── streaming attention ─────────────────────────

    [Fact]
    public void Streaming_attention_matches_the_reference_on_random_shapes_with_causal_and_key_masks()
    {
        for (int s = 0; s < Shapes; s++)
        {
            var rng = new Random(4000 + s);
            int n = Length(rng, 300), m = s % 7 == 0 ? n : Length(rng, 300), dk = Size(rng), dv = Size(rng), heads = 1 + s % 3;
            bool causal = s % 2 == 0;
            bool[]? keyMask = s % 3 == 0 ? RandomMask(rng, m, 0.7) : null;
            if (s % 30 == 3) keyMask = new bool[m]; // every key padded: every query gets zeros
            var q = Rounded(RandomArray(rng, n * heads * dk, 2)); var k = Rounded(RandomArray(rng, m * heads * dk, 2)); var v = Rounded(RandomArray(rng, m * heads * dv, 3));
            var expected = ReferenceHeads(q, k, v, n, m, dk, dv, heads, causal, keyMask);
            string what = $"shape {s}: n={n} m={m} dk={dk} dv={dv} heads={heads} causal={causal} keyMask={keyMask is not null}";
            WithWidth(s % 4 >= 2, () =>
            {
                var o = new double[n * heads * dv];
                StreamingAttention.Compute(q, k, v, o, n, m, dk, dv, causal, keyMask, heads);
                Close(expected, o, DoubleTol, what);
                var of = new float[n * heads * dv];
                StreamingAttention.Compute(ToFloat(q), ToFloat(k), ToFloat(v), of, n, m, dk, dv, causal, keyMask, heads);
                Close(expected, of, FloatTol, what + " float");
                if (keyMask is not null && keyMask.All(a => !a)) Assert.All(of, x => Assert.Equal(0f, x));
                if (causal && m < n) Assert.All(o.AsSpan(0, (n - m) * heads * dv).ToArray(), x => Assert.Equal(0.0, x)); // queries before the first key
            });
        }
    }

    /// <summary>Per head: the reference attention with the causal and key masks combined into one dense mask.</summary>
    private static double[] ReferenceHeads(double[] q, double[] k, double[] v, int n, int m, int dk, int dv, int heads, bool causal, bool[]? keyMask)
    {
        var mask = new bool[n * m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) mask[i * m + j] = (!causal || j <= i + (m - n)) && (keyMask is null || keyMask[j]);
        var result = new double[n * heads * dv];
        for (int h = 0; h < heads; h++)
        {
            var (o, _) = Reference.Attention(Columns(q, n, heads * dk, h * dk, dk), Columns(k, m, heads * dk, h * dk, dk),
                Columns(v, m, heads * dv, h * dv, dv), n, m, dk, dv, mask);
            for (int i = 0; i < n; i++) Array.Copy(o, i * dv, result, i * heads * dv + h * dv, dv);
        }
        return result;
    }

    private static double[] Columns(double[] a, int rows, int ld, int start, int width)
    {
        var r = new double[rows * width];
        for (int i = 0; i < rows; i++) Array.Copy(a, i * ld + start, r, i * width, width);
        return r;
    }

    [Fact]
    public void Streaming_attention_keeps_the_NaN_and_infinity_rules()
    {
        foreach (bool narrow in new[] { false, true })
            WithWidth(narrow, () =>
            {
                const int n = 300, d = 8;
                var rng = new Random(14);
                var q = RandomArray(rng, n * d); var k = RandomArray(rng, n * d); var v = RandomArray(rng, n * d);
                q[100 * d] = double.NaN;                           // query 100: NaN output
                k[200 * d + 2] = double.NaN;                       // key 200: NaN for queries ≥ 200 (causal), unseen before
                k[150 * d + 1] = 1e308; q[180 * d + 1] = 1e308;    // query 180 · key 150 overflows to +∞: all its weight on key 150
                k[60 * d + 3] = double.NaN;                        // key 60 is padding: its NaN is never read
                var keyMask = Enumerable.Repeat(true, n).ToArray();
                keyMask[60] = false;
                var o = new double[n * d];
                StreamingAttention.Compute(q, k, v, o, n, n, d, d, causal: true, keyMask);
                var expected = ReferenceHeads(q.Select(x => double.IsNaN(x) ? 0 : x).ToArray(), k.Select(x => double.IsNaN(x) ? 0 : x).ToArray(),
                    v, n, n, d, d, 1, true, keyMask);
                for (int i = 0; i < n; i++)
                {
                    var row = o.AsSpan(i * d, d).ToArray();
                    if (i == 100 || i >= 200) Assert.All(row, x => Assert.True(double.IsNaN(x), $"query {i} should be NaN"));
                    else if (i == 180) Assert.Equal(v.AsSpan(150 * d, d).ToArray(), row);
                    else Close(expected.AsSpan(i * d, d).ToArray(), row, 1e-12, $"query {i}");
                }

                // ∞ in the value of a padded key: a zero weight contributes nothing, so no output is touched.
                k = RandomArray(rng, n * d);
                v[60 * d + 3] = double.PositiveInfinity;
                StreamingAttention.Compute(q.Select(x => double.IsNaN(x) ? 0 : x).ToArray(), k, v, o, n, n, d, d, causal: false, keyMask);
                Assert.All(o, x => Assert.True(double.IsFinite(x)));
                v[60 * d + 3] = 0;
                Close(ReferenceHeads(q.Select(x => double.IsNaN(x) ? 0 : x).ToArray(), k, v, n, n, d, d, 1, false, keyMask), o, 1e-12);
            });
    }

    [Fact]
    public void Streaming_attention_equals_the_blocked_kernel_on_the_matrix_face()
    {
        var x = Init.Normal(77, 12, seed: 3);
        var full = ScaledDotProductAttention.Compute(x, x, x, Masks.Causal(77, 77));
        Close(full.Output, StreamingAttention.Compute(x, x, x, causal: true), 1e-12);
        var padding = Enumerable.Range(0, 77).Select(j => j % 5 != 0).ToArray();
        var dense = new bool[77, 77];
        for (int i = 0; i < 77; i++) for (int j = 0; j < 77; j++) dense[i, j] = padding[j];
        Close(ScaledDotProductAttention.Compute(x, x, x, dense).Output, StreamingAttention.Compute(x, x, x, keyMask: padding), 1e-12);
        Throws<ArgumentException>(() => StreamingAttention.Compute(x, x, x, keyMask: new bool[5]), "one flag per key (77)", "holds 5");
        Throws<ArgumentException>(() => StreamingAttention.Compute(new float[10], new float[10], new float[10], new float[10], 5, 5, 2, 2, heads: 2), "Q should hold 5×4");
    }

    /// <summary>Extra memory is O(n·d): allocations at n = 8192 are a small fraction of the n² floats full attention
    /// would need, within the kernel's own formula, and doubling n about doubles them (quadratic would quadruple).</summary>
    [Fact]
    public void Streaming_attention_allocates_order_n_d_not_n_squared()
    {
        const int d = 64;
        long Allocated(int n)
        {
            var rng = new Random(n);
            var q = ToFloat(RandomArray(rng, n * d)); var k = ToFloat(RandomArray(rng, n * d)); var v = ToFloat(RandomArray(rng, n * d));
            var o = new float[n * d];
            StreamingAttention.Compute(q.AsSpan(0, 64 * d), k.AsSpan(0, 64 * d), v.AsSpan(0, 64 * d), o.AsSpan(0, 64 * d), 64, 64, d, d, causal: true); // compiled before measuring
            GC.Collect();
            long before = GC.GetTotalAllocatedBytes(precise: true);
            StreamingAttention.Compute(q, k, v, o, n, n, d, d, causal: true);
            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }
        long a4096 = Allocated(4096), a8192 = Allocated(8192);
        long squared = 8192L * 8192 * sizeof(float);
        Assert.True(a8192 < squared / 50, $"allocated {a8192:N0} bytes at n = 8192; the n×n scores alone would be {squared:N0}");
        Assert.True(a8192 <= StreamingAttention.ExtraBytes(8192, 8192, d, d) + (256 << 10), $"allocated {a8192:N0}, formula {StreamingAttention.ExtraBytes(8192, 8192, d, d):N0}");
        Assert.InRange((double)a8192 / a4096, 1.5, 2.5);
    }

    // ───────────────────────── local (banded) attention ─────────────────────────

    [Fact]
    public void Banded_attention_matches_masked_reference_attention_on_random_shapes()
    {
        int[] windows = [0, 1, 2, 3, 5, 8, 16, 31, 32, 33, 64, 100, 400];
        for (int s = 0; s < Shapes; s++)
        {
            var rng = new Random(5000 + s);
            int n = Length(rng, 300), dk = Size(rng), dv = s % 20 == 0 ? 0 : Size(rng);
            int window = Math.Min(windows[rng.Next(windows.Length)], Math.Max(0, n - 1));
            bool causal = s % 2 == 1;
            var q = Rounded(RandomArray(rng, n * dk, 2)); var k = Rounded(RandomArray(rng, n * dk, 2)); var v = Rounded(RandomArray(rng, n * dv, 3));
            var mask = Layout.Flatten(Masks.SlidingWindow(n, window, causal));
            var (expected, expectedWeights) = Reference.Attention(q, k, v, n, n, dk, dv, mask);
            int width = LocalAttention.BandWidth(window, causal);
            string what = $"shape {s}: n={n} dk={dk} dv={dv} window={window} causal={causal}";
            WithWidth(s % 4 >= 2, () =>
            {
                var o = new double[n * dv]; var band = new double[n * width];
                LocalAttention.Compute(q, k, v, o, band, n, dk, dv, window, causal);
                Close(expected, o, DoubleTol, what);
                var dense = new double[n * n];
                for (int i = 0; i < n; i++)
                    for (int t = 0; t < width; t++)
                    {
                        int j = i - window + t;
                        if (j >= 0 && j < n) dense[i * n + j] = band[i * width + t];
                        else Assert.Equal(0.0, band[i * width + t]);
                    }
                Close(expectedWeights, dense, DoubleTol, what + " band");
                var of = new float[n * dv]; var bandF = new float[n * width];
                LocalAttention.Compute(ToFloat(q), ToFloat(k), ToFloat(v), of, bandF, n, dk, dv, window, causal);
                Close(expected, of, FloatTol, what + " float");
                var plainBand = new double[n * width]; var plainOut = new double[n * dv];
                LocalAttention.KernelSimple<double>(q, k, v, plainOut, plainBand, n, dk, dv, window, causal);
                Close(plainBand, band, DoubleTol, what + " against the plain kernel");
            });
        }
    }

    [Fact]
    public void Banded_attention_keeps_a_far_infinite_value_out()
    {
        const int n = 40, d = 4;
        var rng = new Random(15);
        var x = RandomArray(rng, n * d); var v = RandomArray(rng, n * d);
        v[30 * d] = double.PositiveInfinity;
        var o = new double[n * d]; var band = new double[n * 7];
        LocalAttention.Compute(x, x, v, o, band, n, d, d, window: 3, causal: false);
        for (int i = 0; i < n; i++)
            Assert.Equal(Math.Abs(i - 30) <= 3, double.IsInfinity(o[i * d]));
    }

    // ───────────────────────── sinusoidal table ─────────────────────────

    [Fact]
    public void Sinusoidal_table_matches_the_formula_for_many_shapes()
    {
        for (int s = 0; s < Shapes; s++)
        {
            var rng = new Random(6000 + s);
            int positions = s == 0 ? 4096 : Length(rng, 300), dModel = s == 0 ? 512 : Size(rng) + (s % 4 == 0 ? 64 : 0);
            double @base = s % 5 == 4 ? 100.0 : 10000.0;
            var expected = Reference.Sinusoidal(positions, dModel, @base);
            WithWidth(s % 2 == 1, () =>
            {
                var pd = new double[positions * dModel]; var pf = new float[positions * dModel];
                PositionalEncoding.Sinusoidal(pd, positions, dModel, @base);
                PositionalEncoding.Sinusoidal(pf, positions, dModel, @base);
                Close(expected, pd, 1e-11, $"shape {s}: {positions}×{dModel}");
                Close(expected, pf, 1e-6, $"shape {s}: {positions}×{dModel} float");
            });
        }
    }

    // ───────────────────────── settings ─────────────────────────

    [Fact]
    public void Thread_setting_is_checked_and_reported()
    {
        Throws<ArgumentOutOfRangeException>(() => KernelSettings.MaxDegreeOfParallelism = 0, "at least 1", "but it is 0");
        Assert.True(KernelSettings.MaxDegreeOfParallelism >= 1);
        Assert.Contains(KernelSettings.VectorBits, new[] { 0, 256, 512 });
    }
}

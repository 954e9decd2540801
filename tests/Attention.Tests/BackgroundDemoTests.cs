using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

public class BackgroundDemoTests
{
    private static readonly Matrix<double> QuarterTurn = M(new double[,] { { 0, 1 }, { -1, 0 } });

    /// <summary>h_n = Σ_t decay^(n−1−t) · x_t · R^(n−1−t), with the matrix powers done by plain loops.</summary>
    private static double[] ClosedFormState(double[,] x, double[,] r, double decay)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var h = new double[d];
        for (int t = 0; t < n; t++)
        {
            var v = new double[d];
            for (int c = 0; c < d; c++) v[c] = x[t, c];
            for (int step = 0; step < n - 1 - t; step++)
            {
                var next = new double[d];
                for (int c = 0; c < d; c++)
                    for (int k = 0; k < d; k++) next[c] += v[k] * r[k, c];
                for (int c = 0; c < d; c++) v[c] = decay * next[c];
            }
            for (int c = 0; c < d; c++) h[c] += v[c];
        }
        return h;
    }

    [Fact]
    public void Vocabulary_rows_have_unit_length_and_are_seeded()
    {
        var a = BackgroundDemo.RandomVocabulary(30, 8, seed: 4);
        Assert.Equal((30, 8), (a.RowCount, a.ColumnCount));
        for (int r = 0; r < 30; r++) Approx.Equal(1.0, a.Row(r).L2Norm(), abs: 1e-14, because: $"row {r}"); // normalise, then 8 squares and a root
        Close(a, BackgroundDemo.RandomVocabulary(30, 8, seed: 4), 0);
        var raw = Init.Normal(30, 8, 4);
        Close(RowMajor(raw.Row(3).ToRowMatrix() / raw.Row(3).L2Norm()), RowMajor(a.Row(3).ToRowMatrix()), 1e-15);
    }

    [Fact]
    public void Mean_summary_is_the_column_mean_and_has_the_same_width_for_any_length()
    {
        Close([2, 3], BackgroundDemo.MeanSummary(M(new double[,] { { 1, 2 }, { 3, 4 } })).ToArray(), 1e-15);
        Assert.Equal(5, BackgroundDemo.MeanSummary(Init.Normal(200, 5, 1)).Count);
        Throws<ArgumentException>(() => BackgroundDemo.MeanSummary(Matrix<double>.Build.Dense(0, 3)), "0×3");
    }

    [Fact]
    public void Random_rotation_is_orthogonal_and_seeded()
    {
        var r = BackgroundDemo.RandomRotation(7, seed: 3);
        Close(Matrix<double>.Build.DenseIdentity(7), r * r.Transpose(), 1e-12);
        Close(r, BackgroundDemo.RandomRotation(7, seed: 3), 0);
        Assert.NotEqual(r, BackgroundDemo.RandomRotation(7, seed: 4));
    }

    [Fact]
    public void Recurrent_state_by_hand_for_a_quarter_turn()
    {
        // h1 = [1, 0]; h2 = h1·R + [0, 1] = [0, 1] + [0, 1] = [0, 2]
        var tokens = M(new double[,] { { 1, 0 }, { 0, 1 } });
        Close([0, 2], BackgroundDemo.RecurrentState(tokens, QuarterTurn).ToArray(), 1e-15);
        // with decay ½: h2 = ½·[0, 1] + [0, 1] = [0, 1.5]
        Close([0, 1.5], BackgroundDemo.RecurrentState(tokens, QuarterTurn, 0.5).ToArray(), 1e-15);
        Close([0, 0], BackgroundDemo.RecurrentState(Matrix<double>.Build.Dense(0, 2), QuarterTurn).ToArray(), 0);
    }

    [Fact]
    public void Recurrent_state_matches_the_closed_form_sum()
    {
        for (int seed = 1; seed <= 5; seed++)
        {
            var x = Init.Normal(3 + seed, 6, seed);
            var r = BackgroundDemo.RandomRotation(6, 10 + seed);
            foreach (var decay in new[] { 1.0, 0.8 })
                Close(ClosedFormState(x.ToArray(), r.ToArray(), decay), BackgroundDemo.RecurrentState(x, r, decay).ToArray(), 1e-12);
        }
    }

    [Fact]
    public void Decoding_undoes_the_steps_a_token_went_through()
    {
        // by hand: [0, 2]·Rᵀ = [2, 0] = x0 + x1·Rᵀ = [1, 0] + [1, 0]
        Close([2, 0], BackgroundDemo.DecodeRecurrentState(V(0, 2), QuarterTurn, 0, 2).ToArray(), 1e-15);
        Close([0, 2], BackgroundDemo.DecodeRecurrentState(V(0, 2), QuarterTurn, 1, 2).ToArray(), 1e-15);

        // a sequence that is zero except at position p decodes to exactly that token, with or without decay
        var r = BackgroundDemo.RandomRotation(5, 9);
        for (int p = 0; p < 6; p++)
        {
            var x = Matrix<double>.Build.Dense(6, 5);
            x.SetRow(p, V(1, -2, 3, 0.5, 4));
            foreach (var decay in new[] { 1.0, 0.9 })
            {
                var state = BackgroundDemo.RecurrentState(x, r, decay);
                Close([1, -2, 3, 0.5, 4], BackgroundDemo.DecodeRecurrentState(state, r, p, 6, decay).ToArray(), 1e-12);
            }
        }
    }

    [Fact]
    public void Recurrence_rejects_bad_shapes_and_decays()
    {
        Throws<ArgumentException>(() => BackgroundDemo.RecurrentState(Init.Normal(3, 4, 1), QuarterTurn), "3×4", "2×2", "4×4");
        Throws<ArgumentException>(() => BackgroundDemo.DecodeRecurrentState(V(1, 2, 3), QuarterTurn, 0, 1), "3 entries", "3×3");
        Throws<ArgumentOutOfRangeException>(() => BackgroundDemo.RecurrentState(Init.Normal(3, 2, 1), QuarterTurn, 0), "(0, 1]");
        Throws<ArgumentOutOfRangeException>(() => BackgroundDemo.DecodeRecurrentState(V(1, 2), QuarterTurn, 2, 2), "between 0 and length − 1 = 1");
        Assert.Throws<ArgumentNullException>(() => BackgroundDemo.RecurrentState(null!, QuarterTurn));
    }

    [Fact]
    public void Position_queries_pick_their_own_position_and_output_is_the_weighted_sum()
    {
        var tokens = Init.Normal(128, 3, 2);
        var sharp = BackgroundDemo.PositionQueryAttention(tokens, 100);
        for (int p = 0; p < 128; p++)
        {
            Approx.Equal(1.0, sharp.Weights.Row(p).Sum(), abs: 1e-13, because: $"row {p}"); // 128 weights: ≈ 128·4·ε
            Assert.True(sharp.Weights[p, p] > 0.999, $"position {p}: weight {sharp.Weights[p, p]}");
        }
        var soft = BackgroundDemo.PositionQueryAttention(tokens.SubMatrix(0, 6, 0, 3), 10);
        var w = soft.Weights;
        for (int p = 0; p < 6; p++)
        {
            Assert.Equal(p, w.Row(p).MaximumIndex());
            Assert.True(w[p, p] < 0.99, "a small sharpness mixes in the neighbours");
            Close(RowMajor((w.Row(p).ToRowMatrix() * tokens.SubMatrix(0, 6, 0, 3))), RowMajor(soft.Output.Row(p).ToRowMatrix()), 1e-12);
        }

        // query p scores key j by Σ_i cos((p − j) ω_i) / √width: check one weight by hand
        double Score(int dist) => 10 * Enumerable.Range(0, 8).Sum(i => Math.Cos(dist * Math.Pow(10000, -2.0 * i / 16))) / 4;
        double z = Enumerable.Range(0, 6).Sum(j => Math.Exp(Score(2 - j)));
        // scores up to 20 built two ways (cosines of differences, products of sines and cosines) differ by ~1e-14,
        // which moves the weight by about as much relatively
        Approx.Equal(Math.Exp(Score(0)) / z, w[2, 2], abs: 1e-13);

        for (int p = 0; p < 128; p += 9)
            Close(RowMajor(sharp.Output.Row(p).ToRowMatrix()), BackgroundDemo.PositionQueryReadout(tokens, p, 100).ToArray(), 1e-12, $"readout {p}");
        Throws<ArgumentOutOfRangeException>(() => BackgroundDemo.PositionQueryReadout(tokens, 128, 100), "128×3", "between 0 and 127");

        Throws<ArgumentOutOfRangeException>(() => BackgroundDemo.PositionQueryAttention(tokens, 0), "sharpness");
        Throws<ArgumentOutOfRangeException>(() => BackgroundDemo.PositionQueryAttention(tokens, 1, 5), "even");
    }

    [Fact]
    public void Most_similar_goes_by_direction_not_length()
    {
        var vocabulary = M(new double[,] { { 10, 0 }, { 0, 1 }, { -1, 0 } });
        Assert.Equal(1, BackgroundDemo.MostSimilar(vocabulary, V(1, 1.1))); // the dot product would pick row 0
        Assert.Equal(2, BackgroundDemo.MostSimilar(vocabulary, V(-3, 0.1)));
        Assert.Equal(0, BackgroundDemo.MostSimilar(vocabulary, V(0, 0)));  // ties go to the lowest index
        Throws<ArgumentException>(() => BackgroundDemo.MostSimilar(vocabulary, V(1, 2, 3)), "3×2", "3 entries", "needs 2");
        Throws<ArgumentException>(() => BackgroundDemo.MostSimilar(M(new double[,] { { 1, 0 }, { 0, 0 } }), V(1, 1)), "Row 1", "all zeros");
    }

    [Fact]
    public void Recall_accuracy_counts_correct_lookups_over_seeded_sequences()
    {
        var vocabulary = BackgroundDemo.RandomVocabulary(50, 8, 1);
        Assert.Equal(1.0, BackgroundDemo.RecallAccuracy(vocabulary, (x, p) => x.Row(p), 20, 5, 40, seed: 3));
        Assert.Equal(1.0, BackgroundDemo.RecallAccuracy(vocabulary, (x, p) => BackgroundDemo.MeanSummary(x), 1, 0, 40, seed: 3));

        // the mean of 6 tokens, by plain loops with the same draws (Random(seed).Next(size) per token, in order)
        var rng = new Random(11);
        int hits = 0;
        for (int trial = 0; trial < 100; trial++)
        {
            var ids = Enumerable.Range(0, 6).Select(_ => rng.Next(50)).ToArray();
            var mean = new double[8];
            foreach (var id in ids)
                for (int c = 0; c < 8; c++) mean[c] += vocabulary[id, c] / 6;
            int best = 0;
            for (int r = 1; r < 50; r++)
                if (Dot(vocabulary, r, mean) > Dot(vocabulary, best, mean)) best = r;
            if (best == ids[0]) hits++;
        }
        Assert.Equal(hits / 100.0, BackgroundDemo.RecallAccuracy(vocabulary, (x, p) => BackgroundDemo.MeanSummary(x), 6, 0, 100, seed: 11));
        Assert.InRange(hits, 5, 40); // one of six tokens, roughly

        Throws<ArgumentOutOfRangeException>(() => BackgroundDemo.RecallAccuracy(vocabulary, (x, p) => x.Row(p), 3, 3, 10, 1), "between 0 and length − 1 = 2");
    }

    private static double Dot(Matrix<double> vocabulary, int row, double[] v)
    {
        double s = 0;
        for (int c = 0; c < v.Length; c++) s += vocabulary[row, c] * v[c];
        return s;
    }

    private static Vector<double> V(params double[] values) => Vector<double>.Build.DenseOfArray(values);
}

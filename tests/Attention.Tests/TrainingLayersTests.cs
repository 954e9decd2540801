using Attention.Training;
using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

/// <summary>The forward passes of Attention.Training equal the library's kernels; the optimiser, the loss and the helpers
/// give hand-worked numbers; training is deterministic.</summary>
public class TrainingLayersTests
{
    private static RowMatrix R(Random rng, int rows, int cols) => TrainingGradientTests.Random(rng, rows, cols);

    [Theory]
    [InlineData(4, 6, 8, 2, false)]
    [InlineData(5, 5, 6, 3, true)]
    public void Attention_forward_equals_the_library_multi_head_attention(int n, int m, int d, int heads, bool masked)
    {
        var rng = new Random(n + m);
        var layer = new AttentionLayer("a", d, heads, seed: 40);
        var reference = new MultiHeadAttention(layer.Wq.Value.ToMatrix(), layer.Wk.Value.ToMatrix(), layer.Wv.Value.ToMatrix(), layer.Wo.Value.ToMatrix(), heads);
        Assert.Equal(MultiHeadAttention.Random(d, heads, 40).Wq, reference.Wq); // same initialisation as the library's
        var xq = R(rng, n, d);
        var xkv = R(rng, m, d);
        var mask = masked ? Masks.Causal(n, m) : null;
        var y = layer.Forward(xq, xkv, mask);
        var expected = reference.Forward(xq.ToMatrix(), xkv.ToMatrix(), xkv.ToMatrix(), mask);
        Close(expected.Output, y.ToMatrix(), 1e-12, "output");
        for (int h = 0; h < heads; h++) Close(expected.HeadWeights[h], layer.LastWeights[h].ToMatrix(), 1e-12, $"head {h}");
    }

    [Fact]
    public void Rotary_and_alibi_attention_equal_the_kernels_applied_by_hand()
    {
        var rng = new Random(3);
        int n = 5, d = 8, heads = 2, dh = 4;
        var x = R(rng, n, d);
        var rotary = new AttentionLayer("r", d, heads, seed: 7, PositionScheme.Rotary);
        var alibi = new AttentionLayer("a", d, heads, seed: 7, PositionScheme.Alibi);
        var yr = rotary.Forward(x, x, Masks.Causal(n)).ToMatrix();
        var ya = alibi.Forward(x, x, Masks.Causal(n)).ToMatrix();
        var X = x.ToMatrix();
        var q = X * rotary.Wq.Value.ToMatrix();
        var k = X * rotary.Wk.Value.ToMatrix();
        var v = X * rotary.Wv.Value.ToMatrix();
        var concatR = Matrix<double>.Build.Dense(n, d);
        var concatA = Matrix<double>.Build.Dense(n, d);
        var slopes = Alibi.Slopes(heads);
        for (int h = 0; h < heads; h++)
        {
            var qh = q.SubMatrix(0, n, h * dh, dh);
            var kh = k.SubMatrix(0, n, h * dh, dh);
            var vh = v.SubMatrix(0, n, h * dh, dh);
            concatR.SetSubMatrix(0, h * dh, ScaledDotProductAttention.Compute(Rotary.Apply(qh), Rotary.Apply(kh), vh, Masks.Causal(n)).Output);
            concatA.SetSubMatrix(0, h * dh, ScaledDotProductAttention.Compute(qh, kh, vh, Masks.Causal(n), Alibi.Bias(n, n, slopes[h])).Output);
        }
        Close(concatR * rotary.Wo.Value.ToMatrix(), yr, 1e-12, "rotary");
        Close(concatA * alibi.Wo.Value.ToMatrix(), ya, 1e-12, "alibi");
    }

    [Fact]
    public void Linear_embedding_and_positions_equal_the_library()
    {
        var rng = new Random(5);
        var linear = new LinearLayer("l", 4, 3, seed: 2);
        RandomArray(rng, 3).CopyTo(linear.Bias!.Value.Data, 0);
        var x = R(rng, 6, 4);
        var dense = new DenseLayer(linear.Weight.Value.ToMatrix(), Vector<double>.Build.Dense(linear.Bias.Value.Data));
        Close(dense.Forward(x.ToMatrix()), linear.Forward(x).ToMatrix(), 1e-14);
        Close(Init.Glorot(4, 3, 2), linear.Weight.Value.ToMatrix(), 0);

        var embedding = new EmbeddingLayer("e", 7, 3, seed: 4);
        int[] ids = [6, 0, 6, 2];
        Close(Embedding.Lookup(embedding.Table.Value.ToMatrix(), ids), embedding.Forward(ids).ToMatrix(), 0);

        var sinusoidal = new AddedPositions("p", PositionScheme.Sinusoidal, 10, 4, seed: 1);
        Close(x.ToMatrix() + PositionalEncoding.Sinusoidal(6, 4), sinusoidal.Forward(x).ToMatrix(), 1e-15);
        var learned = new AddedPositions("p", PositionScheme.Learned, 10, 4, seed: 1);
        Close(new LearnedPositionalTable(10, 4, 1, 0.1).Table, learned.Table!.Value.ToMatrix(), 0);
        Close(x.ToMatrix() + learned.Table.Value.ToMatrix().SubMatrix(0, 6, 0, 4), learned.Forward(x).ToMatrix(), 1e-15);
        foreach (var scheme in new[] { PositionScheme.None, PositionScheme.Rotary, PositionScheme.Alibi })
            Close(x.ToMatrix(), new AddedPositions("p", scheme, 10, 4, seed: 1).Forward(x).ToMatrix(), 0);
    }

    [Fact]
    public void A_learned_table_refuses_longer_inputs_unless_clamped_and_then_reuses_its_last_row()
    {
        var table = new AddedPositions("p", PositionScheme.Learned, 3, 2, seed: 1);
        var x = new RowMatrix(5, 2);
        Throws<ArgumentOutOfRangeException>(() => table.Forward(x), "5 tokens", "positions 0…2", "cannot extrapolate");
        table.ClampBeyondTable = true;
        var y = table.Forward(x);
        for (int p = 2; p < 5; p++) Assert.Equal(table.Table!.Value.Row(2).ToArray(), y.Row(p).ToArray());
    }

    [Fact]
    public void Cross_entropy_worked_by_hand()
    {
        // logits [0, ln 3]: softmax [1/4, 3/4]; target 1 → −ln(3/4); gradient [1/4, −1/4]. Row 2 is ignored.
        var logits = new RowMatrix(2, 2, [0, Math.Log(3), 5, -5]);
        var loss = new CrossEntropyLoss();
        Approx.Equal(-Math.Log(0.75), loss.Forward(logits, [1, -1]), abs: 0, rel: 8 * Approx.Eps); // ln 3 rounded, an exp, a sum and a log
        Close(new[] { 0.25, -0.25, 0, 0 }, loss.Backward().Data, 1e-15);
        Throws<ArgumentException>(() => loss.Forward(logits, [1]), "2×2", "1 targets");
    }

    [Fact]
    public void Adam_takes_the_steps_of_the_paper()
    {
        var p = new Parameter("p", new RowMatrix(1, 1, [1.0]));
        var adam = new Adam([p], learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8);
        p.Gradient.Data[0] = 0.5;
        adam.Step();
        // m = 0.05, v = 0.00025; m̂ = 0.5, v̂ = 0.25: θ = 1 − 0.1·0.5/(0.5 + 1e-8).
        Approx.Equal(1 - 0.1 * 0.5 / (0.5 + 1e-8), p.Value.Data[0], abs: 0, rel: 2 * Approx.Eps); // the same arithmetic, grouped differently
        double theta = p.Value.Data[0];
        p.Gradient.Data[0] = -1.0;
        adam.Step();
        // m = 0.9·0.05 − 0.1 = −0.055, v = 0.999·0.00025 + 0.001·1 = 0.00124975.
        double mHat = -0.055 / (1 - 0.81), vHat = 0.00124975 / (1 - 0.999 * 0.999);
        // the moments are accumulated in steps, the check takes them in closed form: a few ulps of θ ≈ 1
        Approx.Equal(theta - 0.1 * mHat / (Math.Sqrt(vHat) + 1e-8), p.Value.Data[0], abs: 0, rel: 8 * Approx.Eps);
        Assert.Equal(2, adam.Steps);
    }

    [Fact]
    public void Gradient_clipping_scales_the_joint_norm_down_only()
    {
        var a = new Parameter("a", new RowMatrix(1, 1));
        var b = new Parameter("b", new RowMatrix(1, 1));
        var adam = new Adam([a, b]);
        a.Gradient.Data[0] = 3; b.Gradient.Data[0] = 4;
        Assert.Equal(5.0, adam.ClipGradientNorm(1.0)); // √(9 + 16) is exact
        // 3/5 and 4/5 are not doubles: one scaling, within 2 ulps of the nearest
        Approx.Equal(0.6, a.Gradient.Data[0], abs: 0, rel: 2 * Approx.Eps);
        Approx.Equal(0.8, b.Gradient.Data[0], abs: 0, rel: 2 * Approx.Eps);
        Approx.Equal(1.0, adam.ClipGradientNorm(2.0), abs: 0, rel: 2 * Approx.Eps); // √(0.36 + 0.64): squares, a sum, a root
        Approx.Equal(0.6, a.Gradient.Data[0], abs: 0, rel: 2 * Approx.Eps);
    }

    [Fact]
    public void The_learning_rate_warms_up_then_falls_to_a_tenth()
    {
        var s = new TrainingSettings(Steps: 200, LearningRate: 0.01);
        // a product, a quotient and a cosine: a few ulps of each rate
        Approx.Equal(0.01 / 10, s.LearningRateAt(0), abs: 0, rel: 4 * Approx.Eps);       // warm-up over the first 10 steps (5 %)
        Approx.Equal(0.01, s.LearningRateAt(10), abs: 0, rel: 4 * Approx.Eps);
        // cos(π/2) is 6e-17, not 0: a few ulps of the 0.45 it is added to
        Approx.Equal(0.01 * 0.55, s.LearningRateAt(105), abs: 0, rel: 4 * Approx.Eps);   // half-way down the cosine
        Approx.Equal(0.001, s.LearningRateAt(200), abs: 0, rel: 4 * Approx.Eps);
    }

    [Fact]
    public void Training_is_deterministic_and_the_seed_matters()
    {
        var settings = new TrainingSettings(Steps: 20, BatchSize: 4);
        var a = AlignmentTraining.Train(AlignmentTask.Sort, new AlignmentModelSettings(DModel: 8, Hidden: 8), settings);
        var b = AlignmentTraining.Train(AlignmentTask.Sort, new AlignmentModelSettings(DModel: 8, Hidden: 8), settings);
        var c = AlignmentTraining.Train(AlignmentTask.Sort, new AlignmentModelSettings(DModel: 8, Hidden: 8), settings with { Seed = 2 });
        Assert.Equal(a.Losses, b.Losses);
        for (int i = 0; i < a.Model.Parameters.Count; i++)
            Assert.Equal(a.Model.Parameters[i].Value.Data, b.Model.Parameters[i].Value.Data);
        Assert.NotEqual(a.Losses, c.Losses);
        Assert.True(a.Losses[^1] < a.Losses[0], "the loss falls");
    }

    [Fact]
    public void Alignment_score_and_block_means_worked_by_hand()
    {
        var w = M(new double[,] { { 0.7, 0.3 }, { 0.5, 0.5 }, { 0.1, 0.9 } });
        // rows 0 and 2 expect sources 0 and 1: (0.7 + 0.9) / 2; row 1 has no expected source.
        Approx.Equal(0.8, AlignmentTraining.AlignmentScore(w, [0, -1, 1]), abs: 0, rel: 2 * Approx.Eps); // (0.7 + 0.9) / 2: one rounding
        Assert.True(double.IsNaN(AlignmentTraining.AlignmentScore(w, [-1, -1, -1])));
        Throws<ArgumentException>(() => AlignmentTraining.AlignmentScore(w, [0, 1]), "3×2", "2 entries");
        Throws<ArgumentOutOfRangeException>(() => AlignmentTraining.AlignmentScore(w, [0, 2, 1]), "source position 2");

        var (steps, means) = AlignmentTraining.BlockMeans([1, 3, 5, 7, 9], 2);
        Assert.Equal(new[] { 0.5, 2.5, 4.0 }, steps);
        Assert.Equal(new[] { 2.0, 6.0, 9.0 }, means);
    }

    [Fact]
    public void Bad_shapes_are_named()
    {
        var layer = new AttentionLayer("a", 4, 2, seed: 1);
        Throws<ArgumentException>(() => layer.Forward(new RowMatrix(2, 3), new RowMatrix(2, 4)), "xq is 2×3", "d_model = 4");
        Throws<ArgumentException>(() => layer.Forward(new RowMatrix(2, 4), new RowMatrix(3, 4), new bool[2, 2]), "mask must be 2×3");
        Throws<ArgumentException>(() => new AttentionLayer("a", 6, 4, seed: 1), "not divisible");
        Throws<ArgumentException>(() => new AttentionLayer("a", 6, 2, seed: 1, PositionScheme.Rotary), "d_model / heads = 3 must be even");
        Throws<ArgumentException>(() => new LinearLayer("l", 3, 2, 1).Forward(new RowMatrix(1, 2)), "1×2", "3×2");
        Throws<ArgumentOutOfRangeException>(() => new EmbeddingLayer("e", 3, 2, 1).Forward([0, 3]), "Token 1 has id 3");
        Throws<InvalidOperationException>(() => new LinearLayer("l", 3, 2, 1).Backward(new RowMatrix(1, 2)), "Forward first");
    }
}

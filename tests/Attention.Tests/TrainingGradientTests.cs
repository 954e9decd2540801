using Attention.Training;
using MathNet.Numerics.LinearAlgebra;

namespace Attention.Tests;

/// <summary>
/// Every backward pass of Attention.Training against central finite differences in double precision:
/// <c>(f(θ + h) − f(θ − h)) / 2h</c> with h = 1e-5, for every entry of every input and parameter, on small random shapes.
/// The loss is a fixed random linear function of the layer's output (Σ R ⊙ Y), so its gradient with respect to the output
/// is R. The error measure is ‖analytic − numeric‖ / max(‖analytic‖, ‖numeric‖); it must be below 1e-6.
/// </summary>
public class TrainingGradientTests
{
    private const double Tolerance = 1e-6;

    internal static RowMatrix Random(Random rng, int rows, int cols, double scale = 1.0)
        => new(rows, cols, Helpers.RandomArray(rng, rows * cols, scale));

    private static double Dot(RowMatrix a, RowMatrix b) => a.Data.Zip(b.Data, (x, y) => x * y).Sum();

    /// <summary>Central differences of <paramref name="loss"/> with respect to every entry of <paramref name="x"/> (perturbed in place, then restored).</summary>
    internal static double[] Numeric(Func<double> loss, double[] x, double h = 1e-5)
    {
        var g = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double keep = x[i];
            x[i] = keep + h; double up = loss();
            x[i] = keep - h; double down = loss();
            x[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    internal static void AssertClose(double[] analytic, double[] numeric, string what)
    {
        Assert.Equal(numeric.Length, analytic.Length);
        double diff = Math.Sqrt(analytic.Zip(numeric, (a, n) => (a - n) * (a - n)).Sum());
        double scale = Math.Max(Math.Sqrt(analytic.Sum(a => a * a)), Math.Sqrt(numeric.Sum(n => n * n)));
        Assert.True(scale > 1e-8, $"{what}: the gradient is zero, so the check would prove nothing");
        double error = diff / scale;
        Assert.True(error < Tolerance, $"{what}: relative error {error:E2} (analytic norm {scale:E3})");
    }

    /// <summary>Checks every parameter of a model whose loss is computed by <paramref name="loss"/> and whose gradients by <paramref name="backward"/>.</summary>
    internal static void CheckParameters(IEnumerable<Parameter> parameters, Func<double> loss, Action backward, string what)
    {
        var ps = parameters.ToArray();
        foreach (var p in ps) p.ZeroGradient();
        loss();
        backward();
        foreach (var p in ps)
        {
            var analytic = (double[])p.Gradient.Data.Clone();
            AssertClose(analytic, Numeric(loss, p.Value.Data), $"{what}: {p.Name}");
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 4, 2)]
    [InlineData(5, 7, 3)]
    public void Linear_layer(int rows, int inputs, int outputs)
    {
        var rng = new Random(rows * 31 + inputs);
        var layer = new LinearLayer("linear", inputs, outputs, seed: 3);
        Helpers.RandomArray(rng, outputs).CopyTo(layer.Bias!.Value.Data, 0);
        var x = Random(rng, rows, inputs);
        var r = Random(rng, rows, outputs);
        double Loss() => Dot(r, layer.Forward(x));
        CheckParameters(layer.Parameters, Loss, () => layer.Backward(r), "linear");
        layer.Forward(x);
        AssertClose(layer.Backward(r).Data, Numeric(Loss, x.Data), "linear: x");
    }

    [Fact]
    public void Feed_forward_block_with_its_relu()
    {
        var rng = new Random(7);
        var block = new FeedForward("ff", 5, 9, seed: 11);
        var x = Random(rng, 4, 5, 2);
        var r = Random(rng, 4, 5);
        double Loss() => Dot(r, block.Forward(x));
        CheckParameters(block.Parameters, Loss, () => block.Backward(r), "feed-forward");
        block.Forward(x);
        AssertClose(block.Backward(r).Data, Numeric(Loss, x.Data), "feed-forward: x");
    }

    [Fact]
    public void Embedding_collects_the_gradient_of_a_repeated_token()
    {
        var rng = new Random(2);
        var layer = new EmbeddingLayer("embedding", 6, 4, seed: 5);
        int[] ids = [3, 1, 3, 0, 3];
        var r = Random(rng, ids.Length, 4);
        CheckParameters([layer.Table], () => Dot(r, layer.Forward(ids)), () => layer.Backward(r), "embedding");
        Assert.All(layer.Table.Gradient.Row(2).ToArray(), g => Assert.Equal(0.0, g)); // token 2 was never read
    }

    [Fact]
    public void Embedding_of_tokens_made_of_parts_sums_the_parts_and_gives_each_the_whole_gradient()
    {
        var rng = new Random(12);
        var layer = new EmbeddingLayer("embedding", 5, 3, seed: 6);
        int[][] parts = [[0, 3], [1, 4], [0, 4], [2]];
        var r = Random(rng, parts.Length, 3);
        CheckParameters([layer.Table], () => Dot(r, layer.Forward(parts)), () => layer.Backward(r), "embedding with parts");
        var y = layer.Forward(parts);
        for (int c = 0; c < 3; c++) Assert.Equal(layer.Table.Value[0, c] + layer.Table.Value[3, c], y[0, c]); // one addition: exact
        Assert.Throws<ArgumentException>(() => layer.Forward(new[] { Array.Empty<int>() }));
    }

    [Theory]
    [InlineData(PositionScheme.Learned, 5, false)]
    [InlineData(PositionScheme.Learned, 8, true)]
    [InlineData(PositionScheme.Sinusoidal, 6, false)]
    public void Added_positions(PositionScheme scheme, int n, bool clamp)
    {
        var rng = new Random(n);
        var layer = new AddedPositions("positions", scheme, maxPositions: 5, dModel: 4, seed: 9) { ClampBeyondTable = clamp };
        var x = Random(rng, n, 4);
        var r = Random(rng, n, 4);
        double Loss() => Dot(r, layer.Forward(x));
        if (layer.Table is not null) CheckParameters(layer.Parameters, Loss, () => layer.Backward(r), scheme.ToString());
        layer.Forward(x);
        AssertClose(layer.Backward(r).Data, Numeric(Loss, x.Data), $"{scheme}: x");
    }

    [Fact]
    public void Softmax_backward_matches_finite_differences_of_the_library_softmax()
    {
        var rng = new Random(4);
        var s = Random(rng, 3, 5, 3);
        var r = Random(rng, 3, 5);
        double Loss()
        {
            var a = new double[15];
            Softmax.Rows(s.Data, a, 5);
            return a.Zip(r.Data, (x, y) => x * y).Sum();
        }
        var w = new double[15];
        Softmax.Rows(s.Data, w, 5);
        var analytic = AttentionLayer.SoftmaxBackward(new RowMatrix(3, 5, w), r);
        AssertClose(analytic.Data, Numeric(Loss, s.Data), "softmax");
        // Each row is r times the library's Jacobian.
        for (int i = 0; i < 3; i++)
        {
            var j = Softmax.Jacobian(s.Row(i).ToArray());
            var expected = j.TransposeThisAndMultiply(Vector<double>.Build.Dense(r.Row(i).ToArray()));
            Helpers.Close(expected.ToArray(), analytic.Row(i).ToArray(), 1e-14, $"row {i}");
        }
    }

    public static TheoryData<int, int, int, int, PositionScheme, bool> AttentionCases => new()
    {
        { 1, 2, 4, 1, PositionScheme.None, false },
        { 3, 5, 6, 2, PositionScheme.None, false },
        { 4, 4, 6, 3, PositionScheme.None, true },
        { 5, 3, 8, 2, PositionScheme.Rotary, false },
        { 4, 4, 8, 1, PositionScheme.Rotary, true },
        { 4, 6, 6, 3, PositionScheme.Alibi, false },
        { 5, 5, 8, 4, PositionScheme.Alibi, true },
    };

    [Theory]
    [MemberData(nameof(AttentionCases))]
    public void Multi_head_attention(int n, int m, int d, int heads, PositionScheme positions, bool masked)
    {
        var rng = new Random(n * 100 + m * 10 + heads);
        var layer = new AttentionLayer("attention", d, heads, seed: 21, positions);
        var xq = Random(rng, n, d, 1.5);
        var xkv = Random(rng, m, d, 1.5);
        var r = Random(rng, n, d);
        bool[,]? mask = null;
        if (masked)
        {
            mask = new bool[n, m];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < m; j++) mask[i, j] = i == 1 ? false : rng.NextDouble() < 0.6 || j == 0; // row 1 fully masked
        }
        double Loss() => Dot(r, layer.Forward(xq, xkv, mask));
        CheckParameters(layer.Parameters, Loss, () => layer.Backward(r), $"attention {positions}");
        layer.Forward(xq, xkv, mask);
        var (dq, dkv) = layer.Backward(r);
        AssertClose(dq.Data, Numeric(Loss, xq.Data), $"attention {positions}: Xq");
        AssertClose(dkv.Data, Numeric(Loss, xkv.Data), $"attention {positions}: Xkv");
        if (masked) Assert.All(dq.Row(1).ToArray(), g => Assert.Equal(0.0, g)); // a fully masked query outputs 0 whatever it is
    }

    [Fact]
    public void Cross_entropy_ignores_rows_without_a_target()
    {
        var rng = new Random(8);
        var logits = Random(rng, 4, 6, 3);
        int[] targets = [2, -1, 5, 0];
        var loss = new CrossEntropyLoss();
        loss.Forward(logits, targets);
        var analytic = loss.Backward();
        AssertClose(analytic.Data, Numeric(() => loss.Forward(logits, targets), logits.Data), "cross-entropy");
        Assert.All(analytic.Row(1).ToArray(), g => Assert.Equal(0.0, g));
        Assert.Equal(3, loss.Counted);
    }

    public static TheoryData<PositionScheme, string> ModelCases()
    {
        var data = new TheoryData<PositionScheme, string>();
        foreach (var scheme in PositionShootout.Schemes)
            data.Add(scheme, scheme == PositionScheme.Learned ? "date" : "lookup");
        data.Add(PositionScheme.Sinusoidal, "sort");
        return data;
    }

    [Theory]
    [MemberData(nameof(ModelCases))]
    public void Alignment_model_end_to_end(PositionScheme scheme, string taskName)
    {
        var task = AlignmentTask.All.Single(t => t.Name == taskName);
        var model = new AlignmentModel(task, new AlignmentModelSettings(DModel: 4, Heads: 2, Hidden: 6, Positions: scheme, Seed: 3));
        var example = task.Samples(seed: 5, count: 1)[0];
        CheckParameters(model.Parameters, () => model.Loss(example), model.Backward, $"alignment model ({scheme}, {taskName})");
    }

    [Theory]
    [InlineData(PositionScheme.None, 6)]
    [InlineData(PositionScheme.Sinusoidal, 6)]
    [InlineData(PositionScheme.Learned, 6)]
    [InlineData(PositionScheme.Learned, 9)] // longer than the table: the clamped last row collects the later positions' gradient
    [InlineData(PositionScheme.Rotary, 6)]
    [InlineData(PositionScheme.Alibi, 6)]
    public void Causal_model_end_to_end(PositionScheme scheme, int length)
    {
        var model = new CausalAttentionModel(new CausalModelSettings(5, scheme, TrainedLength: 6, DModel: 4, Heads: 2, Hidden: 6, Seed: 2));
        var (tokens, targets) = PositionShootout.OffsetSequence(new Random(1), length, offset: 2, vocabulary: 5);
        CheckParameters(model.Parameters, () => model.Loss(tokens, targets), model.Backward, $"causal model ({scheme}, n = {length})");
    }
}

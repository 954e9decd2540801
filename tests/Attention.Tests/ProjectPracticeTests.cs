using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

public class ProjectPracticeTests
{
    /// <summary>The whole pipeline with plain loops: lookup, the sinusoidal formula, dense + ReLU, projections, softmax, weighted sum.</summary>
    private static (double[,] Weights, double[,] Output) ByHand(ProjectPractice p, int[] ids, bool positions = true, bool causal = false)
    {
        int n = ids.Length, d = p.DModel;
        var h = new double[n, d];
        for (int t = 0; t < n; t++)
        {
            var x = new double[d];
            for (int c = 0; c < d; c++)
            {
                double angle = t / Math.Pow(10000, 2.0 * (c / 2) / d);
                x[c] = p.EmbeddingTable[ids[t], c] + (positions ? (c % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle)) : 0);
            }
            for (int o = 0; o < d; o++)
            {
                double s = p.Encoder.Bias[o];
                for (int c = 0; c < d; c++) s += x[c] * p.Encoder.Weights[c, o];
                h[t, o] = Math.Max(0, s);
            }
        }
        double[,] Project(Matrix<double> w)
        {
            var r = new double[n, d];
            for (int t = 0; t < n; t++)
                for (int o = 0; o < d; o++)
                    for (int c = 0; c < d; c++) r[t, o] += h[t, c] * w[c, o];
            return r;
        }
        var q = Project(p.Wq); var k = Project(p.Wk); var v = Project(p.Wv);
        var weights = new double[n, n];
        var output = new double[n, d];
        for (int i = 0; i < n; i++)
        {
            int last = causal ? i : n - 1;
            var s = new double[last + 1];
            for (int j = 0; j <= last; j++)
            {
                for (int c = 0; c < d; c++) s[j] += q[i, c] * k[j, c];
                s[j] /= Math.Sqrt(d);
            }
            double max = s.Max(), z = s.Sum(x => Math.Exp(x - max));
            for (int j = 0; j <= last; j++) weights[i, j] = Math.Exp(s[j] - max) / z;
            for (int j = 0; j <= last; j++)
                for (int c = 0; c < d; c++) output[i, c] += weights[i, j] * v[j, c];
        }
        return (weights, output);
    }

    [Fact]
    public void Matches_the_pipeline_written_as_plain_loops()
    {
        var p = ProjectPractice.Create();
        int[] ids = [.. ProjectPractice.ArticleTokens];
        var run = p.Run(ids);
        var (w, o) = ByHand(p, ids);
        Close(M(w), run.Weights, 1e-12, "weights");
        Close(M(o), run.Output, 1e-12, "output");
        Assert.Equal((5, 16), (run.Output.RowCount, run.Output.ColumnCount));
        Close(run.Embeddings + run.Positions, run.Inputs, 0);
    }

    [Fact]
    public void A_causal_mask_and_leaving_out_positions_also_match_the_loops()
    {
        var p = ProjectPractice.Create(seed: 7, vocabulary: 12, dModel: 6);
        int[] ids = [3, 1, 4, 1, 5, 9, 2];
        var causal = p.Run(ids, Masks.Causal(ids.Length));
        Close(M(ByHand(p, ids, causal: true).Output), causal.Output, 1e-12, "causal");
        for (int i = 0; i < ids.Length; i++)
            for (int j = i + 1; j < ids.Length; j++) Assert.Equal(0.0, causal.Weights[i, j]);
        var plain = p.Run(ids, addPositions: false);
        Close(M(ByHand(p, ids, positions: false).Output), plain.Output, 1e-12, "no positions");
        Assert.All(plain.Positions.Enumerate(), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Without_positions_reversing_the_tokens_only_reverses_the_rows_and_with_them_it_does_not()
    {
        var p = ProjectPractice.Create();
        int[] ids = [1, 2, 3, 4, 5], rev = [5, 4, 3, 2, 1];
        var a = p.Run(ids, addPositions: false).Output;
        var b = p.Run(rev, addPositions: false).Output;
        for (int i = 0; i < 5; i++) Close(a.SubMatrix(i, 1, 0, 16), b.SubMatrix(4 - i, 1, 0, 16), 1e-12, $"row {i}");
        var c = p.Run(ids).Output;
        var e = p.Run(rev).Output;
        Assert.True((c.Row(0) - e.Row(4)).AbsoluteMaximum() > 1e-3);
    }

    [Fact]
    public void The_seed_fixes_every_weight()
    {
        var a = ProjectPractice.Create(11).Run([1, 2, 3]);
        var b = ProjectPractice.Create(11).Run([1, 2, 3]);
        var c = ProjectPractice.Create(12).Run([1, 2, 3]);
        Close(a.Output, b.Output, 0);
        Assert.True((a.Output - c.Output).Enumerate().Max(Math.Abs) > 1e-3);
        var p = ProjectPractice.Create(11);
        Close(Init.Normal(10, 16, 11), p.EmbeddingTable, 0);
        Close(Init.Glorot(16, 16, 12), p.Encoder.Weights, 0);
        Close(Init.Glorot(16, 16, 13), p.Wq, 0);
        Close(Init.Glorot(16, 16, 14), p.Wk, 0);
        Close(Init.Glorot(16, 16, 15), p.Wv, 0);
    }

    [Fact]
    public void Labels_name_id_and_position_and_bad_ids_are_refused()
    {
        Assert.Equal(["1@0", "2@1", "1@2"], ProjectPractice.Labels([1, 2, 1]));
        var p = ProjectPractice.Create();
        Throws<ArgumentOutOfRangeException>(() => p.Run([1, 10]), "id 10", "10×16", "between 0 and 9");
        Throws<ArgumentException>(() => p.Run([]), "at least one");
        Throws<ArgumentException>(() => p.Run([1, 2], Masks.Causal(3)), "must be 2×2", "3×3");
        Assert.Throws<ArgumentOutOfRangeException>(() => ProjectPractice.Create(dModel: 0));
    }
}

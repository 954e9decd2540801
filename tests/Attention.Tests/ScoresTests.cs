using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;
using Vector = MathNet.Numerics.LinearAlgebra.Vector<double>;

namespace Attention.Tests;

public class ScoresTests
{
    [Fact]
    public void Dot_and_scaled_dot_hand_values()
    {
        // q0 = [1, 0], q1 = [1, 1]; k0 = [2, 0], k1 = [1, 3], k2 = [0, 1]
        var q = M(new double[,] { { 1, 0 }, { 1, 1 } });
        var k = M(new double[,] { { 2, 0 }, { 1, 3 }, { 0, 1 } });
        // q0·k = [2, 1, 0]; q1·k = [2, 4, 1]
        Close([2, 1, 0, 2, 4, 1], RowMajor(Scores.Dot(q, k)), 0);
        // divided by √2
        Close([2 / Math.Sqrt(2), 1 / Math.Sqrt(2), 0, 2 / Math.Sqrt(2), 4 / Math.Sqrt(2), 1 / Math.Sqrt(2)],
            RowMajor(Scores.ScaledDot(q, k)), 1e-15);
    }

    [Fact]
    public void Multiplicative_hand_values()
    {
        // q = [1, 2], W = [[1, 0, 1], [0, 1, 0]] → qW = [1, 2, 1]; k0 = [1, 1, 1] → 4; k1 = [0, 0, 2] → 2
        var s = Scores.Multiplicative(M(new double[,] { { 1, 2 } }), M(new double[,] { { 1, 0, 1 }, { 0, 1, 0 } }),
            M(new double[,] { { 1, 1, 1 }, { 0, 0, 2 } }));
        Close([4, 2], RowMajor(s), 1e-15);
        // with W = I it is the plain dot product
        var rng = new Random(3);
        var q = M(4, 5, RandomArray(rng, 20)); var k = M(3, 5, RandomArray(rng, 15));
        Close(Scores.Dot(q, k), Scores.Multiplicative(q, Matrix<double>.Build.DenseIdentity(5), k), 1e-14);
    }

    [Fact]
    public void Additive_hand_values()
    {
        // q = [1], k0 = [0], k1 = [2]; Wq = [[1],[0]], Wk = [[0],[1]], v = [1, 2]
        // s(q, k) = tanh(q) + 2 tanh(k) → s0 = tanh 1 = 0.7615942, s1 = tanh 1 + 2 tanh 2 = 0.7615942 + 1.9280551
        var s = Scores.Additive(M(1, 1, [1]), M(2, 1, [0, 2]), M(2, 1, [1, 0]), M(2, 1, [0, 1]), Vector.Build.Dense([1.0, 2.0]));
        Close([Math.Tanh(1), Math.Tanh(1) + 2 * Math.Tanh(2)], RowMajor(s), 1e-15);
    }

    [Fact]
    public void Additive_matches_reference_on_random_shapes()
    {
        var rng = new Random(4);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = Size(rng, 17), m = Size(rng, 17), dq = Size(rng, 17), dk = Size(rng, 17), h = Size(rng, 17);
            var q = M(n, dq, RandomArray(rng, n * dq)); var k = M(m, dk, RandomArray(rng, m * dk));
            var wq = M(h, dq, RandomArray(rng, h * dq)); var wk = M(h, dk, RandomArray(rng, h * dk));
            var v = Vector.Build.Dense(RandomArray(rng, h));
            var s = Scores.Additive(q, k, wq, wk, v);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < m; j++)
                {
                    double expected = 0;
                    for (int t = 0; t < h; t++)
                    {
                        double a = 0;
                        for (int c = 0; c < dq; c++) a += wq[t, c] * q[i, c];
                        for (int c = 0; c < dk; c++) a += wk[t, c] * k[j, c];
                        expected += v[t] * Math.Tanh(a);
                    }
                    Assert.Equal(expected, s[i, j], 1e-12);
                }
        }
    }

    [Fact]
    public void Span_kernels_match_reference_on_random_shapes()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 250; trial++)
        {
            int n = Size(rng), m = Size(rng), d = Size(rng);
            var q = RandomArray(rng, n * d); var k = RandomArray(rng, m * d);
            var s = new double[n * m];
            Scores.Dot(q, k, s, n, m, d);
            Close(Reference.MatMulTransposed(q, k, n, m, d), s, 1e-13, $"dot {n}×{d}·{m}×{d}");
            Scores.ScaledDot(q, k, s, n, m, d);
            var expected = Reference.MatMulTransposed(q, k, n, m, d, 1 / Math.Sqrt(d));
            Close(expected, s, 1e-13);
            Close(expected, RowMajor(Scores.ScaledDot(M(n, d, q), M(m, d, k))), 1e-13);
            var sf = new float[n * m];
            Scores.ScaledDot(ToFloat(q), ToFloat(k), sf, n, m, d);
            Close(Reference.MatMulTransposed(ToDouble(ToFloat(q)), ToDouble(ToFloat(k)), n, m, d, 1 / Math.Sqrt(d)), sf, 1e-5);
            Scores.Dot(ToFloat(q), ToFloat(k), sf, n, m, d);
            Close(Reference.MatMulTransposed(ToDouble(ToFloat(q)), ToDouble(ToFloat(k)), n, m, d), sf, 1e-5);
        }
    }

    [Fact]
    public void Wrong_shapes_name_the_shapes()
    {
        Throws<ArgumentException>(() => Scores.Dot(M(3, 4, new double[12]), M(5, 6, new double[30])), "Q is 3×4", "K is 5×6", "d_k");
        Throws<ArgumentException>(() => Scores.ScaledDot(M(3, 4, new double[12]), M(5, 6, new double[30])), "3×4", "5×6");
        Throws<ArgumentException>(() => Scores.Multiplicative(M(3, 4, new double[12]), M(4, 5, new double[20]), M(2, 6, new double[12])), "3×4", "2×6", "4×5", "4×6");
        var v = Vector.Build.Dense(3);
        Throws<ArgumentException>(() => Scores.Additive(M(2, 4, new double[8]), M(2, 5, new double[10]), M(3, 5, new double[15]), M(3, 5, new double[15]), v), "2×4", "3×5");
        Throws<ArgumentException>(() => Scores.Additive(M(2, 4, new double[8]), M(2, 5, new double[10]), M(3, 4, new double[12]), M(2, 5, new double[10]), v), "3×4", "2×5");
        Throws<ArgumentException>(() => Scores.Additive(M(2, 4, new double[8]), M(2, 5, new double[10]), M(3, 4, new double[12]), M(3, 5, new double[15]), Vector.Build.Dense(2)), "h = 3", "length 2");
        Throws<ArgumentException>(() => Scores.Dot(new double[12], new double[10], new double[15], 3, 5, 4), "K", "5×4", "10");
        Throws<ArgumentException>(() => Scores.Dot(new double[12], new double[20], new double[14], 3, 5, 4), "3×5", "14");
        Assert.Throws<ArgumentNullException>(() => Scores.Dot(null!, M(1, 1, [1])));
    }
}

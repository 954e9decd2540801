using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

public class SoftmaxTests
{
    // ── hand-worked numbers ──

    [Fact]
    public void Of_one_two_three_matches_hand_computed_values()
    {
        // e^1, e^2, e^3 = 2.7182818, 7.3890561, 20.0855369; sum 30.1928748
        var s = Softmax.Of(new[] { 1.0, 2.0, 3.0 });
        Close([0.0900306, 0.2447285, 0.6652410], s, 1e-7);
    }

    [Fact]
    public void Vector_overload_matches_array_overload()
    {
        var v = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense([1.0, 2.0, 3.0]);
        Close(Softmax.Of([1.0, 2.0, 3.0]), Softmax.Of(v).ToArray(), 0);
    }

    [Fact]
    public void Temperature_divides_the_scores()
    {
        // softmax([1,2,3] / 2) = softmax([0.5, 1, 1.5])
        Close(Softmax.Of([0.5, 1.0, 1.5]), Softmax.Of([1.0, 2.0, 3.0], temperature: 2.0), 1e-15);
        // low temperature approaches the argmax
        var sharp = Softmax.Of([1.0, 2.0, 3.0], temperature: 0.001); // e^(−2000) underflows to 0
        Assert.Equal(1.0, sharp[2]);
        Assert.Equal(0.0, sharp[0]);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Bad_temperature_is_rejected(double t)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Softmax.Rows(M(1, 2, [1, 2]), t));
        Assert.Contains("temperature", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Softmax.Of([1.0], t));
        Assert.Throws<ArgumentOutOfRangeException>(() => Softmax.Rows(new float[2], new float[2], 2, (float)t));
    }

    [Fact]
    public void Rows_works_row_by_row()
    {
        var x = M(new double[,] { { 1, 2, 3 }, { 1000, 1001, 1002 } });
        var s = Softmax.Rows(x);
        Close([0.0900306, 0.2447285, 0.6652410, 0.0900306, 0.2447285, 0.6652410], RowMajor(s), 1e-7);
    }

    [Fact]
    public void Naive_overflows_where_stable_does_not()
    {
        var naive = Softmax.Naive([1000.0, 1001.0, 1002.0]);
        Assert.All(naive, v => Assert.True(double.IsNaN(v)));
        Close([0.0900306, 0.2447285, 0.6652410], Softmax.Of([1000.0, 1001.0, 1002.0]), 1e-7);
        Close(Softmax.Of([1.0, 2.0, 3.0]), Softmax.Naive([1.0, 2.0, 3.0]), 1e-15);
    }

    [Fact]
    public void LogSumExp_hand_values()
    {
        // log(e^1 + e^2 + e^3) = log(30.1928748) = 3.4076059
        // a max, three exps, a sum, a log and an addition: a few ulps of the result
        Approx.Equal(3.4076059644443806, Softmax.LogSumExp([1.0, 2.0, 3.0]), abs: 0, rel: 8 * Approx.Eps);
        Approx.Equal(1002.4076059644444, Softmax.LogSumExp([1000.0, 1001.0, 1002.0]), abs: 0, rel: 8 * Approx.Eps);
        // in float: a few float ulps (2⁻²³ = 1.2e-7 relative) of the true 3.40760596…
        Approx.Equal(3.4076059644443806, Softmax.LogSumExp([1f, 2f, 3f]), abs: 0, rel: 8 * Math.Pow(2, -23));
        Assert.Equal(double.NegativeInfinity, Softmax.LogSumExp(ReadOnlySpan<double>.Empty));
        Assert.Equal(double.NegativeInfinity, Softmax.LogSumExp([double.NegativeInfinity, double.NegativeInfinity]));
        Assert.Equal(double.PositiveInfinity, Softmax.LogSumExp([1.0, double.PositiveInfinity]));
        Assert.True(double.IsNaN(Softmax.LogSumExp([1.0, double.NaN, double.PositiveInfinity])));
        var rows = Softmax.LogSumExpRows(M(2, 3, [1, 2, 3, 1000, 1001, 1002]));
        Approx.Equal(3.4076059644443806, rows[0], abs: 0, rel: 8 * Approx.Eps);
        Approx.Equal(1002.4076059644444, rows[1], abs: 0, rel: 8 * Approx.Eps);
    }

    [Fact]
    public void Log_is_log_of_softmax()
    {
        var log = Softmax.Log([1.0, 2.0, 3.0]);
        Close([-2.4076059644, -1.4076059644, -0.4076059644], log, 1e-9);
        var logRows = Softmax.LogRows(M(1, 3, [1000, 1001, 1002]));
        Close(log, RowMajor(logRows), 1e-12);
    }

    [Fact]
    public void LogRows_special_values()
    {
        double ninf = double.NegativeInfinity, pinf = double.PositiveInfinity;
        var y = RowMajor(Softmax.LogRows(M(3, 3, [ninf, ninf, ninf, 1, double.NaN, 2, pinf, 0, pinf])));
        Assert.All(y[..3], v => Assert.Equal(ninf, v));
        Assert.All(y[3..6], v => Assert.True(double.IsNaN(v)));
        Approx.Equal(-Math.Log(2), y[6], abs: 0, rel: 2 * Approx.Eps); // log(1/2) of two equal +∞: within 2 ulps
        Assert.Equal(ninf, y[7]);
        Approx.Equal(-Math.Log(2), y[8], abs: 0, rel: 2 * Approx.Eps);
    }

    [Fact]
    public void Jacobian_is_diag_minus_outer_product()
    {
        var s = Softmax.Of([1.0, 2.0, 3.0]);
        var j = Softmax.Jacobian([1.0, 2.0, 3.0]);
        // J[0,0] = s0(1 − s0) = 0.0900306 · 0.9099694 = 0.0819251; J[0,1] = −s0 s1 = −0.0220330
        // the hand values carry 7 decimals: they are within half a unit of the 7th, 5e-8, of the true values
        Approx.Equal(0.0819251, j[0, 0], abs: 5e-8);
        Approx.Equal(-0.0220330, j[0, 1], abs: 5e-8); // −0.02203304452…
        for (int r = 0; r < 3; r++)
        {
            // three entries below 0.25 that cancel: an ulp of 0.25 per entry and per addition
            Approx.Equal(0.0, j.Row(r).Sum(), abs: 4e-16, because: $"row {r}");
            for (int c = 0; c < 3; c++)
                Approx.Equal((r == c ? s[r] : 0) - s[r] * s[c], j[r, c], abs: 2 * Approx.Eps, because: $"({r}, {c})"); // a product and a difference below 1
        }
        // matches a central finite difference
        const double h = 1e-6;
        for (int c = 0; c < 3; c++)
        {
            double[] plus = [1.0, 2.0, 3.0], minus = [1.0, 2.0, 3.0];
            plus[c] += h; minus[c] -= h;
            var sp = Softmax.Of(plus); var sm = Softmax.Of(minus);
            // the difference quotient's rounding, ≈ ε / h = 2e-10, dominates its h² truncation (≈ 1e-13)
            for (int r = 0; r < 3; r++) Approx.Equal((sp[r] - sm[r]) / (2 * h), j[r, c], abs: 1e-9, because: $"({r}, {c})");
        }
    }

    [Fact]
    public void Masked_gives_exact_zero_weight_to_forbidden_entries()
    {
        var scores = M(2, 3, [1, 2, 3, 1, 2, 3]);
        var allowed = new[,] { { true, true, false }, { true, true, true } };
        var w = Softmax.Masked(scores, allowed);
        Assert.Equal(0.0, w[0, 2]);
        // softmax([1,2]) = [1/(1+e), e/(1+e)] = [0.2689414, 0.7310586]; a few roundings of values below 1
        Approx.Equal(1 / (1 + Math.E), w[0, 0], abs: 1e-15);
        Approx.Equal(Math.E / (1 + Math.E), w[0, 1], abs: 1e-15);
        Close([0.0900306, 0.2447285, 0.6652410], w.Row(1).ToArray(), 1e-7);
    }

    // ── decisions on special values ──

    [Fact]
    public void Fully_masked_row_is_all_zeros()
    {
        var w = Softmax.Masked(M(2, 3, [1, 2, 3, 4, 5, 6]), new[,] { { false, false, false }, { true, false, true } });
        Assert.All(w.Row(0).ToArray(), v => Assert.Equal(0.0, v));
        Approx.Equal(1.0, w.Row(1).Sum(), abs: 5e-16); // two weights and one addition: within 2 ulps of 1
    }

    [Fact]
    public void Row_of_all_negative_infinity_is_all_zeros()
    {
        var ninf = double.NegativeInfinity;
        var w = Softmax.Rows(M(1, 3, [ninf, ninf, ninf]));
        Assert.All(w.Row(0).ToArray(), v => Assert.Equal(0.0, v));
        var f = new float[] { float.NegativeInfinity, float.NegativeInfinity };
        Softmax.Rows(f, f, 2);
        Assert.All(f, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Negative_infinity_acts_like_a_mask()
    {
        var w = Softmax.Of([1.0, double.NegativeInfinity, 2.0]);
        Assert.Equal(0.0, w[1]);
        var masked = Softmax.Masked(M(1, 3, [1, 99, 2]), new[,] { { true, false, true } });
        Close(RowMajor(masked), w, 0);
    }

    [Fact]
    public void NaN_anywhere_makes_the_whole_row_NaN()
    {
        var w = Softmax.Rows(M(2, 3, [1, double.NaN, 3, 1, 2, 3]));
        Assert.All(w.Row(0).ToArray(), v => Assert.True(double.IsNaN(v)));
        Approx.Equal(1.0, w.Row(1).Sum(), abs: 5e-16); // other rows unaffected (three weights, within 2 ulps of 1)
        Assert.All(Softmax.Of([double.NaN, double.PositiveInfinity]), v => Assert.True(double.IsNaN(v)));
        Assert.All(Softmax.Of([double.NaN, double.NegativeInfinity]), v => Assert.True(double.IsNaN(v)));
        var f = new float[] { 1, float.NaN, 2 };
        Softmax.Rows(f, f, 3);
        Assert.All(f, v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void NaN_in_a_masked_entry_is_not_read()
    {
        var w = Softmax.Masked(M(1, 3, [1, double.NaN, 2]), new[,] { { true, false, true } });
        Close(Softmax.Of([1.0, double.NegativeInfinity, 2.0]), RowMajor(w), 0);
    }

    [Fact]
    public void Positive_infinities_share_the_weight_equally()
    {
        var pinf = double.PositiveInfinity;
        Close([0.5, 0.0, 0.5, 0.0], Softmax.Of([pinf, 1e300, pinf, double.NegativeInfinity]), 0);
        Close([0.0, 1.0], Softmax.Of([5.0, pinf]), 0);
        // it is the limit: a huge finite score already takes all the weight
        Close([0.0, 1.0], Softmax.Of([5.0, 1e6]), 0);
    }

    // ── against the reference loop ──

    [Fact]
    public void Double_kernel_matches_reference_on_random_shapes()
    {
        var rng = new Random(1);
        for (int trial = 0; trial < 250; trial++)
        {
            int rows = Size(rng), cols = Size(rng);
            double t = trial % 3 == 0 ? 1.0 : 0.2 + 3 * rng.NextDouble();
            var x = RandomArray(rng, rows * cols, 20);
            var y = new double[x.Length];
            Softmax.Rows(x, y, cols, t);
            Close(Reference.Softmax(x, cols, t), y, 1e-14, $"{rows}×{cols}");
            // in place
            var inPlace = (double[])x.Clone();
            Softmax.Rows(inPlace, inPlace, cols, t);
            Close(y, inPlace, 0);
            // the matrix face agrees
            Close(y, RowMajor(Softmax.Rows(M(rows, cols, x), t)), 0);
            // masked
            var mask = RandomMask(rng, x.Length);
            Softmax.Masked(x, mask, y, cols, t);
            Close(Reference.Softmax(x, cols, t, mask), y, 1e-14, $"masked {rows}×{cols}");
            // log
            Softmax.LogRows(x, y, cols);
            Close(Reference.LogSoftmax(x, cols), y, 1e-13, $"log {rows}×{cols}");
        }
    }

    [Fact]
    public void Float_kernel_matches_reference_on_random_shapes()
    {
        var rng = new Random(2);
        for (int trial = 0; trial < 250; trial++)
        {
            int rows = Size(rng), cols = Size(rng);
            float t = trial % 3 == 0 ? 1f : (float)(0.2 + 3 * rng.NextDouble());
            var x = ToFloat(RandomArray(rng, rows * cols, 20));
            var xd = ToDouble(x);
            var y = new float[x.Length];
            Softmax.Rows(x, y, cols, t);
            Close(Reference.Softmax(xd, cols, t), y, 2e-6, $"{rows}×{cols}");
            var mask = RandomMask(rng, x.Length);
            Softmax.Masked(x, mask, y, cols, t);
            Close(Reference.Softmax(xd, cols, t, mask), y, 2e-6, $"masked {rows}×{cols}");
            Softmax.LogRows(x, y, cols);
            Close(Reference.LogSoftmax(xd, cols), y, 1e-5, $"log {rows}×{cols}");
        }
    }

    // ── bad input ──

    [Fact]
    public void Span_shapes_are_checked()
    {
        Throws<ArgumentException>(() => Softmax.Rows(new double[7], new double[7], 3), "7", "3 columns");
        Throws<ArgumentException>(() => Softmax.Rows(new double[6], new double[5], 3), "6", "2×3", "5");
        Throws<ArgumentException>(() => Softmax.Masked(new float[6], new bool[4], new float[6], 3), "6", "4");
        Assert.Throws<ArgumentOutOfRangeException>(() => Softmax.Rows(new double[6], new double[6], 0));
    }

    [Fact]
    public void Mask_shape_is_checked()
    {
        Throws<ArgumentException>(() => Softmax.Masked(M(2, 3, new double[6]), new bool[3, 2]), "2×3", "3×2");
    }

    [Fact]
    public void Nulls_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => Softmax.Rows(null!));
        Assert.Throws<ArgumentNullException>(() => Softmax.Of((double[])null!));
        Assert.Throws<ArgumentNullException>(() => Softmax.Masked(M(1, 1, [0]), null!));
        Assert.Throws<ArgumentNullException>(() => Softmax.Naive(null!));
    }
}

public class EmptyShapeTests
{
    [Fact]
    public void Empty_matrices_give_empty_results()
    {
        Assert.Equal(0, Softmax.Rows(Matrix<double>.Build.Dense(3, 0)).ColumnCount);
        Assert.Equal(0, Softmax.LogRows(Matrix<double>.Build.Dense(3, 0)).ColumnCount);
        Assert.Empty(Softmax.Of(Array.Empty<double>()));
        var r = ScaledDotProductAttention.Compute(Matrix<double>.Build.Dense(2, 3), Matrix<double>.Build.Dense(0, 3), Matrix<double>.Build.Dense(0, 4));
        Assert.Equal(0.0, r.Output.FrobeniusNorm()); // no keys: like a fully masked row, zero output
        Assert.Equal(2, r.Output.RowCount);
    }
}

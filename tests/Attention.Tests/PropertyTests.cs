using CsCheck;
using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

/// <summary>
/// Property tests draw fresh cases on every run (CsCheck); their tolerances are worst-case bounds, so a correct kernel
/// passes every draw. A failure prints its seed ("Set seed: … or -e CsCheck_Seed=…"): <c>dotnet test -e CsCheck_Seed=…</c>
/// replays it. The loops below use fixed seeds.
/// </summary>
public class PropertyTests
{
    private static readonly Gen<(int Cols, double[] Data, double Shift)> Rows =
        from cols in Gen.Int[1, 40]
        from rows in Gen.Int[1, 6]
        from data in Gen.Double[-300, 300].Array[rows * cols]
        from shift in Gen.Double[-1000, 1000]
        select (cols, data, shift);

    [Fact]
    public void Softmax_rows_sum_to_one()
        => Rows.Sample(t =>
        {
            var y = new double[t.Data.Length];
            Softmax.Rows(t.Data, y, t.Cols);
            for (int r = 0; r < y.Length / t.Cols; r++)
            {
                var row = y.AsSpan(r * t.Cols, t.Cols);
                // each of at most 40 weights carries a few roundings and the sum adds up to 40 more: (4·40 + 40)·ε ≈ 4.4e-14
                Approx.Equal(1.0, System.Numerics.Tensors.TensorPrimitives.Sum<double>(row), abs: 5e-14);
                foreach (var v in row) Assert.InRange(v, 0.0, 1.0);
            }
        }, iter: 300);

    [Fact]
    public void Softmax_is_unchanged_by_adding_a_constant_to_a_row()
        => Rows.Sample(t =>
        {
            var y = new double[t.Data.Length];
            Softmax.Rows(t.Data, y, t.Cols);
            var shifted = t.Data.Select(v => v + t.Shift).ToArray();
            var ys = new double[t.Data.Length];
            Softmax.Rows(shifted, ys, t.Cols);
            // x + shift (|x + shift| < 1300) is rounded to half an ulp of 1300, 1.1e-13, and so is the shifted maximum;
            // with the subtraction that moves each exponent by at most 3.4e-13, hence each weight's ratio to the sum
            // by at most twice that: 1e-12 relative covers it with room for the exp and the sum.
            Approx.Equal(y, ys, abs: 0, rel: 1e-12, because: $"row length {t.Cols}, shift {t.Shift:R}");
        }, iter: 300);

    private static Matrix<double> Permute(Matrix<double> x, int[] perm)
        => Matrix<double>.Build.Dense(x.RowCount, x.ColumnCount, (i, j) => x[perm[i], j]);

    [Fact]
    public void Attention_without_positions_is_permutation_equivariant_and_sinusoidal_PE_breaks_it()
    {
        var rng = new Random(16);
        for (int trial = 0; trial < 50; trial++)
        {
            int n = 3 + rng.Next(10), d = 2 * (1 + rng.Next(8));
            var x = M(n, d, RandomArray(rng, n * d, 2));
            var perm = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
            if (perm.SequenceEqual(Enumerable.Range(0, n))) (perm[0], perm[1]) = (perm[1], perm[0]);
            var px = Permute(x, perm);

            // X → attention → permute equals permute → attention
            var mha = MultiHeadAttention.Random(d, 2, trial);
            Close(Permute(mha.Forward(x).Output, perm), mha.Forward(px).Output, 1e-12, "multi-head");
            Close(Permute(ScaledDotProductAttention.Compute(x).Output, perm), ScaledDotProductAttention.Compute(px).Output, 1e-12, "sdpa");

            // with positions added after permuting, the outputs no longer just permute
            var pe = 3 * PositionalEncoding.Sinusoidal(n, d);
            var a = Permute(mha.Forward(x + pe).Output, perm);
            var b = mha.Forward(px + pe).Output;
            Assert.True((a - b).FrobeniusNorm() > 1e-3, $"difference only {(a - b).FrobeniusNorm()}");
        }
    }

    [Fact]
    public void Causal_outputs_do_not_depend_on_later_tokens()
    {
        var rng = new Random(17);
        for (int trial = 0; trial < 50; trial++)
        {
            int n = 2 + rng.Next(12), d = 4, t = rng.Next(1, n);
            var x = M(n, d, RandomArray(rng, n * d, 2));
            var changed = x.Clone();
            for (int i = t; i < n; i++)
                for (int j = 0; j < d; j++) changed[i, j] = 10 * (rng.NextDouble() - 0.5);
            var mha = MultiHeadAttention.Random(d, 2, trial);
            var a = mha.Forward(x, Masks.Causal(n)).Output;
            var b = mha.Forward(changed, Masks.Causal(n)).Output;
            Close(a.SubMatrix(0, t, 0, d), b.SubMatrix(0, t, 0, d), 1e-13, $"first {t} of {n}");
            Assert.True((a - b).FrobeniusNorm() > 1e-6); // the later outputs did change
        }
    }

    [Fact]
    public void Rope_inner_product_depends_only_on_relative_position()
    {
        var rng = new Random(18);
        foreach (int d in new[] { 2, 8, 64 })
        {
            var q = M(1, d, RandomArray(rng, d));
            var k = M(1, d, RandomArray(rng, d));
            double Score(int m, int n) => Rotary.Apply(q, m).Row(0).DotProduct(Rotary.Apply(k, n).Row(0));
            foreach (int diff in new[] { 0, 1, 3, -5, 40 })
            {
                double reference = Score(100 + diff, 100);
                foreach (int n in new[] { 0, 7, 50, 999 })
                    if (n + diff >= 0) Approx.Equal(reference, Score(n + diff, n), abs: 1e-12, because: $"d = {d}, positions {n + diff} and {n}");
            }
            // and it does depend on the difference
            Assert.True(Math.Abs(Score(3, 0) - Score(4, 0)) > 1e-6, $"d = {d}: scores at distances 3 and 4 agree: {Score(3, 0):R}, {Score(4, 0):R}");
        }
    }

    [Fact]
    public void Sinusoidal_shift_uses_one_matrix_for_all_positions()
    {
        var pe = PositionalEncoding.Sinusoidal(64, 16);
        var m3 = PositionalEncoding.RotationFor(3, 16);
        // PE[pos + 3] = PE[pos] · M₃ᵀ for all pos at once
        Close(pe.SubMatrix(3, 61, 0, 16), pe.SubMatrix(0, 61, 0, 16) * m3.Transpose(), 1e-12);
        // and M_a M_b = M_(a+b)
        Close(PositionalEncoding.RotationFor(5, 16), m3 * PositionalEncoding.RotationFor(2, 16), 1e-12);
    }
}

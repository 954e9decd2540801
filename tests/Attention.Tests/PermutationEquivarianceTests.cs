using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

public class PermutationEquivarianceTests
{
    [Fact]
    public void Permute_rows_puts_row_perm_i_in_slot_i()
    {
        var x = M(new double[,] { { 0, 0 }, { 1, 10 }, { 2, 20 } });
        Close([2, 20, 0, 0, 1, 10], RowMajor(PermutationEquivariance.PermuteRows(x, [2, 0, 1])), 0);
        Throws<ArgumentException>(() => PermutationEquivariance.PermuteRows(x, [0, 1]), "2 entries", "3×2");
        Throws<ArgumentException>(() => PermutationEquivariance.PermuteRows(x, [0, 1, 1]), "[0, 1, 1] is not a permutation of 0…2");
        Throws<ArgumentException>(() => PermutationEquivariance.PermuteRows(x, [0, 1, 3]), "not a permutation");
    }

    [Fact]
    public void Random_permutations_are_seeded_complete_and_never_the_identity()
    {
        for (int seed = 0; seed < 200; seed++)
        {
            var p = PermutationEquivariance.RandomPermutation(2 + seed % 5, seed);
            Assert.Equal(Enumerable.Range(0, p.Length), p.Order());
            Assert.False(p.SequenceEqual(Enumerable.Range(0, p.Length)));
            Assert.Equal(p, PermutationEquivariance.RandomPermutation(p.Length, seed));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => PermutationEquivariance.RandomPermutation(1, 0));
    }

    [Fact]
    public void Gap_is_rounding_error_without_positions_and_large_with_them()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            int n = 3 + rng.Next(10), d = 2 * (1 + rng.Next(8));
            var x = M(n, d, RandomArray(rng, n * d, 2));
            var perm = PermutationEquivariance.RandomPermutation(n, trial);
            Assert.True(PermutationEquivariance.Gap(x, perm) < 1e-12);
            var mha = MultiHeadAttention.Random(d, 2, trial);
            Assert.True(PermutationEquivariance.Gap(x, perm, layer: input => mha.Forward(input).Output) < 1e-12);
            Assert.True(PermutationEquivariance.Gap(x, perm, PositionalEncoding.Sinusoidal(n, d)) > 1e-3);
        }
    }

    [Fact]
    public void Gap_by_hand_for_a_layer_that_is_not_equivariant()
    {
        // layer: every row becomes the first row of its input. Shuffling [a; b] to [b; a]:
        // layer(shuffled) = [b; b], shuffle(layer(x)) = [a; a], gap = max |b − a|.
        var x = M(new double[,] { { 1, 2 }, { 4, -1 } });
        Func<Matrix<double>, Matrix<double>> first = m => Matrix<double>.Build.Dense(m.RowCount, m.ColumnCount, (i, j) => m[0, j]);
        Assert.Equal(3.0, PermutationEquivariance.Gap(x, [1, 0], layer: first));
        // a row-wise layer (each row on its own) is equivariant; positions break even that, since they stay while the tokens move
        Func<Matrix<double>, Matrix<double>> square = m => m.PointwiseMultiply(m);
        Assert.Equal(0.0, PermutationEquivariance.Gap(x, [1, 0], layer: square));
        var pe = M(new double[,] { { 0, 0 }, { 1, 0 } });
        // with positions: layer([4,-1]+[0,0]; [1,2]+[1,0]) = [16,1; 4,4]; shuffle(layer([1,2]; [5,-1])) = [25,1; 1,4]; gap 9
        Assert.Equal(9.0, PermutationEquivariance.Gap(x, [1, 0], pe, square));
        Throws<ArgumentException>(() => PermutationEquivariance.Gap(x, [1, 0], M(new double[,] { { 0, 0, 0 } })), "2×2", "1×3");
    }
}

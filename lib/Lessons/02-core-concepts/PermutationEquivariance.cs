using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>
/// The shuffle test of notebook 02: attention without positions is <i>permutation-equivariant</i> — shuffle the
/// input tokens and the outputs come out shuffled the same way, and otherwise unchanged — while adding a positional
/// encoding breaks that. <see cref="Gap"/> measures how far a layer is from equivariant for one shuffle.
/// </summary>
/// <remarks>
/// A permutation is an <c>int[]</c> listing, for each new slot i, which old row goes there:
/// <c>PermuteRows(x, perm)</c> has row i equal to row <c>perm[i]</c> of x.
/// </remarks>
public static class PermutationEquivariance
{
    /// <summary>The rows of <paramref name="x"/> in a new order: row i of the result is row <c>permutation[i]</c> of <paramref name="x"/>.</summary>
    /// <param name="x">A sequence <c>[n, d]</c>.</param>
    /// <param name="permutation">Each of 0 … n − 1 exactly once.</param>
    /// <returns>The shuffled sequence <c>[n, d]</c>.</returns>
    public static Matrix<double> PermuteRows(Matrix<double> x, int[] permutation)
    {
        Check.NotNull(x, nameof(x));
        CheckPermutation(permutation, x.RowCount, $"the sequence is {Check.Shape(x)}");
        return Matrix<double>.Build.Dense(x.RowCount, x.ColumnCount, (i, j) => x[permutation[i], j]);
    }

    /// <summary>A seeded random shuffle of 0 … n − 1 (Fisher–Yates with <c>new Random(seed)</c>) that is never the
    /// identity, so the test always moves something.</summary>
    /// <param name="n">Length, at least 2.</param>
    /// <param name="seed">Seed for <see cref="Random"/>.</param>
    /// <returns>The permutation.</returns>
    public static int[] RandomPermutation(int n, int seed)
    {
        if (n < 2)
            throw new ArgumentOutOfRangeException(nameof(n), n, $"n must be at least 2 for a shuffle that moves something, but it is {n}.");
        var rng = new Random(seed);
        var perm = Enumerable.Range(0, n).ToArray();
        do
        {
            for (int i = n - 1; i > 0; i--)
            {
                int j = rng.Next(i + 1);
                (perm[i], perm[j]) = (perm[j], perm[i]);
            }
        } while (perm.Select((p, i) => p == i).All(same => same));
        return perm;
    }

    /// <summary>
    /// How far <paramref name="layer"/> is from permutation-equivariant for one shuffle: the largest entry of
    /// <c>|layer(P·x + positions) − P·layer(x + positions)|</c>, where P shuffles the rows. The positions stay with
    /// the slots and the tokens move, as when a sentence's words are reordered. Without positions attention gives
    /// rounding error only (about 1e-16); with them the difference is of the order of the values.
    /// </summary>
    /// <param name="x">The token vectors <c>[n, d]</c>.</param>
    /// <param name="permutation">The shuffle (see <see cref="PermuteRows"/>).</param>
    /// <param name="positions">Optional positional encoding <c>[n, d]</c> added to the input after shuffling, e.g.
    /// <see cref="PositionalEncoding.Sinusoidal(int, int, double)"/>; null for none.</param>
    /// <param name="layer">The layer to test, <c>[n, d] → [n, d′]</c>; null for self-attention with
    /// Q = K = V = input (<see cref="ScaledDotProductAttention.Compute(Matrix{double}, bool[,])"/>).</param>
    /// <returns>The largest absolute difference (0 for a perfectly equivariant layer).</returns>
    public static double Gap(Matrix<double> x, int[] permutation, Matrix<double>? positions = null,
        Func<Matrix<double>, Matrix<double>>? layer = null)
    {
        Check.NotNull(x, nameof(x));
        CheckPermutation(permutation, x.RowCount, $"the sequence is {Check.Shape(x)}");
        if (positions is not null && (positions.RowCount != x.RowCount || positions.ColumnCount != x.ColumnCount))
            throw new ArgumentException(
                $"The tokens are {Check.Shape(x)} but the positions are {Check.Shape(positions)}: they are added, so they need the same shape.",
                nameof(positions));
        layer ??= input => ScaledDotProductAttention.Compute(input).Output;
        var inOrder = positions is null ? x : x + positions;
        var shuffled = PermuteRows(x, permutation);
        if (positions is not null) shuffled += positions;
        var expected = PermuteRows(layer(inOrder), permutation);
        var actual = layer(shuffled);
        if (actual.RowCount != expected.RowCount || actual.ColumnCount != expected.ColumnCount)
            throw new ArgumentException(
                $"The layer returned {Check.Shape(expected)} for one input and {Check.Shape(actual)} for the other: it must map the same shape to the same shape.",
                nameof(layer));
        return (actual - expected).Enumerate().Select(Math.Abs).DefaultIfEmpty(0).Max();
    }

    private static void CheckPermutation(int[] permutation, int n, string context)
    {
        Check.NotNull(permutation, nameof(permutation));
        if (permutation.Length != n)
            throw new ArgumentException(
                $"The permutation has {permutation.Length} entries but {context}: it needs one entry per row ({n}).", nameof(permutation));
        var seen = new bool[n];
        foreach (var p in permutation)
        {
            if (p < 0 || p >= n || seen[p])
                throw new ArgumentException(
                    $"[{string.Join(", ", permutation)}] is not a permutation of 0…{n - 1}: each row index must appear exactly once.", nameof(permutation));
            seen[p] = true;
        }
    }
}

using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>
/// DNA strings as attention tokens (生物信息学): one-hot bases, and overlapping k-mers (the k bases starting at
/// each position, as DNABERT tokenises DNA) encoded as the concatenation of their bases' one-hot vectors. With
/// that encoding, the dot product of two k-mers is the number of positions where their bases agree, so a query
/// made from a motif scores each k-mer by how well it matches.
/// </summary>
public static class DnaSequences
{
    /// <summary>The four bases, in the order of the one-hot columns.</summary>
    public const string Bases = "ACGT";

    /// <summary>A random sequence of <paramref name="length"/> bases, each equally likely, from <c>new Random(seed)</c>.</summary>
    /// <param name="length">Number of bases.</param>
    /// <param name="seed">Seed.</param>
    /// <returns>The sequence.</returns>
    public static string Random(int length, int seed)
    {
        Check.NonNegative(length, nameof(length));
        var rng = new Random(seed);
        return string.Create(length, rng, (span, r) => { for (int i = 0; i < span.Length; i++) span[i] = Bases[r.Next(4)]; });
    }

    /// <summary>Writes <paramref name="motif"/> into <paramref name="sequence"/> starting at each of <paramref name="positions"/>.</summary>
    /// <param name="sequence">The sequence.</param>
    /// <param name="motif">The bases to write.</param>
    /// <param name="positions">Start positions; each copy must fit inside the sequence.</param>
    /// <returns>The new sequence.</returns>
    public static string Plant(string sequence, string motif, params int[] positions)
    {
        Validate(sequence, nameof(sequence));
        Validate(motif, nameof(motif));
        Check.NotNull(positions, nameof(positions));
        var chars = sequence.ToCharArray();
        foreach (int p in positions)
        {
            if (p < 0 || p + motif.Length > sequence.Length)
                throw new ArgumentOutOfRangeException(nameof(positions), p,
                    $"A motif of {motif.Length} bases at position {p} does not fit in a sequence of {sequence.Length} bases (positions 0…{sequence.Length - motif.Length}).");
            motif.CopyTo(0, chars, p, motif.Length);
        }
        return new string(chars);
    }

    /// <summary>One-hot bases: <c>[length, 4]</c>, column <c>Bases.IndexOf(base)</c> is 1.</summary>
    /// <param name="sequence">A string of A, C, G, T.</param>
    /// <returns>The one-hot matrix.</returns>
    public static Matrix<double> OneHot(string sequence)
    {
        Validate(sequence, nameof(sequence));
        return Matrix<double>.Build.Dense(sequence.Length, 4, (i, b) => Bases.IndexOf(sequence[i]) == b ? 1.0 : 0.0);
    }

    /// <summary>Overlapping k-mer tokens: row <c>p</c> (for <c>p = 0 … length − k</c>) is the concatenated one-hot
    /// encoding of bases <c>p … p + k − 1</c>, so the matrix is <c>[length − k + 1, 4k]</c>. The dot product of two rows
    /// counts the positions where their bases agree (0 … k).</summary>
    /// <param name="sequence">A string of A, C, G, T, at least k long.</param>
    /// <param name="k">Bases per token (≥ 1).</param>
    /// <returns>The k-mer matrix.</returns>
    public static Matrix<double> Kmers(string sequence, int k)
    {
        Validate(sequence, nameof(sequence));
        Check.Positive(k, nameof(k));
        if (sequence.Length < k)
            throw new ArgumentException($"The sequence has {sequence.Length} bases, fewer than k = {k}: there is no {k}-mer in it.", nameof(sequence));
        return Matrix<double>.Build.Dense(sequence.Length - k + 1, 4 * k,
            (p, c) => Bases.IndexOf(sequence[p + c / 4]) == c % 4 ? 1.0 : 0.0);
    }

    /// <summary>The k-mers themselves as strings, one per row of <see cref="Kmers"/>.</summary>
    /// <param name="sequence">A string of A, C, G, T.</param>
    /// <param name="k">Bases per token.</param>
    /// <returns>The substrings of length k, in order.</returns>
    public static string[] KmerLabels(string sequence, int k)
    {
        Validate(sequence, nameof(sequence));
        Check.Positive(k, nameof(k));
        return Enumerable.Range(0, Math.Max(0, sequence.Length - k + 1)).Select(p => sequence.Substring(p, k)).ToArray();
    }

    private static void Validate(string sequence, string name)
    {
        Check.NotNull(sequence, name);
        for (int i = 0; i < sequence.Length; i++)
            if (Bases.IndexOf(sequence[i]) < 0)
                throw new ArgumentException($"{name} has '{sequence[i]}' at position {i}; only the bases A, C, G, T (upper case) are allowed.", name);
    }
}

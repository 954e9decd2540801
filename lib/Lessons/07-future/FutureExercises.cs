using Attention;

namespace Lessons;

/// <summary>Checkers for the exercises of notebook 07 (future applications: patches, cross-attention, DNA).</summary>
public static class FutureExercises
{
    private static readonly (int Row, int Col, int DModel)[] Patches = [(0, 0, 8), (2, 3, 8), (5, 1, 16), (1, 6, 12)];

    /// <summary>
    /// Exercise 1: the 2-D encoding of one patch, <c>encode(row, col, dModel)</c>, must be the row's 1-D sinusoidal
    /// encoding (width dModel/2) followed by the column's.
    /// </summary>
    /// <param name="encode">The learner's function: (row, col, dModel) → vector of length dModel.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckPatchEncoding(Func<int, int, int, double[]> encode)
    {
        ArgumentNullException.ThrowIfNull(encode);
        const string what = "2-D encoding of a patch";
        const string hint = "the first dModel / 2 numbers are the 1-D sinusoidal encoding of the row (PositionalEncoding.Sinusoidal with width dModel / 2), the rest the same for the column.";
        return Grade.Guard(what, () =>
        {
            foreach (var (row, col, d) in Patches)
            {
                var expected = GridPositionalEncoding.Sinusoidal(row + 1, col + 1, d).Row(row * (col + 1) + col).ToArray();
                var verdict = Grade.Values($"{what} ({row}, {col}) with d_model = {d}", expected, encode(row, col, d), hint, 1e-9);
                if (!verdict.Correct) return verdict;
            }
            return Grade.Pass(what);
        }, hint);
    }

    /// <summary>
    /// Exercise 2: turn the cross-attention around so that every <b>patch</b> is a query over the caption's
    /// words (keys and values from the words): weights <c>[16 patches, 7 words]</c>.
    /// </summary>
    /// <param name="attend">The learner's function from the scene to the attention result.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckPatchesAttendToWords(Func<ImageCaptionScene, AttentionResult> attend)
    {
        ArgumentNullException.ThrowIfNull(attend);
        const string what = "patches attending to words";
        const string hint = "the queries are the rows that ask; here every patch asks which words describe it, and the words supply keys and values.";
        return Grade.Guard(what, () =>
        {
            var scene = ImageCaptionScene.Create();
            var expected = ScaledDotProductAttention.Compute(scene.Patches, scene.Words, scene.Words);
            var actual = attend(scene);
            if (actual is null) return Grade.Fail(what, "your function returned null", hint);
            if (actual.Weights.RowCount == scene.Words.RowCount && actual.Weights.ColumnCount == scene.Patches.RowCount)
                return Grade.Fail(what, $"your weights are {actual.Weights.RowCount}×{actual.Weights.ColumnCount}: words are still the queries", hint);
            var weights = Grade.Matrix($"{what} (weights)", expected.Weights, actual.Weights, hint);
            return weights.Correct ? Grade.Matrix(what, expected.Output, actual.Output, hint) : weights;
        }, hint);
    }

    private static readonly (string Sequence, string Motif)[] MotifCases =
    [
        (DnaSequences.Plant(DnaSequences.Random(50, 101), "GATA", 3, 30), "GATA"),
        ("TATAAATATAAA", "TATAAA"),
        ("AAAAA", "AAA"),            // overlapping occurrences: 0, 1, 2
        ("CCGGCCGG", "TTTT"),        // none
        ("ACGT", "ACGT"),            // the whole sequence
        (DnaSequences.Random(80, 102), "ACG"),
    ];

    /// <summary>
    /// Exercise 3: find every start position of a motif with attention scores: encode the sequence's k-mers and the
    /// motif with <see cref="DnaSequences.Kmers"/>, score them with a dot product, keep the positions whose score
    /// equals k (all bases agree). Overlapping occurrences count.
    /// </summary>
    /// <param name="find">The learner's function: (sequence, motif) → start positions in increasing order.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckMotifFinder(Func<string, string, int[]> find)
    {
        ArgumentNullException.ThrowIfNull(find);
        const string what = "motif positions";
        const string hint = "score every k-mer of the sequence against the motif (both encoded with DnaSequences.Kmers, k = motif.Length) with a dot product; a score of exactly k means all k bases agree.";
        return Grade.Guard(what, () =>
        {
            foreach (var (sequence, motif) in MotifCases)
            {
                var expected = Enumerable.Range(0, sequence.Length - motif.Length + 1)
                    .Where(p => string.CompareOrdinal(sequence, p, motif, 0, motif.Length) == 0).ToArray();
                var actual = find(sequence, motif);
                if (actual is null) return Grade.Fail(what, "your function returned null", hint);
                if (!actual.SequenceEqual(expected))
                    return Grade.Fail(what, $"for {motif} in {sequence} you found [{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}]", hint);
            }
            return Grade.Pass(what);
        }, hint);
    }
}

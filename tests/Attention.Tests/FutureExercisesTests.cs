
namespace Attention.Tests;

/// <summary>Each checker of notebook 07 says correct for a right answer and "not yet" with its hint for a wrong one.</summary>
public class FutureExercisesTests
{
    [Fact]
    public void Patch_encoding()
    {
        var right = FutureExercises.CheckPatchEncoding((row, col, d) =>
            PositionalEncoding.Sinusoidal(row + 1, d / 2).Row(row).Concat(PositionalEncoding.Sinusoidal(col + 1, d / 2).Row(col)).ToArray());
        Assert.True(right.Correct, right.Message);

        // halves swapped: column first
        var swapped = FutureExercises.CheckPatchEncoding((row, col, d) =>
            PositionalEncoding.Sinusoidal(col + 1, d / 2).Row(col).Concat(PositionalEncoding.Sinusoidal(row + 1, d / 2).Row(row)).ToArray());
        Assert.False(swapped.Correct);
        Assert.Contains("Hint: the first dModel / 2 numbers", swapped.Message);

        var todo = FutureExercises.CheckPatchEncoding((_, _, _) => throw new NotImplementedException());
        Assert.StartsWith("❌ not yet: 2-D encoding of a patch (not written yet", todo.Message);
    }

    [Fact]
    public void Patches_attend_to_words()
    {
        var right = FutureExercises.CheckPatchesAttendToWords(s => ScaledDotProductAttention.Compute(s.Patches, s.Words, s.Words));
        Assert.True(right.Correct, right.Message);
        var asInTheNotebook = FutureExercises.CheckPatchesAttendToWords(s => ScaledDotProductAttention.Compute(s.Words, s.Patches, s.Patches));
        Assert.False(asInTheNotebook.Correct);
        Assert.Contains("words are still the queries", asInTheNotebook.Message);
        var unscaled = FutureExercises.CheckPatchesAttendToWords(s =>
        {
            var w = Softmax.Rows(Scores.Dot(s.Patches, s.Words));
            return new AttentionResult(w * s.Words, w);
        });
        Assert.False(unscaled.Correct);
        Assert.Contains("Hint:", unscaled.Message);
    }

    [Fact]
    public void Motif_finder()
    {
        var right = FutureExercises.CheckMotifFinder((sequence, motif) =>
        {
            int k = motif.Length;
            var scores = Scores.Dot(DnaSequences.Kmers(motif, k), DnaSequences.Kmers(sequence, k));
            return Enumerable.Range(0, scores.ColumnCount).Where(p => scores[0, p] == k).ToArray();
        });
        Assert.True(right.Correct, right.Message);

        // string search that skips overlapping occurrences
        var noOverlap = FutureExercises.CheckMotifFinder((sequence, motif) =>
        {
            var found = new List<int>();
            for (int p = sequence.IndexOf(motif, StringComparison.Ordinal); p >= 0; p = sequence.IndexOf(motif, p + motif.Length, StringComparison.Ordinal)) found.Add(p);
            return found.ToArray();
        });
        Assert.False(noOverlap.Correct);
        Assert.Contains("for AAA in AAAAA you found [0], expected [0, 1, 2]", noOverlap.Message);

        var nearMatches = FutureExercises.CheckMotifFinder((sequence, motif) =>
        {
            var scores = Scores.Dot(DnaSequences.Kmers(motif, motif.Length), DnaSequences.Kmers(sequence, motif.Length));
            return Enumerable.Range(0, scores.ColumnCount).Where(p => scores[0, p] >= motif.Length - 1).ToArray();
        });
        Assert.False(nearMatches.Correct);
    }
}

using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

/// <summary>The toy worlds of notebook 07: 2-D patch encoding, image–caption scene, user history, DNA tokens.</summary>
public class FutureDemosTests
{
    [Fact]
    public void Grid_encoding_is_row_half_then_column_half_of_the_1d_formula()
    {
        var pe = GridPositionalEncoding.Sinusoidal(3, 5, 8);
        Assert.Equal(15, pe.RowCount);
        // patch (2, 4) is row 2·5 + 4 = 14; by hand, half width 4: frequencies 1 and 10000^(−2/4) = 0.01
        double[] expected = [Math.Sin(2), Math.Cos(2), Math.Sin(0.02), Math.Cos(0.02), Math.Sin(4), Math.Cos(4), Math.Sin(0.04), Math.Cos(0.04)];
        Close(expected, pe.Row(14).ToArray(), 1e-12);
        Throws<ArgumentException>(() => GridPositionalEncoding.Sinusoidal(2, 2, 6), "multiple of 4");
    }

    [Fact]
    public void Grid_similarity_depends_on_offsets_and_neighbours_are_closest()
    {
        int rows = 6, cols = 6, centre = 2 * cols + 2;
        var cos = RowSimilarity.CosineTo(GridPositionalEncoding.Sinusoidal(rows, cols, 32), centre);
        var ranked = Enumerable.Range(0, rows * cols).Where(p => p != centre).OrderByDescending(p => cos[p]).Take(4).Order().ToArray();
        Assert.Equal([centre - cols, centre - 1, centre + 1, centre + cols], ranked);
        // same offsets give the same similarity: (1,1)→(1,2) equals (2,2)→(2,3)
        var other = RowSimilarity.CosineTo(GridPositionalEncoding.Sinusoidal(rows, cols, 32), 1 * cols + 1);
        // two cosines of 32-wide rows whose sines and cosines come from different positions: ≈ 32·ε each
        Approx.Equal(cos[centre + 1], other[cols + 2], abs: 5e-14);
        Assert.Equal(["0,0", "0,1", "1,0", "1,1"], GridPositionalEncoding.PatchLabels(2, 2));
        Assert.Equal(4.0, GridPositionalEncoding.ToGrid([1, 2, 3, 4, 5, 6], 2, 3)[1, 0]);
    }

    [Fact]
    public void Row_similarity_by_hand()
    {
        var t = M(3, 2, [1, 0, 1, 1, 0, 2]);
        Close([1, 1, 0], RowSimilarity.DotTo(t, 0), 0);
        Close([1, 1 / Math.Sqrt(2), 0], RowSimilarity.CosineTo(t, 0), 1e-15);
        Assert.Throws<ArgumentOutOfRangeException>(() => RowSimilarity.DotTo(t, 3));
    }

    [Fact]
    public void Caption_words_attend_to_the_patches_they_name()
    {
        var scene = ImageCaptionScene.Create();
        Assert.Equal(16, scene.Patches.RowCount);
        var w = ScaledDotProductAttention.Compute(scene.Words, scene.Patches, scene.Patches).Weights;
        foreach (var word in new[] { "cat", "grass", "sun" })
        {
            int row = Array.IndexOf(scene.Caption, word);
            double onConcept = Enumerable.Range(0, 16).Where(p => scene.PatchConcepts[p] == word).Sum(p => w[row, p]);
            Assert.True(onConcept > 0.75, $"'{word}' puts {onConcept:F2} of its weight on its patches");
        }
        Assert.Equal("2,2 cat", scene.PatchLabels[10]);
        Assert.Equal(scene.Patches, ImageCaptionScene.Create().Patches); // seeded
    }

    [Fact]
    public void History_attention_by_hand_and_recency_shifts_weight_to_recent_items()
    {
        // one candidate [1, 0]; history [1, 0] (old), [0, 1] (recent); d = 2
        var c = M(1, 2, [1, 0]);
        var h = M(2, 2, [1, 0, 0, 1]);
        var r = HistoryAttention.Score(c, h);
        double a = Math.Exp(1 / Math.Sqrt(2)) / (Math.Exp(1 / Math.Sqrt(2)) + 1);
        // a few roundings (scale, exp, sum, divide) of values below 1
        Approx.Equal(a, r.Weights[0, 0], abs: 1e-15);
        Approx.Equal(a, r.Scores[0], abs: 1e-15); // c · (a·[1,0] + (1−a)·[0,1]) = a
        var recent = HistoryAttention.Score(c, h, recencySlope: 1);
        double b = Math.Exp(1 / Math.Sqrt(2) - 1) / (Math.Exp(1 / Math.Sqrt(2) - 1) + 1);
        Approx.Equal(b, recent.Weights[0, 0], abs: 1e-15);
        Close([0.5], HistoryAttention.MeanPoolScores(c, h), 1e-15);
        Throws<ArgumentException>(() => HistoryAttention.Score(c, M(2, 3, new double[6])), "1×2", "2×3");
    }

    [Fact]
    public void Candidates_attend_to_their_own_category()
    {
        var u = UserHistoryExample.Create();
        var r = HistoryAttention.Score(u.Candidates, u.History);
        for (int c = 0; c < u.CandidateItems.Length; c++)
        {
            var same = Enumerable.Range(0, u.HistoryItems.Length).Where(j => u.HistoryCategories[j] == u.CandidateCategories[c]).ToArray();
            if (same.Length == 0) continue;
            Assert.True(same.Sum(j => r.Weights[c, j]) > 0.5, $"{u.CandidateItems[c]} attends to its category");
        }
    }

    [Fact]
    public void Kmer_dot_product_counts_matching_bases()
    {
        Close([1, 0, 0, 0, 0, 0, 0, 1], RowMajor(DnaSequences.OneHot("AT")), 0);
        var km = DnaSequences.Kmers("ACGTA", 3);
        Assert.Equal(3, km.RowCount);
        Assert.Equal(12, km.ColumnCount);
        var q = DnaSequences.Kmers("CGA", 3);
        // CGA against ACG: no base agrees; CGT: C and G agree; GTA: only the last A agrees
        Close([0, 2, 1], (q * km.Transpose()).Row(0).ToArray(), 0);
        Assert.Equal(["ACG", "CGT", "GTA"], DnaSequences.KmerLabels("ACGTA", 3));
        Assert.Equal("ATATAG", DnaSequences.Plant("AAAAAG", "TA", 1, 3));
        Assert.Equal(DnaSequences.Random(30, 4), DnaSequences.Random(30, 4));
        Throws<ArgumentException>(() => DnaSequences.OneHot("ACGN"), "'N'", "position 3");
        Assert.Throws<ArgumentOutOfRangeException>(() => DnaSequences.Plant("AAAA", "TT", 3));
    }
}

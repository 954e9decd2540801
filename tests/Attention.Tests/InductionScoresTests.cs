using Attention.Training;
using MathNet.Numerics.LinearAlgebra;

namespace Attention.Tests;

/// <summary>The library's prefix-matching and previous-token scores on hand-made weight matrices whose scores are known.</summary>
public class InductionScoresTests
{
    // A B C A B C: queries 3, 4, 5 repeat tokens first seen at 0, 1, 2; the keys after those are 1, 2, 3.
    private static readonly int[] Tokens = [0, 1, 2, 0, 1, 2];

    private static Matrix<double> OneHot(int n, Func<int, int> key)
    {
        var w = Matrix<double>.Build.Dense(n, n);
        for (int i = 0; i < n; i++) w[i, key(i)] = 1;
        return w;
    }

    [Fact]
    public void A_perfect_induction_head_scores_1_and_a_previous_token_head_scores_0()
    {
        var induction = OneHot(6, i => i >= 3 ? i - 2 : i);
        var previous = OneHot(6, i => Math.Max(i - 1, 0));
        Approx.Equal(1.0, InductionScores.PrefixMatching(induction, Tokens), abs: 1e-15, because: "all weight on the key after the earlier copy");
        Approx.Equal(0.0, InductionScores.PrefixMatching(previous, Tokens), abs: 1e-15, because: "weight on i − 1, never on i − 2");
        Approx.Equal(1.0, InductionScores.PreviousToken(previous), abs: 1e-15, because: "every query on its previous key");
        Approx.Equal(0.0, InductionScores.PreviousToken(induction), abs: 1e-15, because: "queries 0–2 on themselves, 3–5 two back");
    }

    [Fact]
    public void Partial_weights_give_the_mean_over_repeated_queries_only()
    {
        // Query 3 puts 0.5 on key 1, query 4 0.25 on key 2, query 5 0 on key 3: mean 0.25. Queries 0–2 are new tokens
        // and are not counted, however much weight they put anywhere.
        var w = Matrix<double>.Build.Dense(6, 6);
        w[0, 0] = 1; w[1, 1] = 1; w[2, 1] = 1;
        w[3, 1] = 0.5; w[3, 3] = 0.5;
        w[4, 2] = 0.25; w[4, 0] = 0.75;
        w[5, 5] = 1;
        Approx.Equal(0.25, InductionScores.PrefixMatching(w, Tokens), abs: 1e-15, because: "(0.5 + 0.25 + 0) / 3");
        Approx.Equal((1 + 0 + 0 + 0 + 0) / 5.0, InductionScores.PreviousToken(w), abs: 1e-15, because: "only w[2,1] = 1 is on i − 1");
    }

    [Fact]
    public void A_token_seen_twice_before_counts_both_following_keys()
    {
        int[] tokens = [7, 1, 7, 2, 7];   // query 4 (token 7): keys after earlier 7s are 1 and 3
        var w = Matrix<double>.Build.Dense(5, 5);
        w[2, 1] = 0.4;                     // query 2 (token 7): key 1 follows the 7 at 0
        w[4, 1] = 0.3; w[4, 3] = 0.5; w[4, 4] = 0.2;
        Approx.Equal((0.4 + 0.8) / 2, InductionScores.PrefixMatching(w, tokens), abs: 1e-15, because: "query 2 gets 0.4, query 4 gets 0.3 + 0.5");
    }

    [Fact]
    public void On_a_repeated_sequence_it_agrees_with_the_lessons_half_based_score()
    {
        var (tokens, _, half) = Lessons.RepeatedSequences.Draw(new Random(5), 12, 6, 6);
        var rng = new Random(11);
        var w = Matrix<double>.Build.Dense(tokens.Length, tokens.Length, (i, j) => j <= i ? rng.NextDouble() : 0);
        for (int i = 0; i < w.RowCount; i++) w.SetRow(i, w.Row(i) / w.Row(i).Sum());
        Approx.Equal(Lessons.RepeatedSequences.PrefixMatching(w, half), InductionScores.PrefixMatching(w, tokens), abs: 1e-15,
            because: "the first half has distinct tokens, so both definitions pick the same keys");
    }

    [Fact]
    public void Bad_input_is_refused_with_the_reason()
    {
        var w = OneHot(6, i => 0);
        Assert.Contains("6 tokens", Assert.Throws<ArgumentException>(() => InductionScores.PrefixMatching(OneHot(5, i => 0), Tokens)).Message);
        Assert.Contains("undefined", Assert.Throws<ArgumentException>(() => InductionScores.PrefixMatching(w, [0, 1, 2, 3, 4, 5])).Message);
        Assert.Throws<ArgumentNullException>(() => InductionScores.PrefixMatching(w, null!));
        Assert.Contains("square", Assert.Throws<ArgumentException>(() => InductionScores.PreviousToken(Matrix<double>.Build.Dense(2, 3))).Message);
    }
}

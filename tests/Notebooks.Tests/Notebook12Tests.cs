using Lessons;

namespace Notebooks.Tests;

/// <summary>
/// notebooks/12-induction-heads.ipynb: the two-layer model learns to copy (loss near zero on the repeated half), an
/// induction head and a previous-token head form, the loss falls when the induction score rises, the one-layer control
/// cannot, ablation sends the loss back to chance, and the two-layer shoot-out says what the prose says.
/// </summary>
public class Notebook12Tests
{
    [Fact]
    public async Task Runs_and_its_claims_hold()
    {
        var nb = await TutorialNotebook.RunAsync("12-induction-heads.ipynb",
            "chance", "exampleTokens", "exampleTargets", "exampleHalf", "last.Loss", "last.Prefix", "last.Previous", "bestHead",
            "lossFallsAt", "scoreRisesAt", "prefixGap", "previousGap", "previousByHand", "oneLoss", "oneBestPrefix", "withoutBest", "withoutBoth",
            "twoLog.Select(r => r.Loss).ToArray()", "threeBack.Select(r => r.AtL).ToArray()", "none3.AtL",
            "alibiRecency", "bestOtherAt64");

        Assert.StartsWith("# 12 · 归纳头 · Induction heads", nb.Markdown);
        double chance = nb.Value<double>("chance");
        Approx.Equal(Math.Log(16), chance, abs: 0, rel: 1e-15, because: "ln V");

        // The example repeats its first half and scores only the second.
        var tokens = nb.Value<int[]>("exampleTokens");
        var targets = nb.Value<int[]>("exampleTargets");
        int half = nb.Value<int>("exampleHalf");
        for (int i = half; i < tokens.Length; i++) Assert.Equal(tokens[i - half], tokens[i]);
        Assert.Equal(Enumerable.Range(0, tokens.Length).Select(i => i < half ? -1 : tokens[i - half + 1]), targets);

        // The two-layer model copies; its layer-2 head is an induction head; a layer-1 head prefers the previous token.
        var losses = nb.Value<double[]>("twoLog.Select(r => r.Loss).ToArray()");
        Assert.True(losses[0] > 0.9 * chance, $"starts near chance: {losses[0]}");
        Assert.True(nb.Value<double>("last.Loss") < 0.05, $"final loss {nb.Value<double>("last.Loss")}");
        var prefix = nb.Value<double[][]>("last.Prefix");
        var previous = nb.Value<double[][]>("last.Previous");
        int best = nb.Value<int>("bestHead");
        Assert.True(prefix[1][best] > 0.8, $"induction head score {prefix[1][best]}");
        Assert.True(prefix[0].Max() < 0.2, "no layer-1 head is an induction head");
        // Uniform causal attention over about 13 positions puts about 0.2 on the previous one.
        Assert.True(previous[0].Max() > 0.3 && previous[0].Max() > 3 * previous[1].Max(), "a layer-1 head looks at the previous token");
        Assert.InRange(nb.Value<double>("prefixGap"), 0, 1e-15);
        // The by-hand previous-token score of layer 1's head matches the library, and on the example it is well above
        // what uniform causal attention would give (the mean of 1/(i+1), below 0.3 for 13 or more positions).
        Assert.InRange(nb.Value<double>("previousGap"), 0, 1e-15);
        Assert.True(nb.Value<double>("previousByHand") > 0.3, $"previous-token score on the example {nb.Value<double>("previousByHand")}");

        // The loss falls and the score rises at the same steps (the sentence says "together" within 100 steps).
        Assert.InRange(Math.Abs(nb.Value<int>("lossFallsAt") - nb.Value<int>("scoreRisesAt")), 0, 100);

        // The control and the ablation.
        Assert.True(nb.Value<double>("oneLoss") > 20 * nb.Value<double>("last.Loss") && nb.Value<double>("oneLoss") > 0.5, "one layer stays far from zero");
        Assert.True(nb.Value<double>("oneBestPrefix") < 0.5, "one layer has no induction head");
        Assert.True(nb.Value<double>("withoutBoth") > 0.8 * chance, $"without both layer-2 heads: {nb.Value<double>("withoutBoth")}");
        Assert.True(nb.Value<double>("withoutBest") > 10 * nb.Value<double>("last.Loss"), "one induction head off already costs");

        // The shoot-out: encodings with positions learn "3 back" at L; none learns a little; ALiBi wins the recency task at 4L.
        var atL = nb.Value<double[]>("threeBack.Select(r => r.AtL).ToArray()");
        Assert.True(atL[1] > 0.95 && atL[2] > 0.95 && atL[3] > 0.95, "sinusoidal, learned and rotary learn 3 back");
        Assert.InRange(nb.Value<double>("none3.AtL"), 0.15, 0.9);
        var alibi = nb.Value<double[]>("alibiRecency");
        Assert.True(alibi[2] > nb.Value<double>("bestOtherAt64"), "ALiBi keeps the recency task at 4× the trained length");
    }
}

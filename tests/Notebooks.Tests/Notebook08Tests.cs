namespace Notebooks.Tests;

/// <summary>notebooks/08-tools-and-resources.ipynb: the shapes it prints, the flipped PyTorch mask, its errata and exercises.</summary>
public class Notebook08Tests
{
    [Fact]
    public async Task Runs_shows_the_shapes_and_the_polarity_flip_and_keeps_its_exercises_open()
    {
        var nb = await TutorialNotebook.RunAsync("08-tools-and-resources.ipynb",
            "causal", "torchMhaCausal", "single.Output.RowCount", "single.Output.ColumnCount", "single.Weights.ColumnCount",
            "twoHeads.HeadWeights.Count", "twoHeads.Output.ColumnCount");

        // One sequence of 5 tokens of width 8: outputs 5×8, weights 5×5, two heads.
        Assert.Equal(5, nb.Value<int>("single.Output.RowCount"));
        Assert.Equal(8, nb.Value<int>("single.Output.ColumnCount"));
        Assert.Equal(5, nb.Value<int>("single.Weights.ColumnCount"));
        Assert.Equal(2, nb.Value<int>("twoHeads.HeadWeights.Count"));
        Assert.Equal(8, nb.Value<int>("twoHeads.Output.ColumnCount"));
        Assert.Contains("ScaledDotProductAttention.Compute  output 5×8, weights 5×5", nb.Stdout);

        // Ours: key j allowed for query i when j ≤ i; nn.MultiheadAttention's boolean attn_mask blocks exactly j > i.
        var ours = nb.Value<bool[,]>("causal");
        var torch = nb.Value<bool[,]>("torchMhaCausal");
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++)
            {
                Assert.Equal(j <= i, ours[i, j]);
                Assert.Equal(j > i, torch[i, j]);
            }
        Assert.Contains("nn.MultiheadAttention attn_mask:\n. 1 1 1 1 \n", nb.Stdout);

        // The article's misattributions get callouts in the required form.
        Assert.Contains("> **Further erratum · 勘误** (§8.1). The article says: 该论文是注意力机制的奠基之作", nb.Markdown);
        Assert.Contains("> **Further erratum · 勘误** (§8.3). The article says: BERT（Devlin et al., 2019）", nb.Markdown);
        Assert.Contains("> **Further erratum · 勘误** (§8.3). The article says: GPT-3（Brown et al., 2020）", nb.Markdown);

        // No charts; the three exercises show "not yet" as committed.
        Assert.Empty(nb.ChartHtml);
        nb.AssertExercisesNotAnswered(3);
        Assert.Contains(nb.ExerciseVerdicts, v => v.Contains("divides the scores by √16", StringComparison.Ordinal));
    }
}

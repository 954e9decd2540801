namespace Notebooks.Tests;

/// <summary>notebooks/00-start-here.ipynb runs unchanged, computes the softmax it shows and draws its heatmap offline.</summary>
public class StartHereNotebookTests
{
    [Fact]
    public async Task Runs_with_zero_errors_and_its_heatmap_draws_offline()
    {
        var nb = await TutorialNotebook.RunAsync("00-start-here.ipynb",
            "weights", "attention.Weights.ToArray()", "tokens");

        // softmax([2, 1, 0.1]) by hand: e^2, e^1, e^0.1 over their sum.
        var w = nb.Value<double[]>("weights");
        double z = Math.Exp(2) + Math.Exp(1) + Math.Exp(0.1);
        Assert.Equal([Math.Exp(2) / z, Math.Exp(1) / z, Math.Exp(0.1) / z], w, (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Contains("weights [0.6590, 0.2424, 0.0986]   sum = 1.0000", nb.Stdout);

        var a = nb.Value<double[,]>("attention.Weights.ToArray()");
        Assert.Equal(3, a.GetLength(0));
        for (int i = 0; i < 3; i++)
            Approx.Equal(1.0, Enumerable.Range(0, 3).Sum(j => a[i, j]), abs: 4e-15, because: $"row {i}"); // three weights and two additions
        Assert.True(a[1, 2] > a[1, 0] && a[2, 1] > a[2, 0], "cat and sat attend to each other more than to 'the', as the prose says");

        var chart = Assert.Single(nb.ChartHtml);
        foreach (var token in nb.Value<string[]>("tokens")) Assert.Contains($"\"{token}\"", chart);
        Assert.Equal(1, nb.ChartsDrawnInBrowser());
    }
}

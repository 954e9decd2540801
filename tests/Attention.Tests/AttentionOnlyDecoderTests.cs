using Attention.Training;
using static Attention.Tests.TrainingGradientTests;

namespace Attention.Tests;

/// <summary>The attention-only decoder of notebook 12: its backward pass (with and without an ablated head) against
/// central differences, and what ablation does to the forward pass.</summary>
public class AttentionOnlyDecoderTests
{
    private static readonly int[] Tokens = [3, 1, 4, 1, 5, 0, 2, 6];
    private static readonly int[] Targets = [-1, -1, -1, -1, 1, 5, 0, 2];

    [Theory]
    [InlineData(PositionScheme.Learned, -1)]
    [InlineData(PositionScheme.Rotary, -1)]
    [InlineData(PositionScheme.Alibi, -1)]
    [InlineData(PositionScheme.Learned, 1)]
    public void Every_parameter_against_central_differences(PositionScheme positions, int ablatedHead)
    {
        var model = new AttentionOnlyDecoder(new AttentionOnlySettings(7, Layers: 2, Heads: 2, DModel: 8, MaxLength: 8, positions, Seed: 3));
        if (ablatedHead >= 0) model.Layers[1].AblatedHeads.Add(ablatedHead);
        CheckParameters(model.Parameters, () => model.Loss(Tokens, Targets), model.Backward, $"attention-only {positions} ablated {ablatedHead}");
        if (ablatedHead >= 0)
        {
            // With head 1 of layer 2 off, that head's columns of Wq and Wk get no gradient (its weights reach nothing);
            // the other head's columns do, and the whole matrix still matches central differences.
            foreach (var p in model.Parameters) p.ZeroGradient();
            model.Loss(Tokens, Targets);
            model.Backward();
            var wq = model.Layers[1].Wq;
            for (int r = 0; r < 8; r++)
                for (int c = 4; c < 8; c++) Assert.Equal(0.0, wq.Gradient[r, c]);
            var analytic = (double[])wq.Gradient.Data.Clone();
            var numeric = Numeric(() => model.Loss(Tokens, Targets), wq.Value.Data);
            Approx.Equal(numeric, analytic, abs: 1e-8, because: "Wq of the layer with an ablated head");
        }
    }

    [Fact]
    public void An_ablated_head_contributes_nothing_and_clearing_restores_the_model()
    {
        var model = new AttentionOnlyDecoder(new AttentionOnlySettings(7, Layers: 2, Heads: 2, DModel: 8, MaxLength: 8, Seed: 4));
        var before = model.Forward(Tokens).Data.ToArray();
        model.Layers[0].AblatedHeads.Add(0);
        var ablated = model.Forward(Tokens).Data.ToArray();
        Assert.NotEqual(before, ablated);
        // Zeroing the head's rows of Wo has the same effect as ablating it.
        model.Layers[0].AblatedHeads.Clear();
        Assert.Equal(before, model.Forward(Tokens).Data);
        var wo = model.Layers[0].Wo.Value;
        for (int r = 0; r < 4; r++) for (int c = 0; c < 8; c++) wo[r, c] = 0;
        Approx.Equal(ablated, model.Forward(Tokens).Data, abs: 1e-14, rel: 1e-12, because: "Wo rows of head 0 zeroed");
    }

    [Fact]
    public void Too_long_inputs_for_a_learned_table_are_refused()
    {
        var model = new AttentionOnlyDecoder(new AttentionOnlySettings(7, MaxLength: 4));
        Assert.Contains("MaxLength", Assert.Throws<ArgumentException>(() => model.Forward([1, 2, 3, 4, 5])).Message);
    }
}

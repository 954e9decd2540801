using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

public class DenseLayerTests
{
    [Fact]
    public void Forward_is_x_times_w_plus_bias_worked_by_hand()
    {
        // x = [[1, 2], [−1, 0]], W = [[1, 0, −1], [2, 1, 0]], b = [0.5, −1, 0]
        // row 0: [1·1 + 2·2, 1·0 + 2·1, 1·(−1) + 2·0] + b = [5.5, 1, −1]
        // row 1: [−1, 0, 1] + b = [−0.5, −1, 1]
        var w = M(new double[,] { { 1, 0, -1 }, { 2, 1, 0 } });
        var b = Vector<double>.Build.Dense([0.5, -1, 0]);
        var x = M(new double[,] { { 1, 2 }, { -1, 0 } });
        Close(M(new double[,] { { 5.5, 1, -1 }, { -0.5, -1, 1 } }), new DenseLayer(w, b).Forward(x), 0);
        Close(M(new double[,] { { 5.5, 1, 0 }, { 0, 0, 1 } }), new DenseLayer(w, b, DenseActivation.Relu).Forward(x), 0);
    }

    [Fact]
    public void Each_token_is_transformed_on_its_own()
    {
        var layer = DenseLayer.Random(4, 3, seed: 5, DenseActivation.Relu);
        var x = M(3, 4, RandomArray(new Random(1), 12, 2));
        var all = layer.Forward(x);
        for (int r = 0; r < 3; r++)
            Close(all.SubMatrix(r, 1, 0, 3), layer.Forward(x.SubMatrix(r, 1, 0, 4)), 1e-15, $"row {r}");
    }

    [Fact]
    public void Random_uses_glorot_weights_from_the_seed_and_a_zero_bias()
    {
        var layer = DenseLayer.Random(16, 8, seed: 3);
        Close(Init.Glorot(16, 8, 3), layer.Weights, 0);
        Assert.All(layer.Bias, v => Assert.Equal(0.0, v));
        Assert.Equal((16, 8), (layer.Inputs, layer.Outputs));
        Assert.Equal(DenseActivation.None, layer.Activation);
    }

    [Fact]
    public void Relu_keeps_positives_and_nan_and_zeroes_the_rest()
    {
        var r = DenseLayer.Relu(M(1, 4, [-2, 0, 3, double.NaN]));
        Assert.Equal(0.0, r[0, 0]);
        Assert.Equal(0.0, r[0, 1]);
        Assert.Equal(3.0, r[0, 2]);
        Assert.True(double.IsNaN(r[0, 3]));
    }

    [Fact]
    public void The_layer_keeps_copies_of_its_weights()
    {
        var w = M(new double[,] { { 1 } });
        var b = Vector<double>.Build.Dense([0.0]);
        var layer = new DenseLayer(w, b);
        w[0, 0] = 9; b[0] = 9;
        Assert.Equal(1.0, layer.Weights[0, 0]);
        Assert.Equal(0.0, layer.Bias[0]);
    }

    [Fact]
    public void Bad_shapes_name_the_shapes()
    {
        var layer = DenseLayer.Random(4, 3, 1);
        Throws<ArgumentException>(() => layer.Forward(M(2, 5, new double[10])), "2×5", "4×3", "4 columns");
        Throws<ArgumentException>(() => new DenseLayer(M(2, 3, new double[6]), Vector<double>.Build.Dense(2)), "2×3", "2 entries", "(3)");
        Throws<ArgumentException>(() => new DenseLayer(M(0, 3, []), Vector<double>.Build.Dense(3)), "0×3");
        Assert.Throws<ArgumentNullException>(() => layer.Forward(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DenseLayer(M(1, 1, [1]), Vector<double>.Build.Dense(1), (DenseActivation)7));
    }
}

using MathNet.Numerics.LinearAlgebra;

namespace Attention.Tests;

/// <summary>Each checker of notebook 08 says correct for a right answer and "not yet" with its hint for a wrong one.</summary>
public class ToolsExercisesTests
{
    [Fact]
    public void Key_padding_conversion()
    {
        var right = ToolsExercises.CheckKeyPaddingConversion((pad, queries) =>
        {
            var mask = new bool[queries, pad.Length];
            for (int i = 0; i < queries; i++)
                for (int j = 0; j < pad.Length; j++) mask[i, j] = !pad[j];
            return mask;
        });
        Assert.True(right.Correct, right.Message);

        var samePolarity = ToolsExercises.CheckKeyPaddingConversion((pad, queries) =>
        {
            var mask = new bool[queries, pad.Length];
            for (int i = 0; i < queries; i++)
                for (int j = 0; j < pad.Length; j++) mask[i, j] = pad[j];
            return mask;
        });
        Assert.False(samePolarity.Correct);
        Assert.Contains("entry [0, 0] is False but key 0 is real", samePolarity.Message);
        Assert.Contains("Hint: PyTorch's flag answers", samePolarity.Message);

        var transposed = ToolsExercises.CheckKeyPaddingConversion((pad, queries) => new bool[pad.Length, queries]);
        Assert.Contains("expected 2×3 ([queries, keys])", transposed.Message);
        Assert.Contains("not written yet", ToolsExercises.CheckKeyPaddingConversion((_, _) => throw new NotImplementedException()).Message);
    }

    [Fact]
    public void Keras_attention()
    {
        var right = ToolsExercises.CheckKerasAttention((query, value, key) => Softmax.Rows(Scores.Dot(query, key)) * value);
        Assert.True(right.Correct, right.Message);

        var scaled = ToolsExercises.CheckKerasAttention((query, value, key) => ScaledDotProductAttention.Compute(query, key, value).Output);
        Assert.False(scaled.Correct);
        Assert.Contains("divides the scores by √16", scaled.Message);

        // key and value swapped: value is 5×4, so Q·valueᵀ fails on shape, and the guard turns it into a hint
        var swapped = ToolsExercises.CheckKerasAttention((query, value, key) => Softmax.Rows(Scores.Dot(query, value)) * key);
        Assert.False(swapped.Correct);
        Assert.Contains("threw ArgumentException", swapped.Message);
    }

    [Fact]
    public void Sequence_first_extraction()
    {
        var right = ToolsExercises.CheckSequenceFirstExtraction((data, l, n, e, b) =>
            Matrix<double>.Build.Dense(l, e, (t, f) => data[t * n * e + b * e + f]));
        Assert.True(right.Correct, right.Message);

        // read as if batch-first (N, L, E)
        var batchFirst = ToolsExercises.CheckSequenceFirstExtraction((data, l, n, e, b) =>
            Matrix<double>.Build.Dense(l, e, (t, f) => data[b * l * e + t * e + f]));
        Assert.False(batchFirst.Correct);
        Assert.Contains("Hint: in (L, N, E) the batch index is the middle one", batchFirst.Message);
    }
}

using MathNet.Numerics.LinearAlgebra;

namespace Attention.Tests;

public class ExerciseGradeTests
{
    [Fact]
    public void Values_say_correct_or_name_the_first_wrong_entry_and_give_the_hint()
    {
        Assert.True(Grade.Values("softmax", [0.5, 0.5], [0.5, 0.5 + 1e-9], "h").Correct);
        var wrong = Grade.Values("softmax", [0.5, 0.5], [0.5, 0.7], "divide by the sum");
        Assert.False(wrong.Correct);
        Assert.Equal("❌ not yet: softmax (entry 1 is 0.7, expected 0.5). Hint: divide by the sum", wrong.Message);
        Assert.Contains("has 1 numbers, the right one has 2", Grade.Values("s", [1, 2], [1], "h").Message);
        Assert.Contains("null", Grade.Values("s", [1], null, "h").Message);
        Assert.Equal("✅ correct: s", Grade.Values("s", [1], [1], "h").ToString());
    }

    [Fact]
    public void Matrix_checks_shape_then_entries()
    {
        var a = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 2 }, { 3, 4 } });
        Assert.True(Grade.Matrix("m", a, a.Clone(), "h").Correct);
        Assert.Contains("your matrix is 2×1, expected 2×2", Grade.Matrix("m", a, a.SubMatrix(0, 2, 0, 1), "h").Message);
        var b = a.Clone(); b[1, 0] = 9;
        Assert.Contains("entry [1, 0] is 9, expected 3", Grade.Matrix("m", a, b, "h").Message);
    }

    [Fact]
    public void Value_tolerance_is_relative_for_big_numbers_and_NaN_is_never_close()
    {
        Assert.True(Grade.Value("x", 1e9, 1e9 + 1, "h").Correct);
        Assert.False(Grade.Value("x", 1.0, 1.01, "h").Correct);
        Assert.False(Grade.Value("x", 1.0, double.NaN, "h").Correct);
        Assert.True(Grade.Value("x", double.PositiveInfinity, double.PositiveInfinity, "h").Correct);
    }

    [Fact]
    public void Guard_turns_a_learner_exception_into_a_hint()
    {
        var r = Grade.Guard("scores", () => throw new NotImplementedException(), "use Q·Kᵀ");
        Assert.Equal("❌ not yet: scores (not written yet (it throws NotImplementedException)). Hint: use Q·Kᵀ", r.Message);
        Assert.Contains("your code threw IndexOutOfRangeException", Grade.Guard("s", () => throw new IndexOutOfRangeException("i"), "h").Message);
        Assert.True(Grade.Guard("s", () => Grade.That(true, "s", "h"), "h").Correct);
    }
}

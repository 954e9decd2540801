using MathNet.Numerics.LinearAlgebra;

namespace Attention.Tests;

public class ApplicationsExercisesTests
{
    private static readonly Lexicon Lex = Applications.LoadLexicon();

    [Fact]
    public void Pooling_query_along_negative_is_correct_and_along_tech_is_not()
    {
        Assert.True(ApplicationsExercises.CheckPoolingQuery(Lex.Direction(("negative", 6.0))).Correct);

        var tech = ApplicationsExercises.CheckPoolingQuery(Lex.Direction(("tech", 6.0)));
        Assert.False(tech.Correct);
        Assert.Contains("the most goes to 'app'", tech.Message);
        Assert.Contains("Hint: which feature does 'crashed' have", tech.Message);

        var tooSoft = ApplicationsExercises.CheckPoolingQuery(Lex.Direction(("negative", 0.5)));
        Assert.False(tooSoft.Correct);

        Assert.Contains("11 features", ApplicationsExercises.CheckPoolingQuery(Vector<double>.Build.Dense(3)).Message);
        Assert.Contains("null", ApplicationsExercises.CheckPoolingQuery(null).Message);
    }

    [Fact]
    public void Peak_span_grader_checks_several_weight_lists()
    {
        Assert.True(ApplicationsExercises.CheckPeakSpan(w => SpanReader.PeakSpan(w)).Correct);

        var peakOnly = ApplicationsExercises.CheckPeakSpan(w => { int i = Array.IndexOf(w, w.Max()); return (i, i); });
        Assert.False(peakOnly.Correct);
        Assert.Contains("you give (1, 1), expected (1, 2)", peakOnly.Message);

        var outOfRange = ApplicationsExercises.CheckPeakSpan(w =>
        {
            int i = Array.IndexOf(w, w.Max()), e = i;
            while (w[e + 1] >= w[i] / 2) e++; // runs off the end
            return (i, e);
        });
        Assert.False(outOfRange.Correct);
        Assert.Contains("IndexOutOfRangeException", outOfRange.Message);
    }

    [Fact]
    public void Causal_mask_grader_tells_a_strict_triangle_and_an_upper_triangle_apart()
    {
        static bool[,] Build(int n, Func<int, int, bool> allowed)
        {
            var m = new bool[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) m[i, j] = allowed(i, j);
            return m;
        }
        Assert.True(ApplicationsExercises.CheckCausalMask(n => Build(n, (i, j) => j <= i)).Correct);
        Assert.Contains("may not attend to itself", ApplicationsExercises.CheckCausalMask(n => Build(n, (i, j) => j < i)).Message);
        Assert.Contains("may see the later key", ApplicationsExercises.CheckCausalMask(n => Build(n, (i, j) => j >= i)).Message);
        Assert.Contains("may not see the earlier key", ApplicationsExercises.CheckCausalMask(n => Build(n, (i, j) => i == j)).Message);
        Assert.Contains("for n = 1 your mask is 1×2", ApplicationsExercises.CheckCausalMask(n => new bool[n, n + 1]).Message);
        Assert.Contains("NotImplementedException", ApplicationsExercises.CheckCausalMask(n => throw new NotImplementedException()).Message);
    }
}

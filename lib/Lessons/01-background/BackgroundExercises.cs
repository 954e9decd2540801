using MathNet.Numerics.LinearAlgebra;
using Vector = MathNet.Numerics.LinearAlgebra.Vector<double>;

using Attention;

namespace Lessons;

/// <summary>
/// Checkers for the exercises of notebook 01 (background): look a vector up in a vocabulary, run the
/// recurrent summary, and decode one token back out of it. Each compares the learner's function with
/// <see cref="BackgroundDemo"/> on a hand-worked case and on seeded random cases.
/// </summary>
public static class BackgroundExercises
{
    /// <summary>Checks a function that returns the index of the vocabulary row most similar to a vector.</summary>
    /// <param name="mostSimilar">The learner's function: (vocabulary <c>[size, width]</c> with unit-length rows, vector) → row index.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckMostSimilar(Func<Matrix<double>, Vector, int> mostSimilar)
    {
        ArgumentNullException.ThrowIfNull(mostSimilar);
        const string what = "most similar vocabulary row";
        const string hint = "the rows have length 1, so take the dot product of v with every row and return the index of the largest (Row(r).DotProduct(v))";
        return Grade.Guard(what, () =>
        {
            var hand = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, 1 }, { -1, 0 } });
            var cases = new List<(Matrix<double> Vocabulary, Vector V)>
            {
                (hand, Vector.Build.DenseOfArray([-2.0, 0.5])),  // long vector: pick by direction, not by size
                (hand, Vector.Build.DenseOfArray([0.2, 0.9])),
            };
            for (int seed = 1; seed <= 5; seed++)
                cases.Add((BackgroundDemo.RandomVocabulary(20, 6, seed), Init.Normal(1, 6, 100 + seed).Row(0)));
            foreach (var (vocabulary, v) in cases)
            {
                int expected = BackgroundDemo.MostSimilar(vocabulary, v);
                int actual = mostSimilar(vocabulary, v);
                if (actual != expected)
                    return Grade.Fail(what, $"for v = {Show(v)} you chose row {actual}, but row {expected} is more similar", hint);
            }
            return Grade.Pass(what);
        }, hint);
    }

    /// <summary>Checks a function that runs the recurrence <c>h_t = h_{t−1}·R + x_t</c> from <c>h₀ = 0</c> and returns the final state.</summary>
    /// <param name="recurrentState">The learner's function: (tokens <c>[n, width]</c>, R <c>[width, width]</c>) → final state.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckRecurrentState(Func<Matrix<double>, Matrix<double>, Vector> recurrentState)
    {
        ArgumentNullException.ThrowIfNull(recurrentState);
        const string what = "recurrent state";
        const string hint = "start from a zero vector as wide as one token, then for every row x_t of the tokens set h = h * R + x_t; return h";
        return Grade.Guard(what, () =>
        {
            foreach (var (tokens, rotation) in RecurrenceCases())
            {
                var expected = BackgroundDemo.RecurrentState(tokens, rotation);
                var check = Grade.Values(what, expected.ToArray(), recurrentState(tokens, rotation)?.ToArray(), hint, 1e-9);
                if (!check.Correct) return check;
            }
            return Grade.Pass(what);
        }, hint);
    }

    /// <summary>Checks a function that undoes the rotations to guess token <c>position</c> from the final state.</summary>
    /// <param name="decode">The learner's function: (state, R, position, length) → the guess of token <c>position</c>.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckDecode(Func<Vector, Matrix<double>, int, int, Vector> decode)
    {
        ArgumentNullException.ThrowIfNull(decode);
        const string what = "decoded token";
        const string hint = "token p went through length − 1 − p steps of h·R after it was added; undo each with h·Rᵀ (R is a rotation, so Rᵀ is its inverse)";
        return Grade.Guard(what, () =>
        {
            foreach (var (tokens, rotation) in RecurrenceCases())
            {
                var state = BackgroundDemo.RecurrentState(tokens, rotation);
                for (int p = 0; p < tokens.RowCount; p++)
                {
                    var expected = BackgroundDemo.DecodeRecurrentState(state, rotation, p, tokens.RowCount);
                    var check = Grade.Values($"{what} at position {p} of {tokens.RowCount}", expected.ToArray(),
                        decode(state, rotation, p, tokens.RowCount)?.ToArray(), hint, 1e-9);
                    if (!check.Correct) return check;
                }
            }
            return Grade.Pass(what);
        }, hint);
    }

    /// <summary>A hand-worked case (a quarter turn in 2-d) and seeded random ones.</summary>
    private static IEnumerable<(Matrix<double> Tokens, Matrix<double> Rotation)> RecurrenceCases()
    {
        yield return (Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, 1 } }),
                      Matrix<double>.Build.DenseOfArray(new double[,] { { 0, 1 }, { -1, 0 } }));
        for (int seed = 1; seed <= 3; seed++)
            yield return (Init.Normal(2 + seed, 5, seed), BackgroundDemo.RandomRotation(5, 50 + seed));
    }

    private static string Show(Vector v) =>
        "[" + string.Join(", ", v.Select(x => x.ToString("G3", System.Globalization.CultureInfo.InvariantCulture))) + "]";
}

using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>
/// Checkers for the exercises of notebook 03 (核心算法原理 · the algorithm): scaled dot-product scores,
/// one entry of the sinusoidal positional encoding, and one additive (Bahdanau) score. Each runs the
/// learner's function on fixed inputs, compares it with the library, and names the usual mistake.
/// </summary>
public static class AlgorithmExercises
{
    private const string ScoresTask = "scaled dot-product scores Q·Kᵀ/√d_k";
    private const string ScoresHint =
        "entry (i, j) is query row i dotted with key row j, divided by √d_k, where d_k is the number of columns of Q; " +
        "in MathNet a matrix product is *, and .Transpose() swaps rows and columns";

    /// <summary>
    /// Exercise 1: <paramref name="scores"/> takes Q <c>[n, d_k]</c> and K <c>[m, d_k]</c> and must return the
    /// <c>[n, m]</c> scaled scores <c>Q·Kᵀ/√d_k</c>.
    /// </summary>
    /// <param name="scores">The learner's function.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult ScaledScores(Func<Matrix<double>, Matrix<double>, Matrix<double>> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        return Grade.Guard(ScoresTask, () =>
        {
            var q = Init.Normal(3, 4, seed: 301);
            var k = Init.Normal(5, 4, seed: 302);
            var answer = scores(q.Clone(), k.Clone());
            if (Same(answer, Scores.Dot(q, k)))
                return Grade.Fail(ScoresTask, "these are the unscaled scores Q·Kᵀ, the article's formula",
                    "divide every score by √d_k (here √4 = 2), as Vaswani et al. do");
            if (Same(answer, Scores.ScaledDot(k, q)))
                return Grade.Fail(ScoresTask, "your matrix is K·Qᵀ/√d_k, the transpose",
                    "rows are queries and columns are keys: Q·Kᵀ, not K·Qᵀ");
            return Grade.Matrix(ScoresTask, Scores.ScaledDot(q, k), answer, ScoresHint, 1e-9);
        }, ScoresHint);
    }

    private const string EncodingTask = "the sinusoidal positional encoding PE[pos, column]";
    private const string EncodingHint =
        "columns 2i and 2i+1 share one angle, pos / 10000^(2i / dModel): work out i from the column first; " +
        "even columns are sines of that angle, odd columns cosines";

    /// <summary>
    /// Exercise 2: <paramref name="encoding"/> takes (pos, column, dModel) and must return the Transformer's
    /// <c>PE[pos, column]</c> (base 10000): sin for even columns, cos for odd, both columns of a pair at the same frequency.
    /// </summary>
    /// <param name="encoding">The learner's function.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult SinusoidalEntry(Func<int, int, int, double> encoding)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        return Grade.Guard(EncodingTask, () =>
        {
            const int positions = 50, dModel = 16;
            var expected = PositionalEncoding.Sinusoidal(positions, dModel);
            var answer = Matrix<double>.Build.Dense(positions, dModel, (p, c) => encoding(p, c, dModel));
            if (Same(answer, PositionalEncoding.Sinusoidal(positions, dModel, 1000)))
                return Grade.Fail(EncodingTask, "you used base 1000, as the article does", "the Transformer's base is 10000");
            var swapped = Matrix<double>.Build.Dense(positions, dModel, (p, c) => expected[p, c ^ 1]);
            if (Same(answer, swapped))
                return Grade.Fail(EncodingTask, "sine and cosine are swapped", "even columns (0, 2, 4 …) are sines, odd columns cosines");
            return Grade.Matrix(EncodingTask, expected, answer, EncodingHint, 1e-9);
        }, EncodingHint);
    }

    private const string AdditiveTask = "the additive (Bahdanau) score vᵀ tanh(W_q q + W_k k)";
    private const string AdditiveHint =
        "map q and k into the hidden size with their own matrices, add the two, apply tanh to every entry, " +
        "then take the dot product with v";

    /// <summary>
    /// Exercise 3: <paramref name="score"/> takes (q, k, W_q, W_k, v), with q of size d_q, k of size d_k,
    /// W_q <c>[h, d_q]</c>, W_k <c>[h, d_k]</c> and v of size h, and must return the single number
    /// <c>vᵀ tanh(W_q q + W_k k)</c>.
    /// </summary>
    /// <param name="score">The learner's function.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult AdditiveScore(
        Func<Vector<double>, Vector<double>, Matrix<double>, Matrix<double>, Vector<double>, double> score)
    {
        ArgumentNullException.ThrowIfNull(score);
        return Grade.Guard(AdditiveTask, () =>
        {
            for (int trial = 0; trial < 3; trial++)
            {
                var q = Init.Normal(1, 3, seed: 310 + trial);
                var k = Init.Normal(1, 4, seed: 320 + trial);
                var wq = Init.Normal(5, 3, seed: 330 + trial);
                var wk = Init.Normal(5, 4, seed: 340 + trial);
                var v = Init.Normal(1, 5, seed: 350 + trial).Row(0);
                double expected = Scores.Additive(q, k, wq, wk, v)[0, 0];
                double answer = score(q.Row(0), k.Row(0), wq.Clone(), wk.Clone(), v.Clone());
                double withoutTanh = v * (wq * q.Row(0) + wk * k.Row(0));
                if (Math.Abs(answer - withoutTanh) < 1e-9 && Math.Abs(expected - withoutTanh) > 1e-6)
                    return Grade.Fail(AdditiveTask, "the tanh is missing, so your score is linear in q and k",
                        "apply tanh to W_q q + W_k k before the dot product with v");
                var result = Grade.Value(AdditiveTask, expected, answer, AdditiveHint, 1e-9);
                if (!result.Correct) return result;
            }
            return Grade.Pass(AdditiveTask);
        }, AdditiveHint);
    }

    private static bool Same(Matrix<double>? a, Matrix<double> b)
    {
        if (a is null || a.RowCount != b.RowCount || a.ColumnCount != b.ColumnCount) return false;
        for (int i = 0; i < b.RowCount; i++)
            for (int j = 0; j < b.ColumnCount; j++)
                if (!(Math.Abs(a[i, j] - b[i, j]) <= 1e-9 * Math.Max(1.0, Math.Abs(b[i, j])))) return false;
        return true;
    }
}

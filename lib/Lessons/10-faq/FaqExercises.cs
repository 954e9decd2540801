using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>
/// Checkers for the exercises of notebook 10 (the FAQ): how many scores a sliding window keeps, the sinusoidal
/// encoding of any position, and attention weights computed from learned projections.
/// </summary>
public static class FaqExercises
{
    /// <summary>
    /// Checks a count of the (query, key) pairs a non-causal sliding window of half-width <c>window</c> allows over
    /// <c>n</c> tokens, i.e. the number of true entries of <see cref="Masks.SlidingWindow(int, int, bool)"/>.
    /// </summary>
    /// <param name="count">The learner's function: (n, window) → number of allowed pairs.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckSlidingWindowCount(Func<int, int, long> count)
    {
        ArgumentNullException.ThrowIfNull(count);
        const string what = "scores kept by a sliding window";
        const string hint = "a query in the middle sees 2·window + 1 keys, but near either end some of those keys do not exist; " +
                            "count what the first and last `window` queries lose (and a window ≥ n − 1 keeps all n² pairs)";
        return Grade.Guard(what, () =>
        {
            foreach (var (n, w) in new[] { (8, 1), (8, 0), (10, 3), (7, 6), (5, 9), (1, 2), (100, 10), (33, 16) })
            {
                var mask = Masks.SlidingWindow(n, w, causal: false);
                long expected = mask.Cast<bool>().LongCount(allowed => allowed);
                long actual = count(n, w);
                if (actual != expected)
                    return Grade.Fail(what, $"for n = {n}, window = {w} you have {actual}, but the mask allows {expected}", hint);
            }
            return Grade.Pass(what);
        }, hint);
    }

    /// <summary>Checks the sinusoidal encoding of one position, at positions far beyond any table the notebook builds.</summary>
    /// <param name="encode">The learner's function: (position, dModel) → the row <c>PE[position]</c>, dModel values.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckSinusoidalRow(Func<int, int, double[]> encode)
    {
        ArgumentNullException.ThrowIfNull(encode);
        const string what = "sinusoidal encoding of one position";
        const string hint = "column c uses i = c / 2 (integer division) and the angle position / 10000^(2i / dModel); even columns take its sine, odd columns its cosine";
        return Grade.Guard(what, () =>
        {
            foreach (var (pos, d) in new[] { (0, 4), (1, 4), (7, 6), (1000, 8), (5000, 16) })
            {
                var expected = PositionalEncoding.Sinusoidal(pos + 1, d).Row(pos).ToArray();
                var check = Grade.Values($"{what} (position {pos}, d_model {d})", expected, encode(pos, d), hint, 1e-9);
                if (!check.Correct) return check;
            }
            return Grade.Pass(what);
        }, hint);
    }

    /// <summary>
    /// Checks attention weights computed from an input and two learned projections:
    /// <c>softmax((X·W_q)·(X·W_k)ᵀ / √d_k)</c>, row by row, with <c>d_k</c> the width of the projections.
    /// </summary>
    /// <param name="weights">The learner's function: (X <c>[n, d]</c>, W_q <c>[d, d_k]</c>, W_k <c>[d, d_k]</c>) → weights <c>[n, n]</c>.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckWeightsFromProjections(Func<Matrix<double>, Matrix<double>, Matrix<double>, Matrix<double>> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        const string what = "attention weights from the projections";
        const string hint = "Q = X·W_q and K = X·W_k; scores = Q·Kᵀ / √d_k with d_k = W_q.ColumnCount; then softmax each row (Softmax.Rows)";
        return Grade.Guard(what, () =>
        {
            for (int seed = 1; seed <= 3; seed++)
            {
                var x = Init.Normal(3 + seed, 6, seed);
                var wq = Init.Glorot(6, 4, 10 + seed);
                var wk = Init.Glorot(6, 4, 20 + seed);
                var k = x * wk;
                var expected = ScaledDotProductAttention.Compute(x * wq, k, k).Weights;
                var check = Grade.Matrix(what, expected, weights(x.Clone(), wq.Clone(), wk.Clone()), hint, 1e-9);
                if (!check.Correct) return check;
            }
            return Grade.Pass(what);
        }, hint);
    }
}

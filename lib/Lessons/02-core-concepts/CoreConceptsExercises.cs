using MathNet.Numerics.LinearAlgebra;
using Vector = MathNet.Numerics.LinearAlgebra.Vector<double>;

using Attention;

namespace Lessons;

/// <summary>
/// Checkers for the exercises of notebook 02 (core concepts): the weighted average, the weights of one query,
/// and predicting attention's output for a shuffled sequence without running attention again.
/// </summary>
public static class CoreConceptsExercises
{
    /// <summary>Checks a weighted average of value rows: <c>Σ_j weights[j] · values.Row(j)</c>.</summary>
    /// <param name="weightedAverage">The learner's function: (weights, values <c>[n, d]</c>) → the mix, length d.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckWeightedAverage(Func<double[], Matrix<double>, Vector> weightedAverage)
    {
        ArgumentNullException.ThrowIfNull(weightedAverage);
        const string what = "weighted average of the values";
        const string hint = "start from a zero vector as wide as one value and add weights[j] * values.Row(j) for every j (or: the weights as a row vector times the values)";
        return Grade.Guard(what, () =>
        {
            var cases = new List<(double[] W, Matrix<double> V)>
            {
                ([0.5, 0.25, 0.25], Matrix<double>.Build.DenseOfArray(new double[,] { { 2, 0 }, { 0, 4 }, { 4, 4 } })), // = [2, 2]
            };
            for (int seed = 1; seed <= 3; seed++)
            {
                var v = Init.Normal(3 + seed, 4, seed);
                cases.Add((Softmax.Of(Init.Normal(1, v.RowCount, 20 + seed).Row(0).ToArray()), v));
            }
            foreach (var (w, v) in cases)
            {
                var expected = Vector.Build.DenseOfArray(w) * v;
                var check = Grade.Values(what, expected.ToArray(), weightedAverage((double[])w.Clone(), v.Clone())?.ToArray(), hint, 1e-9);
                if (!check.Correct) return check;
            }
            return Grade.Pass(what);
        }, hint);
    }

    /// <summary>Checks the attention weights of one query over the keys: <c>softmax(K·q / √d)</c>.</summary>
    /// <param name="queryWeights">The learner's function: (query, length d; keys <c>[n, d]</c>) → n weights.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckQueryWeights(Func<Vector, Matrix<double>, double[]> queryWeights)
    {
        ArgumentNullException.ThrowIfNull(queryWeights);
        const string what = "weights of one query";
        const string hint = "score key j with q·k_j / √d (d = the length of q), then softmax: e^(s_j) divided by the sum of all e^(s_i)";
        return Grade.Guard(what, () =>
        {
            var cases = new List<(Vector Q, Matrix<double> K)>
            {
                (Vector.Build.DenseOfArray([1.0, 1.0]), Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 1 }, { 1, -1 }, { 0, 0 } })),
            };
            for (int seed = 1; seed <= 3; seed++)
                cases.Add((Init.Normal(1, 8, 40 + seed).Row(0), Init.Normal(4 + seed, 8, seed)));
            foreach (var (q, k) in cases)
            {
                var expected = ScaledDotProductAttention.Compute(q.ToRowMatrix(), k, k).Weights.Row(0).ToArray();
                var check = Grade.Values(what, expected, queryWeights(q.Clone(), k.Clone()), hint, 1e-9);
                if (!check.Correct) return check;
            }
            return Grade.Pass(what);
        }, hint);
    }

    /// <summary>
    /// Checks a prediction of self-attention's output for a shuffled sequence, made from the output for the
    /// original order alone: it must equal <c>attention(PermuteRows(x, perm))</c>.
    /// </summary>
    /// <param name="predictShuffled">The learner's function: (outputs for the original order <c>[n, d]</c>, permutation) → outputs for the shuffled order.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckShuffledOutputs(Func<Matrix<double>, int[], Matrix<double>> predictShuffled)
    {
        ArgumentNullException.ThrowIfNull(predictShuffled);
        const string what = "outputs for the shuffled sequence";
        const string hint = "attention without positions is permutation-equivariant: the outputs are the original outputs, shuffled the same way as the tokens (row i of the new output is row perm[i] of the old)";
        return Grade.Guard(what, () =>
        {
            for (int seed = 1; seed <= 3; seed++)
            {
                var x = Init.Normal(3 + 2 * seed, 4, seed);
                var perm = PermutationEquivariance.RandomPermutation(x.RowCount, 60 + seed);
                var outputs = ScaledDotProductAttention.Compute(x).Output;
                var expected = ScaledDotProductAttention.Compute(PermutationEquivariance.PermuteRows(x, perm)).Output;
                var check = Grade.Matrix(what, expected, predictShuffled(outputs.Clone(), (int[])perm.Clone()), hint, 1e-9);
                if (!check.Correct) return check;
            }
            return Grade.Pass(what);
        }, hint);
    }
}

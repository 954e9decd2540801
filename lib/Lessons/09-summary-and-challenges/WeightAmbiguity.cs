using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>
/// Why attention weights are not an explanation, in numbers: the output <c>o = Σ_j α_j v_j</c> does not pin
/// the weights down. Whenever there are more keys than independent directions in the values (n keys,
/// values of rank r, and n &gt; r + 1), other weight vectors on the simplex give exactly the same output,
/// some of them with a different "most attended" key.
/// </summary>
public static class WeightAmbiguity
{
    /// <summary>
    /// Another weight vector with the same output: <c>α' = α + t·δ</c>, where <c>δ</c> is the projection of
    /// "more weight on <paramref name="favouredKey"/>" onto the directions that change neither the output
    /// (<c>Σ δ_j v_j = 0</c>) nor the total (<c>Σ δ_j = 0</c>), and <c>t</c> is <paramref name="stepFraction"/> of the
    /// largest step that keeps every weight ≥ 0.
    /// </summary>
    /// <param name="weights">One query's weights α (non-negative, summing to 1), one per key.</param>
    /// <param name="values">The values <c>[keys, d_v]</c>.</param>
    /// <param name="favouredKey">The key to move weight onto.</param>
    /// <param name="stepFraction">How far to go, in (0, 1]: 1 reaches the edge of the simplex (some weight
    /// becomes exactly 0, i.e. a score of −∞); below 1 every weight stays positive, so the new weights are
    /// the softmax of finite scores (<c>log α'</c>).</param>
    /// <returns>The new weights: same output, same sum, different pattern.</returns>
    /// <exception cref="ArgumentException">Shapes disagree, the weights are not a distribution, or the output
    /// determines the weights uniquely (no such direction exists).</exception>
    public static double[] SameOutputWeights(IReadOnlyList<double> weights, Matrix<double> values, int favouredKey, double stepFraction = 0.9)
    {
        Check.NotNull(weights, nameof(weights));
        Check.NotNull(values, nameof(values));
        int n = weights.Count;
        if (values.RowCount != n)
            throw new ArgumentException($"There are {n} weights but the values are {Check.Shape(values)}: give one value row per key.", nameof(values));
        if (favouredKey < 0 || favouredKey >= n)
            throw new ArgumentOutOfRangeException(nameof(favouredKey), favouredKey, $"favouredKey must be between 0 and {n - 1}, but it is {favouredKey}.");
        if (!(stepFraction > 0 && stepFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(stepFraction), stepFraction, $"stepFraction must be in (0, 1], but it is {stepFraction}.");
        if (weights.Any(w => !(w >= 0)) || Math.Abs(weights.Sum() - 1) > 1e-9)
            throw new ArgumentException("The weights must be non-negative and sum to 1 (one query's softmax output).", nameof(weights));

        // A = [Vᵀ; 1ᵀ]: the weight directions δ with A·δ = 0 change neither the output nor the sum.
        var a = Matrix<double>.Build.Dense(values.ColumnCount + 1, n, (r, j) => r < values.ColumnCount ? values[j, r] : 1.0);
        var favoured = Vector<double>.Build.Dense(n, j => j == favouredKey ? 1.0 : 0.0);
        var delta = favoured - a.PseudoInverse() * (a * favoured); // projection onto the null space of A
        if (delta.InfinityNorm() < 1e-10)
            throw new ArgumentException(
                $"With these {n} keys and values {Check.Shape(values)}, the output and the sum fix the weight of key {favouredKey}: " +
                "no other weights give the same output while moving weight onto it. Ambiguity needs more keys than independent value directions + 1.",
                nameof(values));

        double tMax = double.PositiveInfinity;
        for (int j = 0; j < n; j++)
            if (delta[j] < -1e-15) tMax = Math.Min(tMax, weights[j] / -delta[j]);
        if (!(tMax > 0) || double.IsInfinity(tMax))
            throw new ArgumentException(
                "A key that the move would take weight from already has weight 0, so the weights cannot move while staying ≥ 0. " +
                "Pass weights that are all positive, such as a softmax of finite scores.", nameof(weights));
        double t = stepFraction * tMax;
        var result = new double[n];
        for (int j = 0; j < n; j++) result[j] = Math.Max(0.0, weights[j] + t * delta[j]);
        return result;
    }
}

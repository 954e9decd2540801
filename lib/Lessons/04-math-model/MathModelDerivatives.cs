using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>
/// Numerical derivatives, to check analytic ones such as <see cref="Softmax.Jacobian(double[])"/>
/// against the definition of a derivative.
/// </summary>
public static class MathModelDerivatives
{
    /// <summary>
    /// The Jacobian of <paramref name="f"/> at <paramref name="x"/> by central differences:
    /// <c>J[i, j] ≈ (f(x + h e_j)_i − f(x − h e_j)_i) / 2h</c>. The truncation error is O(h²) and the
    /// rounding error about ε/h, so h = 1e-5 gives roughly 1e-10 for smooth functions of size about 1.
    /// </summary>
    /// <param name="f">A function from n numbers to m numbers; it must always return the same count.</param>
    /// <param name="x">The point (n ≥ 1 numbers); not modified.</param>
    /// <param name="step">The step h: finite and &gt; 0.</param>
    /// <returns>The m×n Jacobian: row i is output i, column j is input j.</returns>
    public static Matrix<double> CentralDifferenceJacobian(Func<double[], double[]> f, double[] x, double step = 1e-5)
    {
        Check.NotNull(f, nameof(f));
        Check.NotNull(x, nameof(x));
        if (x.Length == 0) throw new ArgumentException("The point x has no coordinates; pass at least one.", nameof(x));
        if (!(step > 0) || double.IsInfinity(step))
            throw new ArgumentOutOfRangeException(nameof(step), step, $"The step must be finite and greater than 0, but it is {step}.");
        int m = f((double[])x.Clone()).Length;
        var jacobian = Matrix<double>.Build.Dense(m, x.Length);
        for (int j = 0; j < x.Length; j++)
        {
            var plus = (double[])x.Clone();
            var minus = (double[])x.Clone();
            plus[j] += step;
            minus[j] -= step;
            var fPlus = f(plus);
            var fMinus = f(minus);
            if (fPlus.Length != m || fMinus.Length != m)
                throw new ArgumentException(
                    $"f returned {m} values at x but {fPlus.Length} and {fMinus.Length} values near it: it must always return the same count.", nameof(f));
            for (int i = 0; i < m; i++) jacobian[i, j] = (fPlus[i] - fMinus[i]) / (2 * step);
        }
        return jacobian;
    }
}

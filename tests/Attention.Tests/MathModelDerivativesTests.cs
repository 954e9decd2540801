using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

public class MathModelDerivativesTests
{
    [Fact]
    public void A_linear_map_has_its_matrix_as_jacobian()
    {
        var a = M(new double[,] { { 1, 2, 3 }, { -4, 0.5, 6 } });
        var j = MathModelDerivatives.CentralDifferenceJacobian(x => (a * Vector<double>.Build.Dense(x)).ToArray(), [0.3, -1, 2]);
        Close(a, j, 1e-9);
    }

    [Fact]
    public void Hand_worked_nonlinear_jacobian()
    {
        // f(x, y) = [x² y, sin x] at (1, 2): ∂/∂x = [2xy, cos x] = [4, cos 1], ∂/∂y = [x², 0] = [1, 0]
        var j = MathModelDerivatives.CentralDifferenceJacobian(v => [v[0] * v[0] * v[1], Math.Sin(v[0])], [1, 2]);
        Close(M(new double[,] { { 4, 1 }, { Math.Cos(1), 0 } }), j, 1e-9);
    }

    [Fact]
    public void Agrees_with_the_analytic_softmax_jacobian()
    {
        double[] x = [0.5, -1.2, 2.0, 0.1];
        var numeric = MathModelDerivatives.CentralDifferenceJacobian(v => Softmax.Of(v), x);
        // diag(s) − s sᵀ, written out
        var s = x.Select(v => Math.Exp(v)).ToArray();
        double z = s.Sum();
        var analytic = Matrix<double>.Build.Dense(4, 4, (i, k) => s[i] / z * ((i == k ? 1 : 0) - s[k] / z));
        Close(analytic, numeric, 1e-9);
    }

    [Fact]
    public void Input_is_not_modified()
    {
        double[] x = [1, 2];
        MathModelDerivatives.CentralDifferenceJacobian(v => { v[0] += 100; return [v[0] + v[1]]; }, x);
        Assert.Equal([1.0, 2.0], x);
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        Throws<ArgumentException>(() => MathModelDerivatives.CentralDifferenceJacobian(v => v, []), "no coordinates");
        Throws<ArgumentOutOfRangeException>(() => MathModelDerivatives.CentralDifferenceJacobian(v => v, [1], 0), "step", "greater than 0");
        int call = 0;
        Throws<ArgumentException>(() => MathModelDerivatives.CentralDifferenceJacobian(v => call++ == 0 ? [1.0] : [1.0, 2.0], [1]),
            "returned 1 values at x but 2 and 2");
        Throws<ArgumentNullException>(() => MathModelDerivatives.CentralDifferenceJacobian(null!, [1]));
    }
}

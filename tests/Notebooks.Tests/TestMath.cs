namespace Notebooks.Tests;

/// <summary>Independent arithmetic the notebook tests compare the notebooks' numbers with.</summary>
internal static class TestMath
{
    /// <summary>Least-squares <c>c₀ + c₁x + c₂x²</c> by the normal equations and Cramer's rule (constant term first),
    /// on x scaled to at most 1 so that lengths in the thousands keep the equations well conditioned.</summary>
    public static double[] QuadraticFit(double[] x, double[] y)
    {
        double scale = x.Max(Math.Abs);
        var u = x.Select(v => v / scale).ToArray();
        return QuadraticFitUnscaled(u, y).Select((c, k) => c / Math.Pow(scale, k)).ToArray();
    }

    private static double[] QuadraticFitUnscaled(double[] x, double[] y)
    {
        double S(int p) => x.Sum(v => Math.Pow(v, p));
        double T(int p) => x.Select((v, i) => Math.Pow(v, p) * y[i]).Sum();
        double[,] a = { { S(0), S(1), S(2) }, { S(1), S(2), S(3) }, { S(2), S(3), S(4) } };
        double[] b = [T(0), T(1), T(2)];
        double Det(double[,] m) =>
            m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1]) - m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0]) + m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]);
        double d = Det(a);
        return Enumerable.Range(0, 3).Select(c =>
        {
            var m = (double[,])a.Clone();
            for (int r = 0; r < 3; r++) m[r, c] = b[r];
            return Det(m) / d;
        }).ToArray();
    }


    /// <summary>Least-squares slope of ln y against ln x.</summary>
    public static double LogLogSlope(double[] x, double[] y)
    {
        var lx = x.Select(v => Math.Log(v)).ToArray();
        var ly = y.Select(v => Math.Log(v)).ToArray();
        double mx = lx.Average(), my = ly.Average();
        return lx.Select((v, i) => (v - mx) * (ly[i] - my)).Sum() / lx.Select(v => (v - mx) * (v - mx)).Sum();
    }
}

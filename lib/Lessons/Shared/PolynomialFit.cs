using Attention;

namespace Lessons;

/// <summary>A fitted polynomial <c>c₀ + c₁x + c₂x² + …</c>.</summary>
/// <param name="Coefficients">The coefficients, constant term first.</param>
/// <param name="RSquared">The coefficient of determination R² of the fit on its own points (1 = perfect).</param>
public sealed record PolynomialFit(double[] Coefficients, double RSquared)
{
    /// <summary>The coefficient of the highest power: for time against n with degree 2, the n² term.</summary>
    public double Leading => Coefficients[^1];

    /// <summary>The polynomial at <paramref name="x"/>.</summary>
    /// <param name="x">Where to evaluate.</param>
    /// <returns><c>Σ c_k x^k</c>.</returns>
    public double Evaluate(double x)
    {
        double y = 0;
        for (int k = Coefficients.Length - 1; k >= 0; k--) y = y * x + Coefficients[k];
        return y;
    }

    /// <summary>The polynomial written out, highest power first, e.g. <c>1.2e-05·n² + 0.003·n + 0.1</c>.</summary>
    /// <param name="variable">The name of the variable.</param>
    /// <returns>A readable formula.</returns>
    public string Formula(string variable = "n")
    {
        var terms = new List<string>();
        for (int k = Coefficients.Length - 1; k >= 0; k--)
        {
            string c = Coefficients[k].ToString("G3", System.Globalization.CultureInfo.InvariantCulture);
            terms.Add(k switch { 0 => c, 1 => $"{c}·{variable}", _ => $"{c}·{variable}{Superscript(k)}" });
        }
        return string.Join(" + ", terms).Replace("+ -", "− ", StringComparison.Ordinal);
    }

    private static string Superscript(int k) => string.Concat(k.ToString(System.Globalization.CultureInfo.InvariantCulture)
        .Select(ch => "⁰¹²³⁴⁵⁶⁷⁸⁹"[ch - '0']));
}

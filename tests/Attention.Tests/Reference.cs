namespace Attention.Tests;

/// <summary>The obvious loops, in double, on row-major arrays. The kernels are checked against these.</summary>
internal static class Reference
{
    public static double[] Softmax(double[] x, int cols, double temperature = 1.0, bool[]? mask = null)
    {
        int rows = x.Length / cols;
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < cols; c++)
                if (mask is null || mask[r * cols + c]) max = Math.Max(max, x[r * cols + c]);
            if (double.IsNegativeInfinity(max)) continue; // nothing allowed: zeros
            double sum = 0;
            for (int c = 0; c < cols; c++)
            {
                double e = mask is null || mask[r * cols + c] ? Math.Exp((x[r * cols + c] - max) / temperature) : 0.0;
                y[r * cols + c] = e;
                sum += e;
            }
            for (int c = 0; c < cols; c++) y[r * cols + c] /= sum;
        }
        return y;
    }

    public static double[] LogSoftmax(double[] x, int cols)
    {
        int rows = x.Length / cols;
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < cols; c++) max = Math.Max(max, x[r * cols + c]);
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += Math.Exp(x[r * cols + c] - max);
            for (int c = 0; c < cols; c++) y[r * cols + c] = x[r * cols + c] - max - Math.Log(sum);
        }
        return y;
    }

    /// <summary>a [n, d] times bᵀ where b is [m, d], times scale.</summary>
    public static double[] MatMulTransposed(double[] a, double[] b, int n, int m, int d, double scale = 1.0)
    {
        var c = new double[n * m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int t = 0; t < d; t++) s += a[i * d + t] * b[j * d + t];
                c[i * m + j] = s * scale;
            }
        return c;
    }

    /// <summary>a [n, k] times b [k, m].</summary>
    public static double[] MatMul(double[] a, double[] b, int n, int k, int m)
    {
        var c = new double[n * m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int t = 0; t < k; t++) s += a[i * k + t] * b[t * m + j];
                c[i * m + j] = s;
            }
        return c;
    }

    public static (double[] Output, double[] Weights) Attention(double[] q, double[] k, double[] v,
        int n, int m, int dk, int dv, bool[]? mask = null, double[]? bias = null)
    {
        var scores = MatMulTransposed(q, k, n, m, dk, 1.0 / Math.Sqrt(dk));
        if (bias is not null) for (int i = 0; i < scores.Length; i++) scores[i] += bias[i];
        var w = Softmax(scores, m, 1.0, mask);
        return (MatMul(w, v, n, m, dv), w);
    }

    public static double[] Sinusoidal(int positions, int d, double @base = 10000.0)
    {
        var pe = new double[positions * d];
        for (int pos = 0; pos < positions; pos++)
            for (int i = 0; 2 * i < d; i++)
            {
                double angle = pos / Math.Pow(@base, 2.0 * i / d);
                pe[pos * d + 2 * i] = Math.Sin(angle);
                if (2 * i + 1 < d) pe[pos * d + 2 * i + 1] = Math.Cos(angle);
            }
        return pe;
    }

    public static double[] Rotary(double[] x, int rows, int d, int start, double @base = 10000.0)
    {
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < d / 2; i++)
            {
                double theta = (start + r) * Math.Pow(@base, -2.0 * i / d);
                double a = x[r * d + 2 * i], b = x[r * d + 2 * i + 1];
                y[r * d + 2 * i] = a * Math.Cos(theta) - b * Math.Sin(theta);
                y[r * d + 2 * i + 1] = a * Math.Sin(theta) + b * Math.Cos(theta);
            }
        return y;
    }

    public static double[] MultiHead(double[] xq, double[] xk, double[] xv, double[] wq, double[] wk, double[] wv, double[] wo,
        int n, int m, int d, int heads, bool[]? mask = null)
    {
        var q = MatMul(xq, wq, n, d, d);
        var k = MatMul(xk, wk, m, d, d);
        var v = MatMul(xv, wv, m, d, d);
        int dh = d / heads;
        var concat = new double[n * d];
        for (int h = 0; h < heads; h++)
        {
            double[] Slice(double[] src, int rows)
            {
                var s = new double[rows * dh];
                for (int r = 0; r < rows; r++)
                    for (int c = 0; c < dh; c++) s[r * dh + c] = src[r * d + h * dh + c];
                return s;
            }
            var (o, _) = Attention(Slice(q, n), Slice(k, m), Slice(v, m), n, m, dh, dh, mask);
            for (int r = 0; r < n; r++)
                for (int c = 0; c < dh; c++) concat[r * d + h * dh + c] = o[r * dh + c];
        }
        return MatMul(concat, wo, n, d, d);
    }
}

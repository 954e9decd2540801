using Attention;

namespace Lessons;

/// <summary>
/// Why scaled dot-product attention divides the scores by √d_k, measured rather than asserted:
/// how widely <c>q·k</c> spreads as d_k grows, and how peaked (saturated) a softmax row of such
/// scores becomes, with and without the scale.
/// </summary>
/// <remarks>
/// Queries and keys are drawn with independent standard-normal entries (mean 0, variance 1), the
/// assumption under which Vaswani et al. (2017) motivate the scale: then <c>q·k = Σ_t q_t k_t</c> is a
/// sum of d_k independent terms of mean 0 and variance 1, so its variance is d_k, and
/// <c>q·k / √d_k</c> has variance 1 whatever d_k is. Every draw comes from <c>new Random(seed)</c>
/// through <see cref="Init"/>'s Box–Muller sampler, so results are the same on every machine.
/// </remarks>
public static class AlgorithmScale
{
    /// <summary>The measured spread of dot products of random vectors of size <see cref="Dk"/>.</summary>
    /// <param name="Dk">The vector size d_k.</param>
    /// <param name="Samples">How many (q, k) pairs were drawn.</param>
    /// <param name="Variance">Sample variance of <c>q·k</c> (theory: d_k).</param>
    /// <param name="ScaledVariance">Sample variance of <c>q·k / √d_k</c> (theory: 1).</param>
    public sealed record Spread(int Dk, int Samples, double Variance, double ScaledVariance);

    /// <summary>How peaked one softmax row gets, averaged over trials, without and with the scale.</summary>
    /// <param name="Dk">The vector size d_k.</param>
    /// <param name="Keys">Keys per row (the row's length).</param>
    /// <param name="Trials">How many rows were averaged.</param>
    /// <param name="MaxWeight">Mean of the largest weight of <c>softmax(q·K ᵀ)</c>; 1/Keys is uniform, 1 is one-hot.</param>
    /// <param name="ScaledMaxWeight">The same for <c>softmax(q·K ᵀ / √d_k)</c>.</param>
    /// <param name="Entropy">Mean entropy (nats) of <c>softmax(q·K ᵀ)</c>; ln(Keys) is uniform, 0 is one-hot.</param>
    /// <param name="ScaledEntropy">The same for <c>softmax(q·K ᵀ / √d_k)</c>.</param>
    public sealed record Saturation(int Dk, int Keys, int Trials,
        double MaxWeight, double ScaledMaxWeight, double Entropy, double ScaledEntropy)
    {
        /// <summary><see cref="Entropy"/> as a fraction of the uniform row's ln(Keys): 1 = uniform, 0 = one-hot.</summary>
        public double RelativeEntropy => Keys > 1 ? Entropy / Math.Log(Keys) : 0.0;

        /// <summary><see cref="ScaledEntropy"/> as a fraction of ln(Keys).</summary>
        public double ScaledRelativeEntropy => Keys > 1 ? ScaledEntropy / Math.Log(Keys) : 0.0;
    }

    /// <summary>
    /// Draws <paramref name="samples"/> pairs of standard-normal vectors of size <paramref name="dk"/> and
    /// returns the sample variance (divided by samples − 1) of their dot products, unscaled and divided by √d_k.
    /// </summary>
    /// <param name="dk">Vector size d_k (≥ 1).</param>
    /// <param name="samples">Number of pairs (≥ 2).</param>
    /// <param name="seed">Seed for <see cref="Random"/>.</param>
    /// <returns>The measured spread.</returns>
    public static Spread DotProductVariance(int dk, int samples, int seed)
    {
        Check.Positive(dk, nameof(dk));
        if (samples < 2)
            throw new ArgumentOutOfRangeException(nameof(samples), samples, $"A variance needs at least 2 samples, but samples is {samples}.");
        var rng = new Random(seed);
        var q = new double[dk];
        var k = new double[dk];
        var dots = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            Init.FillNormal(rng, q, 1.0);
            Init.FillNormal(rng, k, 1.0);
            dots[s] = System.Numerics.Tensors.TensorPrimitives.Dot<double>(q, k);
        }
        double scale = 1.0 / Math.Sqrt(dk);
        var scaled = Array.ConvertAll(dots, d => d * scale);
        return new Spread(dk, samples, SampleVariance(dots), SampleVariance(scaled));
    }

    /// <summary>
    /// For each of <paramref name="trials"/> rows, draws one standard-normal query and <paramref name="keys"/>
    /// standard-normal keys of size <paramref name="dk"/>, takes the softmax of the dot-product scores without
    /// and with the 1/√d_k scale, and averages the row's largest weight and its entropy.
    /// </summary>
    /// <param name="dk">Vector size d_k (≥ 1).</param>
    /// <param name="keys">Keys per row (≥ 1).</param>
    /// <param name="trials">Rows to average (≥ 1).</param>
    /// <param name="seed">Seed for <see cref="Random"/>.</param>
    /// <returns>The averages.</returns>
    public static Saturation SoftmaxSaturation(int dk, int keys, int trials, int seed)
    {
        Check.Positive(dk, nameof(dk));
        Check.Positive(keys, nameof(keys));
        Check.Positive(trials, nameof(trials));
        var rng = new Random(seed);
        var q = new double[dk];
        var k = new double[keys * dk];
        var scores = new double[keys];
        var weights = new double[keys];
        double scale = 1.0 / Math.Sqrt(dk);
        double maxW = 0, maxWScaled = 0, h = 0, hScaled = 0;
        for (int t = 0; t < trials; t++)
        {
            Init.FillNormal(rng, q, 1.0);
            Init.FillNormal(rng, k, 1.0);
            Scores.DotKernel<double>(q, k, scores, 1, keys, dk, 1.0);
            Softmax.Row<double>(scores, weights, 1.0);
            maxW += weights.Max();
            h += Entropy(weights);
            Softmax.Row<double>(scores, weights, 1.0 / scale); // temperature √d_k = dividing the scores by √d_k
            maxWScaled += weights.Max();
            hScaled += Entropy(weights);
        }
        return new Saturation(dk, keys, trials, maxW / trials, maxWScaled / trials, h / trials, hScaled / trials);
    }

    /// <summary>
    /// Shannon entropy <c>−Σ p_i ln p_i</c> (nats) of a row of weights, with <c>0 · ln 0 = 0</c>. It is
    /// <c>ln n</c> for a uniform row of n weights and 0 for a one-hot row.
    /// </summary>
    /// <param name="weights">Non-negative weights (normally summing to 1).</param>
    /// <returns>The entropy.</returns>
    /// <exception cref="ArgumentException">A weight is negative or NaN.</exception>
    public static double Entropy(ReadOnlySpan<double> weights)
    {
        double h = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            double p = weights[i];
            if (!(p >= 0))
                throw new ArgumentException(
                    $"Weight {i} is {p}: entropy needs non-negative weights (a softmax row), not raw scores.", nameof(weights));
            if (p > 0) h -= p * Math.Log(p);
        }
        return h;
    }

    private static double SampleVariance(double[] x)
    {
        double mean = x.Average();
        double ss = 0;
        foreach (double v in x) ss += (v - mean) * (v - mean);
        return ss / (x.Length - 1);
    }
}

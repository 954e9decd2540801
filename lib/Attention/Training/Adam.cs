namespace Attention.Training;

/// <summary>
/// The Adam optimiser (Kingma and Ba 2015): each parameter entry moves by the learning rate times a running mean of
/// its gradient divided by the square root of a running mean of its squared gradient, with the bias correction of the
/// paper. Everything is sequential, so the same gradients give the same parameters on every run.
/// </summary>
/// <remarks>
/// Step t: <c>m = β1·m + (1−β1)·g</c>, <c>v = β2·v + (1−β2)·g²</c>, <c>m̂ = m/(1−β1^t)</c>, <c>v̂ = v/(1−β2^t)</c>,
/// <c>θ −= lr · m̂ / (√v̂ + ε)</c>.
/// </remarks>
public sealed class Adam
{
    private readonly Parameter[] _parameters;
    private readonly double[][] _m;
    private readonly double[][] _v;

    /// <summary>Creates the optimiser over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">What to train.</param>
    /// <param name="learningRate">Step size (&gt; 0).</param>
    /// <param name="beta1">Decay of the gradient's running mean, in [0, 1).</param>
    /// <param name="beta2">Decay of the squared gradient's running mean, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator (&gt; 0).</param>
    public Adam(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        Check.NotNull(parameters, nameof(parameters));
        _parameters = parameters.ToArray();
        if (_parameters.Length == 0) throw new ArgumentException("There is nothing to train: pass at least one parameter.", nameof(parameters));
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be greater than 0.");
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        _m = _parameters.Select(p => new double[p.Count]).ToArray();
        _v = _parameters.Select(p => new double[p.Count]).ToArray();
    }

    /// <summary>The step size; may be changed between steps (for a schedule).</summary>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            if (!(value > 0) || double.IsInfinity(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be a finite number greater than 0.");
            _learningRate = value;
        }
    }

    private double _learningRate;

    /// <summary>Decay of the gradient's running mean.</summary>
    public double Beta1 { get; }

    /// <summary>Decay of the squared gradient's running mean.</summary>
    public double Beta2 { get; }

    /// <summary>Added to the denominator.</summary>
    public double Epsilon { get; }

    /// <summary>Number of steps taken.</summary>
    public int Steps { get; private set; }

    /// <summary>The parameters being trained.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGradients()
    {
        foreach (var p in _parameters) p.ZeroGradient();
    }

    /// <summary>Multiplies every gradient by <paramref name="factor"/> (e.g. 1 / batch size).</summary>
    /// <param name="factor">The factor.</param>
    public void ScaleGradients(double factor)
    {
        foreach (var p in _parameters)
            System.Numerics.Tensors.TensorPrimitives.Multiply(p.Gradient.Data, factor, p.Gradient.Data);
    }

    /// <summary>If the gradients' joint Euclidean norm exceeds <paramref name="maxNorm"/>, scales them down to it.</summary>
    /// <param name="maxNorm">The largest norm allowed (&gt; 0).</param>
    /// <returns>The norm before clipping.</returns>
    public double ClipGradientNorm(double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be greater than 0.");
        double sum = 0;
        foreach (var p in _parameters)
            foreach (double g in p.Gradient.Data) sum += g * g;
        double norm = Math.Sqrt(sum);
        if (norm > maxNorm) ScaleGradients(maxNorm / norm);
        return norm;
    }

    /// <summary>One Adam update of every parameter from its current gradient.</summary>
    public void Step()
    {
        Steps++;
        double correction1 = 1 - Math.Pow(Beta1, Steps);
        double correction2 = 1 - Math.Pow(Beta2, Steps);
        for (int i = 0; i < _parameters.Length; i++)
        {
            var value = _parameters[i].Value.Data;
            var grad = _parameters[i].Gradient.Data;
            var m = _m[i];
            var v = _v[i];
            for (int j = 0; j < value.Length; j++)
            {
                double g = grad[j];
                m[j] = Beta1 * m[j] + (1 - Beta1) * g;
                v[j] = Beta2 * v[j] + (1 - Beta2) * g * g;
                value[j] -= LearningRate * (m[j] / correction1) / (Math.Sqrt(v[j] / correction2) + Epsilon);
            }
        }
    }
}

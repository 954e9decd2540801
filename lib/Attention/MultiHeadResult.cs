using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>The result of a multi-head attention.</summary>
/// <param name="Output">After the output projection: <c>[queries, d_model]</c>.</param>
/// <param name="HeadWeights">The attention weights of each head, <c>[queries, keys]</c> each.</param>
public sealed record MultiHeadResult(Matrix<double> Output, IReadOnlyList<Matrix<double>> HeadWeights);

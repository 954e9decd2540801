using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>The result of one attention: the outputs and the weights that produced them.</summary>
/// <param name="Output">One row per query: <c>[queries, d_v]</c>.</param>
/// <param name="Weights">The attention weights <c>[queries, keys]</c>; each row sums to 1, or is all
/// zeros for a query that may attend to nothing.</param>
public sealed record AttentionResult(Matrix<double> Output, Matrix<double> Weights);

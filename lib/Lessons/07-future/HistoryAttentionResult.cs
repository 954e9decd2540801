using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>The result of <see cref="HistoryAttention.Score"/>.</summary>
/// <param name="Weights">How much each candidate (row) attends to each past item (column).</param>
/// <param name="Interests">The interest vector built for each candidate, <c>[candidates, d]</c>.</param>
/// <param name="Scores">Each candidate's score, <c>candidate · interest</c>.</param>
public sealed record HistoryAttentionResult(Matrix<double> Weights, Matrix<double> Interests, double[] Scores);

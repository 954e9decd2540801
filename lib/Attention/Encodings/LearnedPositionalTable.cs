using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>
/// A learned positional embedding (BERT, GPT-2): one trainable row per position, here initialised with small
/// normal values from a seed. Unlike the sinusoidal encoding it has nothing to say about positions past its
/// last row, so asking for one is an error.
/// </summary>
public sealed class LearnedPositionalTable
{
    private readonly Matrix<double> _table;

    /// <summary>Creates a <c>[maxPositions, dModel]</c> table of normal samples (<see cref="Init.Normal"/>).</summary>
    /// <param name="maxPositions">Number of positions the table covers (0 … maxPositions − 1).</param>
    /// <param name="dModel">Model width.</param>
    /// <param name="seed">Seed for the initial values.</param>
    /// <param name="std">Standard deviation of the initial values (GPT-2 uses about 0.01–0.02).</param>
    public LearnedPositionalTable(int maxPositions, int dModel, int seed, double std = 0.02)
    {
        Check.Positive(maxPositions, nameof(maxPositions));
        Check.Positive(dModel, nameof(dModel));
        _table = Init.Normal(maxPositions, dModel, seed, std);
    }

    /// <summary>Number of positions covered.</summary>
    public int MaxPositions => _table.RowCount;

    /// <summary>Model width.</summary>
    public int DModel => _table.ColumnCount;

    /// <summary>A copy of the whole table <c>[maxPositions, dModel]</c>.</summary>
    public Matrix<double> Table => _table.Clone();

    /// <summary>Rows <paramref name="start"/> … <paramref name="start"/> + <paramref name="count"/> − 1 of the table.</summary>
    /// <param name="start">First position (≥ 0).</param>
    /// <param name="count">Number of positions (≥ 0).</param>
    /// <returns><c>[count, dModel]</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A requested position is ≥ <see cref="MaxPositions"/>.</exception>
    public Matrix<double> Lookup(int start, int count)
    {
        Check.NonNegative(start, nameof(start));
        Check.NonNegative(count, nameof(count));
        if ((long)start + count > MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(count),
                $"Positions {start}…{(long)start + count - 1} were requested but the table has rows only for 0…{MaxPositions - 1}: " +
                $"learned tables cannot extrapolate past {MaxPositions} positions. " +
                "Use a larger table, or a fixed encoding (PositionalEncoding.Sinusoidal, Rotary, Alibi) that extends to any length.");
        return _table.SubMatrix(start, count, 0, DModel);
    }
}

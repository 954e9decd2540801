namespace Attention.Training;

/// <summary>How a model learns where a token is. The first three act on the tokens before attention; the last
/// two act inside attention.</summary>
public enum PositionScheme
{
    /// <summary>No position information at all: attention sees a bag of tokens.</summary>
    None,

    /// <summary>The fixed sinusoidal table (<see cref="PositionalEncoding.Sinusoidal(int, int, double)"/>) added to the token vectors.</summary>
    Sinusoidal,

    /// <summary>A trainable table (<see cref="LearnedPositionalTable"/>) added to the token vectors; it has rows only for the positions it was built for.</summary>
    Learned,

    /// <summary>Rotary embedding (<see cref="Attention.Rotary"/>): queries and keys are rotated by their position inside each head.</summary>
    Rotary,

    /// <summary>ALiBi (<see cref="Attention.Alibi"/>): a fixed bias <c>−slope·|i − j|</c> added to each head's scores.</summary>
    Alibi,
}

/// <summary>
/// Adds position vectors to token vectors: nothing (<see cref="PositionScheme.None"/>, and also for
/// <see cref="PositionScheme.Rotary"/> and <see cref="PositionScheme.Alibi"/>, which work inside attention),
/// the sinusoidal table, or a learned table whose rows are trained.
/// </summary>
/// <remarks>
/// <para>Forward: <c>Y = X + P[start … start + n − 1]</c>. Backward: <c>∂loss/∂X = dY</c>; for a learned table
/// row p of the table's gradient also receives <c>dY</c>'s row for position p.</para>
/// <para>A learned table has rows for <c>0 … maxPositions − 1</c> only. Asking for a later position throws (as
/// <see cref="LearnedPositionalTable.Lookup"/> does), unless <see cref="ClampBeyondTable"/> is set: then every
/// position past the end reuses the last row. That is our choice for measuring a learned table on longer inputs;
/// it is one possible answer to a question the table itself cannot answer.</para>
/// </remarks>
public sealed class AddedPositions
{
    private readonly Dictionary<int, RowMatrix> _sinusoidal = new();
    private int _count;

    /// <summary>Creates the layer.</summary>
    /// <param name="name">Name of the learned table's parameter.</param>
    /// <param name="scheme">The scheme; only <see cref="PositionScheme.Sinusoidal"/> and <see cref="PositionScheme.Learned"/> add anything.</param>
    /// <param name="maxPositions">Rows of a learned table.</param>
    /// <param name="dModel">Token width.</param>
    /// <param name="seed">Seed of a learned table's initial values.</param>
    /// <param name="learnedStd">Standard deviation of a learned table's initial values.</param>
    public AddedPositions(string name, PositionScheme scheme, int maxPositions, int dModel, int seed, double learnedStd = 0.1)
    {
        if (!Enum.IsDefined(scheme)) throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown position scheme.");
        Check.Positive(maxPositions, nameof(maxPositions));
        Check.Positive(dModel, nameof(dModel));
        Scheme = scheme;
        DModel = dModel;
        MaxPositions = maxPositions;
        if (scheme == PositionScheme.Learned)
            Table = new Parameter(name, RowMatrix.From(new LearnedPositionalTable(maxPositions, dModel, seed, learnedStd).Table));
        Parameters = Table is null ? [] : [Table];
    }

    /// <summary>The scheme.</summary>
    public PositionScheme Scheme { get; }

    /// <summary>Token width.</summary>
    public int DModel { get; }

    /// <summary>Rows of the learned table (the longest input it covers).</summary>
    public int MaxPositions { get; }

    /// <summary>The learned table <c>[maxPositions, dModel]</c>, or null for other schemes.</summary>
    public Parameter? Table { get; }

    /// <summary>The trainable parameters (the learned table, or none).</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>When true, positions past a learned table's last row reuse that row instead of throwing.</summary>
    public bool ClampBeyondTable { get; set; }

    /// <summary>Adds the position vectors of positions <c>0 … n − 1</c> to the rows of <paramref name="x"/>.</summary>
    /// <param name="x">Token vectors <c>[n, dModel]</c> (not modified).</param>
    /// <returns><c>X + P</c>, a new matrix.</returns>
    public RowMatrix Forward(RowMatrix x)
    {
        Check.NotNull(x, nameof(x));
        if (x.Cols != DModel)
            throw new ArgumentException($"The tokens are {x.Shape} but the positions have width {DModel}.", nameof(x));
        _count = x.Rows;
        var y = x.Clone();
        switch (Scheme)
        {
            case PositionScheme.Sinusoidal:
                RowOps.AddInPlace(y, SinusoidalTable(x.Rows));
                break;
            case PositionScheme.Learned:
                if (x.Rows > MaxPositions && !ClampBeyondTable)
                    throw new ArgumentOutOfRangeException(nameof(x),
                        $"The input has {x.Rows} tokens but the learned table has rows only for positions 0…{MaxPositions - 1}: " +
                        "a learned table cannot extrapolate. Set ClampBeyondTable to reuse the last row, or use a longer table.");
                for (int p = 0; p < x.Rows; p++)
                {
                    var row = y.Row(p);
                    System.Numerics.Tensors.TensorPrimitives.Add(row, Table!.Value.Row(Math.Min(p, MaxPositions - 1)), row);
                }
                break;
        }
        return y;
    }

    /// <summary>Backward pass: passes <paramref name="dy"/> through and, for a learned table, adds it to the rows used.</summary>
    /// <param name="dy"><c>∂loss/∂Y</c>.</param>
    /// <returns><c>∂loss/∂X</c> (which is <paramref name="dy"/> itself).</returns>
    public RowMatrix Backward(RowMatrix dy)
    {
        Check.NotNull(dy, nameof(dy));
        if (dy.Rows != _count) throw new ArgumentException($"The gradient has {dy.Rows} rows but the forward pass had {_count}.", nameof(dy));
        if (Table is not null)
            for (int p = 0; p < dy.Rows; p++)
            {
                var g = Table.Gradient.Row(Math.Min(p, MaxPositions - 1));
                System.Numerics.Tensors.TensorPrimitives.Add(g, dy.Row(p), g);
            }
        return dy;
    }

    private RowMatrix SinusoidalTable(int n)
    {
        if (!_sinusoidal.TryGetValue(n, out var table))
        {
            table = new RowMatrix(n, DModel);
            PositionalEncoding.Sinusoidal(table.Data, n, DModel);
            _sinusoidal[n] = table;
        }
        return table;
    }
}

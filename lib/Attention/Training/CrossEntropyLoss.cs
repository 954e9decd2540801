namespace Attention.Training;

/// <summary>
/// Cross-entropy (交叉熵) of logits against target classes, averaged over the rows that have a target:
/// <c>loss = −(1/N) Σ_rows log softmax(logits_row)[target_row]</c>. Rows whose target is negative are ignored
/// (for example the first k outputs of "copy the token k back", which have no answer).
/// </summary>
/// <remarks>
/// Backward: <c>∂loss/∂logits_row = (softmax(logits_row) − onehot(target_row)) / N</c> for a counted row, 0 for an
/// ignored one. The log-softmax is the library's stable one (<see cref="Softmax.LogRows(ReadOnlySpan{double}, Span{double}, int)"/>).
/// </remarks>
public sealed class CrossEntropyLoss
{
    private RowMatrix? _logProbabilities;
    private int[]? _targets;
    private int _counted;

    /// <summary>The loss of <paramref name="logits"/> against <paramref name="targets"/>; remembers what the backward pass needs.</summary>
    /// <param name="logits">Scores <c>[rows, classes]</c>.</param>
    /// <param name="targets">One class per row, or a negative number to ignore the row.</param>
    /// <returns>The mean loss over the counted rows (0 when no row is counted).</returns>
    public double Forward(RowMatrix logits, int[] targets)
    {
        Check.NotNull(logits, nameof(logits));
        Check.NotNull(targets, nameof(targets));
        if (targets.Length != logits.Rows)
            throw new ArgumentException($"The logits are {logits.Shape} ([rows, classes]) but there are {targets.Length} targets: give one per row.", nameof(targets));
        for (int r = 0; r < targets.Length; r++)
            if (targets[r] >= logits.Cols)
                throw new ArgumentOutOfRangeException(nameof(targets), targets[r], $"Target {r} is class {targets[r]} but there are only {logits.Cols} classes.");
        var logP = new RowMatrix(logits.Rows, logits.Cols);
        Softmax.LogRows(logits.Data, logP.Data, logits.Cols);
        double sum = 0;
        int counted = 0;
        for (int r = 0; r < targets.Length; r++)
        {
            if (targets[r] < 0) continue;
            sum -= logP[r, targets[r]];
            counted++;
        }
        _logProbabilities = logP;
        _targets = targets;
        _counted = counted;
        return counted == 0 ? 0.0 : sum / counted;
    }

    /// <summary>Number of rows the last forward pass counted.</summary>
    public int Counted => _counted;

    /// <summary>The probabilities of the last forward pass (softmax of each row of the logits).</summary>
    public RowMatrix Probabilities
    {
        get
        {
            var logP = _logProbabilities ?? throw new InvalidOperationException("No forward pass yet.");
            var p = new RowMatrix(logP.Rows, logP.Cols);
            for (int i = 0; i < p.Data.Length; i++) p.Data[i] = Math.Exp(logP.Data[i]);
            return p;
        }
    }

    /// <summary><c>∂loss/∂logits</c> for the last forward pass.</summary>
    /// <returns><c>[rows, classes]</c>.</returns>
    public RowMatrix Backward()
    {
        var p = Probabilities;
        var targets = _targets!;
        for (int r = 0; r < targets.Length; r++)
        {
            var row = p.Row(r);
            if (targets[r] < 0) { row.Clear(); continue; }
            row[targets[r]] -= 1.0;
            for (int c = 0; c < row.Length; c++) row[c] /= _counted;
        }
        return p;
    }
}

using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>
/// The verdict on a learner's answer to an exercise: correct, or not yet with what differs and a hint.
/// Displays as one line (notebooks/setup.csx registers it with the notebook formatter).
/// </summary>
/// <param name="Correct">True when the answer is right.</param>
/// <param name="Message">"✅ correct: …" or "❌ not yet: … Hint: …".</param>
public sealed record CheckResult(bool Correct, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => Message;
}

/// <summary>
/// Building blocks of the exercise checkers (they grade an answer): compare a learner's answer with the right one and
/// say "correct" or give a hint. Each notebook's checkers (one static class per notebook, in this namespace) use these.
/// </summary>
public static class Grade
{
    /// <summary>Correct when <paramref name="condition"/> holds.</summary>
    public static CheckResult That(bool condition, string what, string hint) =>
        condition ? Pass(what) : Fail(what, null, hint);

    /// <summary>Correct when every entry of <paramref name="actual"/> is within <paramref name="tolerance"/> of <paramref name="expected"/>.</summary>
    public static CheckResult Values(string what, IReadOnlyList<double> expected, IReadOnlyList<double>? actual, string hint, double tolerance = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(expected);
        if (actual is null) return Fail(what, "your answer is null", hint);
        if (actual.Count != expected.Count) return Fail(what, $"your answer has {actual.Count} numbers, the right one has {expected.Count}", hint);
        for (int i = 0; i < expected.Count; i++)
            if (!Close(expected[i], actual[i], tolerance))
                return Fail(what, $"entry {i} is {Num(actual[i])}, expected {Num(expected[i])}", hint);
        return Pass(what);
    }

    /// <summary>Correct when <paramref name="actual"/> is within <paramref name="tolerance"/> of <paramref name="expected"/>.</summary>
    public static CheckResult Value(string what, double expected, double actual, string hint, double tolerance = 1e-6) =>
        Close(expected, actual, tolerance) ? Pass(what) : Fail(what, $"you have {Num(actual)}, expected {Num(expected)}", hint);

    /// <summary>Correct when <paramref name="actual"/> has the shape of <paramref name="expected"/> and every entry is within <paramref name="tolerance"/>.</summary>
    public static CheckResult Matrix(string what, Matrix<double> expected, Matrix<double>? actual, string hint, double tolerance = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(expected);
        if (actual is null) return Fail(what, "your answer is null", hint);
        if (actual.RowCount != expected.RowCount || actual.ColumnCount != expected.ColumnCount)
            return Fail(what, $"your matrix is {actual.RowCount}×{actual.ColumnCount}, expected {expected.RowCount}×{expected.ColumnCount}", hint);
        for (int i = 0; i < expected.RowCount; i++)
            for (int j = 0; j < expected.ColumnCount; j++)
                if (!Close(expected[i, j], actual[i, j], tolerance))
                    return Fail(what, $"entry [{i}, {j}] is {Num(actual[i, j])}, expected {Num(expected[i, j])}", hint);
        return Pass(what);
    }

    /// <summary>Runs a learner's function and turns an exception it throws into a "not yet" with the exception's message.</summary>
    public static CheckResult Guard(string what, Func<CheckResult> check, string hint)
    {
        ArgumentNullException.ThrowIfNull(check);
        try { return check(); }
        catch (NotImplementedException) { return Fail(what, "not written yet (it throws NotImplementedException)", hint); }
        catch (Exception e) when (e is not OutOfMemoryException) { return Fail(what, $"your code threw {e.GetType().Name}: {e.Message}", hint); }
    }

    /// <summary>A "correct" verdict.</summary>
    public static CheckResult Pass(string what) => new(true, $"✅ correct: {what}");

    /// <summary>A "not yet" verdict with what differs (optional) and a hint.</summary>
    public static CheckResult Fail(string what, string? detail, string hint) =>
        new(false, $"❌ not yet: {what}{(detail is null ? "" : $" ({detail})")}. Hint: {hint}");

    private static bool Close(double expected, double actual, double tolerance) =>
        expected.Equals(actual) || Math.Abs(expected - actual) <= tolerance * Math.Max(1.0, Math.Abs(expected));

    private static string Num(double x) => x.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
}

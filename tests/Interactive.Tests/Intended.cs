using System.Text.RegularExpressions;

namespace Interactive.Tests;

/// <summary>
/// The differences between the released .NET Interactive kernel and the engine that are intended, each with its
/// reason; lib/Notebooks/README.md ("Checked against .NET Interactive") lists the same. Anything else the
/// differential test finds is a bug to fix.
/// </summary>
public static partial class Intended
{
    /// <summary>The reasons, by name, as the README gives them.</summary>
    public static readonly IReadOnlyDictionary<string, string> Reasons = new Dictionary<string, string>
    {
        ["measured"] = "a cell that measures time or memory prints what this run measured (and sentences generated from it)",
        ["restore"] = "the released kernel shows its NuGet restore as an \"Installing Packages\" display; the engine restores without one",
        ["tables"] = "the engine shows matrices, vectors and numeric arrays as compact tables (shape, 4 significant digits); " +
                     "the released kernel shows their properties as a tree, which hides the numbers",
    };

    /// <summary>The name of the reason the difference is intended, or null when it is not intended.</summary>
    public static string? Explain(string code, CellRun real, CellRun ours, string difference)
    {
        if (difference.StartsWith("standard output differs", StringComparison.Ordinal) && OnlyMeasurementsDiffer(code, real.Stdout, ours.Stdout))
            return "measured";
        if (difference.StartsWith("values shown", StringComparison.Ordinal) && code.Contains("#r \"nuget:", StringComparison.Ordinal)
            && real.Returned.Count == ours.Returned.Count + 1 && real.Returned[0].Html is { } html
            && html.Contains("Installing Packages", StringComparison.Ordinal))
            return "restore";
        if (Regex.Match(difference, @"^value (\d+) text/html differs") is { Success: true } m)
        {
            var engineHtml = ours.Returned[int.Parse(m.Groups[1].Value) - 1].Html ?? "";
            if (engineHtml.StartsWith("<div class=\"nb-array\">", StringComparison.Ordinal)) return "tables";
        }
        return null;
    }

    /// <summary>
    /// The two outputs have the same lines, and where a line differs it differs only in its numbers, in a cell that
    /// measures (a stopwatch, a timing helper, allocated bytes), or it is a "This run: …" sentence generated from the
    /// measurements.
    /// </summary>
    private static bool OnlyMeasurementsDiffer(string code, string a, string b)
    {
        if (!Measures().IsMatch(code)) return false;
        var la = a.Split('\n');
        var lb = b.Split('\n');
        if (la.Length != lb.Length) return false;
        for (int i = 0; i < la.Length; i++)
        {
            if (la[i] == lb[i]) continue;
            if (la[i].StartsWith("This run: ", StringComparison.Ordinal) && lb[i].StartsWith("This run: ", StringComparison.Ordinal)) continue;
            if (Masked(la[i]) != Masked(lb[i])) return false;
        }
        return true;
    }

    [GeneratedRegex(@"Stopwatch|Elapsed|Seconds|Milliseconds|TimeSelfAttention|Allocated|median|Train", RegexOptions.IgnoreCase)]
    private static partial Regex Measures();

    /// <summary>
    /// The first line where the two outputs differ in more than their numbers, both sides in full, or null when
    /// every line matches once numbers are masked (or the outputs have different line counts: then the first line
    /// that differs at all).
    /// </summary>
    public static string? FirstLineBeyondNumbers(string a, string b)
    {
        var la = a.Split('\n');
        var lb = b.Split('\n');
        for (int i = 0; i < Math.Min(la.Length, lb.Length); i++)
            if (Masked(la[i]) != Masked(lb[i])) return $"line {i + 1}: «{la[i]}» | «{lb[i]}»";
        return la.Length == lb.Length ? null : $"{la.Length} lines | {lb.Length} lines";
    }

    // Numbers with their signs (a fitted formula's "+ 0.2" may come out "− 0.1", a slope "0.3·n" may come out
    // "-0.3·n"), then every space: a sign takes the space before a number into the match only when there is no sign.
    internal static string Masked(string line) => Space().Replace(Number().Replace(line, "#"), "");

    [GeneratedRegex(@"[-+−]?\s*\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?")]
    private static partial Regex Number();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Space();
}

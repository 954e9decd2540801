using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Interactive.Tests;

/// <summary>
/// Every notebook, cell by cell, in the released .NET Interactive C# kernel and in the project's engine: the same
/// success or failure, the same standard output, the same text/plain of returned values, a chart where the other has
/// a chart. The differences that remain are intended and listed in lib/Notebooks/README.md; <see cref="Intended"/>
/// names each, and nothing else may differ.
/// </summary>
public sealed class DifferentialTests(EngineRun engine, ITestOutputHelper output) : IClassFixture<EngineRun>
{
    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(EngineRun.RepositoryRoot, "notebooks"), "*.ipynb").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task A_notebook_does_the_same_in_the_released_kernel_and_in_the_engine(string name)
    {
        string source = Path.Combine(EngineRun.RepositoryRoot, "notebooks", name);
        string executed = Path.Combine(engine.Executed, name);
        Assert.True(File.Exists(executed), $"the runner wrote no {name}:\n{engine.Output}");
        var cells = JsonNode.Parse(File.ReadAllText(source))!["cells"]!.AsArray()
            .Where(c => c!["cell_type"]!.GetValue<string>() == "code")
            .Select(c => string.Concat(c!["source"]!.AsArray().Select(l => l!.GetValue<string>()))).ToList();

        var ours = CellRun.FromExecutedCopy(executed);
        var real = await RealKernel.RunAsync(source, cells);
        Assert.Equal(cells.Count, ours.Count);
        Assert.Equal(cells.Count, real.Count);

        var unexplained = new List<string>();
        var intended = new List<string>();
        for (int i = 0; i < cells.Count; i++)
        {
            foreach (var difference in Differences(real[i], ours[i]))
            {
                string where = $"cell {i + 1}: {difference}";
                if (Intended.Explain(cells[i], real[i], ours[i], difference) is { } reason) intended.Add($"{where} — intended ({reason})");
                else unexplained.Add(where);
            }
        }
        output.WriteLine($"{name}: {cells.Count} code cells; released kernel: {real.Count(r => r.Succeeded)} succeeded, " +
                         $"{real.Sum(r => r.Charts)} charts; engine: {ours.Count(r => r.Succeeded)} succeeded, {ours.Sum(r => r.Charts)} charts; " +
                         $"{intended.Count} intended differences, {unexplained.Count} unexplained");
        foreach (var line in intended.Concat(unexplained)) output.WriteLine("  " + line);
        Assert.True(unexplained.Count == 0, $"{name}: {unexplained.Count} differences between the released kernel and the engine:\n" +
                                             string.Join("\n", unexplained.Take(30)));
    }

    /// <summary>What differs between the released kernel's run (<paramref name="real"/>) and the engine's.</summary>
    public static IEnumerable<string> Differences(CellRun real, CellRun ours)
    {
        if (real.Succeeded != ours.Succeeded)
            yield return real.Succeeded ? $"fails only in the engine ({ours.Error})" : $"fails only in the released kernel ({real.Error})";
        if (real.Stdout != ours.Stdout)
            yield return $"standard output differs: released {Excerpt(real.Stdout, ours.Stdout)} | engine {Excerpt(ours.Stdout, real.Stdout)}" +
                         (Intended.FirstLineBeyondNumbers(real.Stdout, ours.Stdout) is { } line ? $"; beyond numbers, {line}" : "");
        if (real.Returned.Count != ours.Returned.Count)
            yield return $"values shown: released {real.Returned.Count} [{string.Join(" ‖ ", real.Returned.Select(Describe))}], " +
                         $"engine {ours.Returned.Count} [{string.Join(" ‖ ", ours.Returned.Select(Describe))}]";
        for (int v = 0; v < Math.Min(real.Returned.Count, ours.Returned.Count); v++)
        {
            // Compared in every format both give: .NET Interactive sends only the preferred one (HTML for most objects).
            var (r, o) = (real.Returned[v], ours.Returned[v]);
            if (r.Plain is not null && o.Plain is not null && r.Plain != o.Plain)
                yield return $"value {v + 1} text/plain differs: released «{Short(r.Plain)}» | engine «{Short(o.Plain)}»";
            if (r.Html is not null && o.Html is not null && r.Html != o.Html)
                yield return $"value {v + 1} text/html differs: released {Excerpt(r.Html, o.Html)} | engine {Excerpt(o.Html, r.Html)}";
            if ((r.Plain is null || o.Plain is null) && (r.Html is null || o.Html is null))
                yield return $"value {v + 1} has no format in common: released {Formats(r)}, engine {Formats(o)}";
        }
        if (real.Charts != ours.Charts)
            yield return $"charts: released {real.Charts}, engine {ours.Charts}";
    }

    private static string Describe(Formatted f) => Short(f.Plain ?? f.Html ?? "");

    private static string Formats(Formatted f) => string.Join("+", new[] { f.Plain is null ? null : "text/plain", f.Html is null ? null : "text/html" }.OfType<string>());

    private static string Short(string s) => s.Length <= 80 ? s.ReplaceLineEndings("⏎") : s[..80].ReplaceLineEndings("⏎") + "…";

    /// <summary>The text around the first character where <paramref name="a"/> and <paramref name="b"/> part.</summary>
    private static string Excerpt(string a, string b)
    {
        int k = 0;
        while (k < a.Length && k < b.Length && a[k] == b[k]) k++;
        int from = Math.Max(0, k - 30);
        return "«" + a.Substring(from, Math.Min(a.Length - from, 90)).ReplaceLineEndings("⏎") + "»";
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>
/// A notebook of the tutorial (<c>notebooks/</c>) executed by the runner exactly as the README's main
/// command runs it, plus the values of chosen C# expressions read from the notebook's live session
/// after its last cell, so tests assert the numbers the notebook computed rather than parse prose.
/// </summary>
public sealed class TutorialNotebook
{
    private readonly Dictionary<string, object?> values;

    private TutorialNotebook(NotebookReport report, JsonObject executed, Dictionary<string, object?> values)
    {
        Report = report;
        Executed = executed;
        this.values = values;
    }

    /// <summary>The repository root (the folder holding Tutorial.sln).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The runner's report.</summary>
    public NotebookReport Report { get; }

    /// <summary>The executed copy.</summary>
    public JsonObject Executed { get; }

    /// <summary>Path of the executed copy.</summary>
    public string OutputPath => Report.Output!;

    /// <summary>Runs <c>notebooks/<paramref name="name"/></c> and evaluates <paramref name="expressions"/> after its last cell.</summary>
    public static async Task<TutorialNotebook> RunAsync(string name, params string[] expressions)
    {
        var source = Path.Combine(RepositoryRoot, "notebooks", name);
        Assert.True(File.Exists(source), $"{source} is missing");
        var before = File.ReadAllBytes(source);
        var outDir = TestNotebooks.TempDir("tutorial");
        var values = new Dictionary<string, object?>();
        var failures = new List<string>();
        var report = await NotebookRunner.RunAsync(source, outDir, new RunOptions
        {
            NuGetCacheDirectory = TestNotebooks.NuGetCache,
            CellTimeout = TimeSpan.FromSeconds(240),
            AfterLastCell = async session =>
            {
                var n = 10_000;
                foreach (var e in expressions)
                {
                    var r = await session.RunCellAsync(e, n++);
                    if (r.Succeeded) values[e] = r.ReturnValue;
                    else failures.Add($"{e}: {r.ErrorSummary}");
                }
            },
        });
        Assert.True(report.Succeeded, $"{name}: {report.Errors} failing cells:\n" + string.Join("\n", report.Problems));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(before, File.ReadAllBytes(source));
        TestNotebooks.AssertValidNbformat(report.Output!);
        return new TutorialNotebook(report, TestNotebooks.Read(report.Output!), values);
    }

    /// <summary>The value of an expression given to <see cref="RunAsync"/>.</summary>
    public T Value<T>(string expression)
    {
        Assert.True(values.ContainsKey(expression), $"'{expression}' was not evaluated");
        var v = values[expression];
        return v switch
        {
            T t => t,
            null => throw new Xunit.Sdk.XunitException($"'{expression}' is null"),
            IConvertible c when typeof(IConvertible).IsAssignableFrom(typeof(T)) => (T)Convert.ChangeType(c, typeof(T), System.Globalization.CultureInfo.InvariantCulture),
            _ => throw new Xunit.Sdk.XunitException($"'{expression}' is a {v.GetType()}, not a {typeof(T)}"),
        };
    }

    /// <summary>Every output of every code cell.</summary>
    public IEnumerable<JsonObject> Outputs =>
        Executed["cells"]!.AsArray().Where(c => c!["cell_type"]!.GetValue<string>() == "code")
            .SelectMany(c => c!["outputs"]!.AsArray()).Select(o => o!.AsObject());

    /// <summary>All stdout text of the notebook, in order.</summary>
    public string Stdout => string.Concat(Outputs.Where(o => o["output_type"]!.GetValue<string>() == "stream" && o["name"]!.GetValue<string>() == "stdout")
        .Select(o => TestNotebooks.CellText(o["text"]!)));

    /// <summary>
    /// The text/html of every output that holds a Plotly chart, with plotly's line breaks (<c>&lt;br&gt;</c>) read as spaces:
    /// a long title is broken into lines to fit the chart's width, and the tests look for its words, not its layout.
    /// </summary>
    public IReadOnlyList<string> ChartHtml => Outputs
        .Select(o => o["data"]?["text/html"] is { } h ? TestNotebooks.CellText(h) : null)
        .Where(h => h is not null && h.Contains("Plotly.newPlot")).Select(h => h!.Replace("<br>", " ", StringComparison.Ordinal)).ToList();

    /// <summary>What the exercise checks printed, in order: each a cell result starting "✅" (correct) or "❌" (not yet).</summary>
    public IReadOnlyList<string> ExerciseVerdicts => Outputs
        .Where(o => o["output_type"]!.GetValue<string>() == "execute_result" && o["data"]?["text/plain"] is not null)
        .Select(o => TestNotebooks.CellText(o["data"]!["text/plain"]!))
        .Where(t => t.StartsWith('❌') || t.StartsWith('✅')).ToList();

    /// <summary>Asserts that the notebook, as committed, has <paramref name="count"/> exercises and that none is answered.</summary>
    public void AssertExercisesNotAnswered(int count)
    {
        var verdicts = ExerciseVerdicts;
        Assert.Equal(count, verdicts.Count);
        Assert.All(verdicts, v => Assert.StartsWith("❌ not yet", v, StringComparison.Ordinal));
    }

    /// <summary>All markdown source of the notebook.</summary>
    public string Markdown => TestNotebooks.Markdown(Executed);

    /// <summary>
    /// Opens the chart outputs, in order, on one local page in headless Chromium with no network and
    /// returns how many charts drew (Plotly containers holding an SVG).
    /// </summary>
    public int ChartsDrawnInBrowser() => Browser.CountDrawnCharts(ChartHtml, TestNotebooks.TempDir("browser"));


    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Tutorial.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Tutorial.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>Headless Chromium (Debian's /usr/bin/chromium, installed by .ci/run) for offline rendering checks.</summary>
public static class Browser
{
    public const string Executable = "/usr/bin/chromium";

    /// <summary>Writes the HTML fragments on one page, loads it with no network and returns the rendered DOM.</summary>
    public static string DumpDom(IEnumerable<string> fragments, string dir)
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: install it with 'apt-get install -y chromium' (.ci/run does).");
        var page = Path.Combine(dir, "page.html");
        File.WriteAllText(page, "<!doctype html><html><head><meta charset=\"utf-8\"></head><body>" + string.Join("\n", fragments) + "</body></html>");
        var psi = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--proxy-server=127.0.0.1:9", $"--user-data-dir={Path.Combine(dir, "chrome")}", "--virtual-time-budget=10000", "--dump-dom", new Uri(page).AbsoluteUri })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var dom = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(90_000), "chromium did not finish within 90 s");
        return dom.GetAwaiter().GetResult();
    }

    /// <summary>How many Plotly charts on the page drew an SVG.</summary>
    public static int CountDrawnCharts(IEnumerable<string> fragments, string dir)
    {
        var dom = DumpDom(fragments, dir);
        return Regex.Matches(dom, "class=\"plot-container plotly\"><div class=\"[^\"]*svg-container\"[^>]*><svg class=\"main-svg\"").Count;
    }
}

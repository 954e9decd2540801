using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Notebooks;

/// <summary>Settings of a notebook run.</summary>
public sealed class RunOptions
{
    /// <summary>Time limit of one cell.</summary>
    public TimeSpan CellTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Where <c>#r "nuget: …"</c> restore projects are cached.</summary>
    public string NuGetCacheDirectory { get; init; } = NuGetPackages.DefaultCacheDirectory;

    /// <summary>See <see cref="ScriptSessionOptions.ExportUsingsFromLoadedScripts"/>.</summary>
    public bool ExportUsingsFromLoadedScripts { get; init; } = true;

    /// <summary>
    /// Called after the last cell ran, with the notebook's still-live session, before the executed copy
    /// is written. Tests use it to read values the notebook computed (outputs it adds are not saved).
    /// </summary>
    public Func<ScriptSession, Task>? AfterLastCell { get; init; }
}

/// <summary>The result of running one notebook.</summary>
/// <param name="Source">The notebook that was run.</param>
/// <param name="Output">The executed copy, or null when none was written (the file was not a notebook).</param>
/// <param name="Cells">All cells of the notebook.</param>
/// <param name="CodeCells">Code cells that ran.</param>
/// <param name="Errors">Cells that produced an error.</param>
/// <param name="Elapsed">Wall-clock time.</param>
/// <param name="TimedOut">A cell exceeded the time limit and the run stopped there.</param>
/// <param name="Problems">One line per failed cell (or the reason the file could not be read).</param>
/// <param name="CellTimes">Time of each code cell that ran, in order.</param>
public sealed record NotebookReport(
    string Source, string? Output, int Cells, int CodeCells, int Errors, TimeSpan Elapsed, bool TimedOut,
    IReadOnlyList<string> Problems, IReadOnlyList<TimeSpan> CellTimes)
{
    /// <summary>True when every cell ran without error.</summary>
    public bool Succeeded => Output is not null && Errors == 0 && !TimedOut;
}

/// <summary>The result of a run over several notebooks.</summary>
public sealed record RunReport(IReadOnlyList<NotebookReport> Notebooks, TimeSpan Elapsed)
{
    /// <summary>True when every cell of every notebook succeeded.</summary>
    public bool Succeeded => Notebooks.Count > 0 && Notebooks.All(n => n.Succeeded);
}

/// <summary>Runs notebooks headless and writes executed copies (the sources are never modified).</summary>
public static class NotebookRunner
{
    /// <summary>The notebooks a path stands for: the file itself, or a folder's <c>*.ipynb</c> sorted by name (not recursive).</summary>
    public static IReadOnlyList<string> Expand(string path)
    {
        if (Directory.Exists(path))
            return [.. Directory.GetFiles(path, "*.ipynb", SearchOption.TopDirectoryOnly)
                .Where(f => !f.Contains(".ipynb_checkpoints", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)];
        return [path];
    }

    /// <summary>Runs every notebook the paths stand for, in order, each in a fresh session.</summary>
    public static async Task<RunReport> RunAsync(IEnumerable<string> paths, string outDir, RunOptions? options = null,
        Action<NotebookReport>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var reports = new List<NotebookReport>();
        foreach (var nb in paths.SelectMany(Expand))
        {
            var r = await RunAsync(nb, outDir, options, cancellationToken).ConfigureAwait(false);
            reports.Add(r);
            progress?.Invoke(r);
        }
        return new RunReport(reports, clock.Elapsed);
    }

    /// <summary>Runs one notebook in a fresh session and writes the executed copy to <paramref name="outDir"/>.</summary>
    public static async Task<NotebookReport> RunAsync(string path, string outDir, RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RunOptions();
        var clock = Stopwatch.StartNew();
        NotebookDocument doc;
        try
        {
            doc = NotebookDocument.Load(path);
        }
        catch (NotebookFormatException e)
        {
            return new NotebookReport(path, null, 0, 0, 1, clock.Elapsed, false, [e.Message], []);
        }
        if (NotCSharp(doc) is { } language)
            return new NotebookReport(path, null, doc.Cells.Count, 0, 1, clock.Elapsed, false,
                [$"{path} is a {language} notebook (its metadata says so), not a C# notebook; this engine runs C# only. Open it with a {language} kernel."], []);
        var source = Path.GetFullPath(path);
        var output = OutputFolder.OutputPath(source, outDir);
        if (OutputFolder.Problem(source, output) is { } problem)
            return new NotebookReport(path, null, doc.Cells.Count, 0, 1, clock.Elapsed, false, [problem], []);

        doc.Normalize();
        var session = new ScriptSession(new ScriptSessionOptions
        {
            BaseDirectory = Path.GetDirectoryName(source)!,
            NotebookPath = source,
            CellTimeout = options.CellTimeout,
            NuGetCacheDirectory = options.NuGetCacheDirectory,
            ExportUsingsFromLoadedScripts = options.ExportUsingsFromLoadedScripts,
        });
        var problems = new List<string>();
        var times = new List<TimeSpan>();
        int count = 0, errors = 0;
        var timedOut = false;
        NotebookCell? lastRun = null;
        foreach (var cell in doc.Cells)
        {
            if (cell.CellType != "code") continue;
            if (timedOut)
            {
                SetCode(cell, null, []);
                continue;
            }
            count++;
            var lang = cell.Language;
            if (lang is not null && !IsCSharp(lang))
            {
                var msg = $"cell {count} is a '{lang}' cell; this engine runs C# only. Change the cell's language to C# or move the code elsewhere.";
                SetCode(cell, count, [Outputs.Error("UnsupportedLanguage", msg, [msg])]);
                problems.Add(msg);
                errors++;
                continue;
            }
            var result = await session.RunCellAsync(cell.Source, count, cancellationToken).ConfigureAwait(false);
            times.Add(result.Elapsed);
            SetCode(cell, count, result.Outputs);
            lastRun = cell;
            if (!result.Succeeded)
            {
                errors++;
                problems.Add(result.ErrorSummary ?? $"cell {count} failed");
            }
            timedOut = result.TimedOut;
        }
        // What threads or tasks of the cells wrote (or threw) after the last cell ended goes under that cell.
        var (late, lateError) = session.TakeLateOutputs();
        if (lastRun is not null && late.Count > 0 && !timedOut)
        {
            var outputs = (JsonArray)lastRun.Node["outputs"]!;
            foreach (var o in late) outputs.Add(o);
            if (lateError is not null)
            {
                errors++;
                problems.Add(lateError);
            }
        }
        if (options.AfterLastCell is { } after && !timedOut) await after(session).ConfigureAwait(false);
        // Checked again just before writing: the folder may have changed while the cells ran.
        if (OutputFolder.Problem(source, output) is { } late2)
            return new NotebookReport(path, null, doc.Cells.Count, count, errors + 1, clock.Elapsed, timedOut, [.. problems, late2], times);
        doc.Save(output);
        OutputFolder.Record(Path.GetDirectoryName(output)!, Path.GetFileName(output));
        return new NotebookReport(path, output, doc.Cells.Count, count, errors, clock.Elapsed, timedOut, problems, times);
    }

    /// <summary>The language a notebook's metadata names when it is not C# (a Python notebook, say), or null.</summary>
    internal static string? NotCSharp(NotebookDocument doc)
    {
        var metadata = doc.Root["metadata"] as JsonObject;
        foreach (var name in new[] { metadata?["kernelspec"]?["language"], metadata?["language_info"]?["name"] })
            if (name is JsonValue v && v.TryGetValue(out string? lang) && !string.IsNullOrWhiteSpace(lang)
                && !IsCSharp(lang) && !lang.Equals("polyglot-notebook", StringComparison.OrdinalIgnoreCase))
                return lang;
        return null;
    }

    private static bool IsCSharp(string lang) =>
        lang.Equals("csharp", StringComparison.OrdinalIgnoreCase) || lang.Equals("C#", StringComparison.OrdinalIgnoreCase);

    private static void SetCode(NotebookCell cell, int? executionCount, IEnumerable<JsonObject> outputs)
    {
        cell.Node["execution_count"] = executionCount;
        cell.Node["outputs"] = new JsonArray([.. outputs]);
    }
}

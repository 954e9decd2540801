using System.Diagnostics;
using System.Text.Json.Nodes;
using static Notebooks.Tests.TestNotebooks;
using static TestSupport.NotebookFiles;

namespace Notebooks.Tests;

/// <summary>The command-line runner: executed copies, the report, and bad input (the source is never touched).</summary>
public class RunnerTests
{
    private static async Task<(int Code, string Out, string Err)> Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = await Notebooks.Cli.MainAsync(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static (byte[] Bytes, DateTime Mtime) Snapshot(string path) => (File.ReadAllBytes(path), File.GetLastWriteTimeUtc(path));

    private static void AssertUnchanged(string path, (byte[] Bytes, DateTime Mtime) before)
    {
        Assert.Equal(before.Bytes, File.ReadAllBytes(path));
        Assert.Equal(before.Mtime, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public async Task A_notebook_runs_into_a_valid_executed_copy_and_the_source_is_untouched()
    {
        var dir = TempDir("run");
        var src = Write(dir, "01-demo.ipynb",
            Markdown("# Title · 标题\n\nSome *prose*."),
            Code("var x = 20;\nConsole.WriteLine(\"hi\");", kernel: "csharp"),
            Markdown("More."),
            Code("x * 2 + 2"));
        var before = Snapshot(src);
        var outDir = Path.Combine(dir, "out");
        var (code, stdout, _) = await Cli(src, "--out", outDir);
        Assert.Equal(0, code);
        Assert.Matches(@"^01-demo\.ipynb  4 cells  0 errors  \d+\.\d s  -> .*01-demo\.ipynb\n", stdout.Replace("\r", ""));
        Assert.Contains("total: 1 notebooks  4 cells  0 errors", stdout);
        AssertUnchanged(src, before);

        var outPath = Path.Combine(outDir, "01-demo.ipynb");
        AssertValidNbformat(outPath);
        var nb = Read(outPath);
        Assert.Equal(4, nb["nbformat"]!.GetValue<int>());
        Assert.Equal(5, nb["nbformat_minor"]!.GetValue<int>());
        Assert.Equal(".net-csharp", nb["metadata"]!["kernelspec"]!["name"]!.GetValue<string>());
        Assert.Equal(["cells", "metadata", "nbformat", "nbformat_minor"], nb.Select(kv => kv.Key));
        var cells = nb["cells"]!.AsArray().Select(c => c!.AsObject()).ToList();
        Assert.Equal(4, cells.Select(c => c["id"]!.GetValue<string>()).Distinct().Count());
        Assert.Equal("# Title · 标题\n", cells[0]["source"]![0]!.GetValue<string>());
        Assert.Contains("标题", File.ReadAllText(outPath)); // written as UTF-8, not \u escapes
        Assert.False(cells[0].ContainsKey("outputs"));
        Assert.Equal(1, cells[1]["execution_count"]!.GetValue<int>());
        Assert.Equal("csharp", cells[1]["metadata"]!["polyglot_notebook"]!["kernelName"]!.GetValue<string>());
        Assert.Equal(2, cells[3]["execution_count"]!.GetValue<int>());
        Assert.Equal("42", cells[3]["outputs"]![0]!["data"]!["text/plain"]![0]!.GetValue<string>());
        Assert.Equal(["var x = 20;\n", "Console.WriteLine(\"hi\");"], cells[1]["source"]!.AsArray().Select(l => l!.GetValue<string>()));
    }

    [Fact]
    public async Task A_folder_runs_its_notebooks_sorted_by_name_and_skips_checkpoints()
    {
        var dir = TempDir("folder");
        Write(dir, "b.ipynb", Code("2"));
        Write(dir, "a.ipynb", Code("1"));
        Directory.CreateDirectory(Path.Combine(dir, ".ipynb_checkpoints"));
        Write(Path.Combine(dir, ".ipynb_checkpoints"), "a-checkpoint.ipynb", Code("throw new Exception();"));
        var outDir = Path.Combine(dir, "out");
        var (code, stdout, _) = await Cli(dir, "--out", outDir);
        Assert.Equal(0, code);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("a.ipynb", lines[0]);
        Assert.StartsWith("b.ipynb", lines[1]);
        Assert.StartsWith("total: 2 notebooks", lines[2]);
        // The executed copies, and the list of what the runner wrote there (it replaces only those files).
        Assert.Equal([OutputFolder.Manifest, "a.ipynb", "b.ipynb"], Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Failing_cells_are_reported_the_run_goes_on_and_the_exit_code_is_nonzero()
    {
        var dir = TempDir("fail");
        var src = Write(dir, "f.ipynb", Code("int y = 1;"), Code("int w = 2;\ny.Foo();"), Code("throw new ArgumentException(\"bad\");"), Code("y + 1"), Code("let z = 1", kernel: "fsharp"));
        var (code, stdout, _) = await Cli(src, "--out", Path.Combine(dir, "out"));
        Assert.Equal(1, code);
        Assert.Contains("f.ipynb  5 cells  3 errors", stdout);
        Assert.Contains("  cell 2, line 2, column 3: error CS1061", stdout);
        Assert.Contains("  cell 3, line 1: System.ArgumentException: bad", stdout);
        Assert.Contains("  cell 5 is a 'fsharp' cell; this engine runs C# only", stdout);
        var cells = Read(Path.Combine(dir, "out", "f.ipynb"))["cells"]!.AsArray();
        Assert.Equal("2", cells[3]!["outputs"]![0]!["data"]!["text/plain"]![0]!.GetValue<string>());
        Assert.Equal("error", cells[4]!["outputs"]![0]!["output_type"]!.GetValue<string>());
        AssertValidNbformat(Path.Combine(dir, "out", "f.ipynb"));
    }

    public static TheoryData<string, string, string> BadFiles => new()
    {
        { "not-json.ipynb", "this is not json {", "is not valid JSON" },
        { "no-cells.ipynb", "{\"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}", "has no \"cells\" list" },
        { "truncated.ipynb", "{\"cells\": [{\"cell_type\": \"code\", \"source\": [\"1\"", "is truncated" },
        { "v3.ipynb", "{\"cells\": [], \"metadata\": {}, \"nbformat\": 3, \"nbformat_minor\": 0}", "is an nbformat 3 notebook; this engine reads nbformat 4. Convert it with" },
        { "array.ipynb", "[1, 2]", "not a notebook" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_file_that_is_not_a_runnable_notebook_gets_one_clear_line_and_nothing_is_written(string name, string content, string expected)
    {
        var dir = TempDir("bad");
        var src = Path.Combine(dir, name);
        File.WriteAllText(src, content);
        var before = Snapshot(src);
        var outDir = Path.Combine(dir, "out");
        var (code, stdout, _) = await Cli(src, "--out", outDir);
        Assert.Equal(1, code);
        var line = stdout.Split('\n')[0];
        Assert.StartsWith($"{name}  not run: ", line);
        Assert.Contains(expected, line);
        AssertUnchanged(src, before);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any());
        Assert.Equal([src], Directory.GetFiles(dir));
    }

    [Fact]
    public async Task A_missing_path_bad_options_and_help_are_handled()
    {
        var missing = Path.Combine(TempDir("missing"), "nope.ipynb");
        var (code, _, err) = await Cli(missing);
        Assert.Equal(2, code);
        Assert.StartsWith($"error: {missing} does not exist", err);
        Assert.Equal(2, (await Cli()).Code);
        Assert.Equal(2, (await Cli(missing, "--cell-timeout", "soon")).Code);
        Assert.Contains("unknown option --frobnicate", (await Cli(missing, "--frobnicate")).Err);
        var help = await Cli("--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("--cell-timeout SECONDS", help.Out);
        Assert.Contains("--out DIR", help.Out);
    }

    [Fact]
    public async Task The_output_folder_may_not_be_the_notebooks_own_folder()
    {
        var dir = TempDir("same");
        var src = Write(dir, "n.ipynb", Code("1"));
        var before = Snapshot(src);
        var (code, stdout, stderr) = await Cli(src, "--out", dir);
        Assert.Equal(2, code); // refused before any cell runs
        Assert.Equal("", stdout);
        Assert.Contains("would be written over the notebook itself", stderr);
        AssertUnchanged(src, before);
    }

    [Fact]
    public async Task An_unknown_package_fails_the_run_with_a_line_naming_it()
    {
        var dir = TempDir("pkg");
        var src = Write(dir, "p.ipynb", Code("#r \"nuget: No.Such.Package.For.Notebook.Tests, 1.0.0\""), Code("1"));
        var before = Snapshot(src);
        var (code, stdout, _) = await Cli(src, "--out", Path.Combine(dir, "out"));
        Assert.Equal(1, code);
        Assert.Contains("cell 1, line 1: NuGet package No.Such.Package.For.Notebook.Tests 1.0.0 could not be restored", stdout);
        AssertUnchanged(src, before);
    }

    [Fact]
    public async Task A_cell_that_never_ends_stops_the_runner_process_with_a_clear_message()
    {
        var dir = TempDir("hang");
        var src = Write(dir, "h.ipynb", Code("while (true) { }"), Code("Console.WriteLine(\"never\");"));
        var before = Snapshot(src);
        var runner = Path.Combine(AppContext.BaseDirectory, "Notebooks.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        foreach (var a in new[] { runner, src, "--cell-timeout", "4", "--out", Path.Combine(dir, "out") }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "the runner process must exit although the cell never ends");
        Assert.Equal(1, p.ExitCode);
        var text = await stdout;
        Assert.Contains("h.ipynb  2 cells  1 errors", text);
        Assert.Contains("cell 1 exceeded the 4 s time limit", text); // the endless cell is the first, so compiler warm-up under load cannot be mistaken for it
        AssertUnchanged(src, before);
        var cells = Read(Path.Combine(dir, "out", "h.ipynb"))["cells"]!.AsArray();
        Assert.Null(cells[1]!["execution_count"]);
        Assert.Empty(cells[1]!["outputs"]!.AsArray());
        AssertValidNbformat(Path.Combine(dir, "out", "h.ipynb"));
    }

    [Fact]
    public async Task Charts_in_an_executed_copy_carry_plotlyjs_once_and_draw_offline()
    {
        var dir = TempDir("charts");
        var chart = "#r \"nuget: Plotly.NET, 6.0.0\"\nusing Plotly.NET;\nvar t = new Trace2D(\"scatter\"); t.SetProperty(\"y\", new[] { 1, 3, 2 });\nGenericChart.ofTraceObject(true, t)";
        var src = Write(dir, "c.ipynb", Code(chart), Code("GenericChart.ofTraceObject(true, t)"), Code("display(GenericChart.ofTraceObject(true, t));"));
        var report = await NotebookRunner.RunAsync(src, Path.Combine(dir, "out"));
        Assert.True(report.Succeeded, string.Join("\n", report.Problems));
        var htmls = Read(report.Output!)["cells"]!.AsArray()
            .SelectMany(c => c!["outputs"]!.AsArray())
            .Select(o => string.Concat(o!["data"]!["text/html"]!.AsArray().Select(l => l!.GetValue<string>()))).ToList();
        Assert.Equal(3, htmls.Count);
        Assert.Equal(1, htmls.Count(h => h.Contains("plotly.js 2.28")));
        Assert.Contains("plotly.js 2.28", htmls[0]);
        Assert.All(htmls, h => Assert.Contains("Plotly.newPlot", h));
        // All three charts draw from a page that shows the outputs in order, with no network.
        var html = Browser.DumpDom(htmls, dir);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(html, "class=\"plot-container plotly\"").Count);
        Assert.Equal(9, System.Text.RegularExpressions.Regex.Matches(html, "class=\"main-svg\"").Count);
        Assert.Equal(3, Browser.CountDrawnCharts(htmls, TempDir("charts-again")));
    }
}

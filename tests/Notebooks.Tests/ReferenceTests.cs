namespace Notebooks.Tests;

/// <summary><c>#r</c> paths, <c>#load</c>, <c>#r "nuget:"</c> with a real restore, and the time limit; each on its own session and folder.</summary>
public class ReferenceTests
{
    private static ScriptSession NewSession(string folder, bool exportUsings = true, double timeoutSeconds = 120) => new(new ScriptSessionOptions
    {
        BaseDirectory = folder,
        NuGetCacheDirectory = TestNotebooks.NuGetCache,
        ExportUsingsFromLoadedScripts = exportUsings,
        CellTimeout = TimeSpan.FromSeconds(timeoutSeconds),
    });

    [Fact]
    public async Task Dll_references_and_loaded_scripts_resolve_against_the_notebook_folder_and_the_script_folder()
    {
        var dir = TestNotebooks.TempDir("refs");
        TestNotebooks.EmitLibrary(Path.Combine(dir, "libs", "Tiny.dll"), "namespace Tiny { public static class Answer { public static int Value => 42; } }");
        Directory.CreateDirectory(Path.Combine(dir, "scripts"));
        // scripts/setup.csx loads helper.csx and references ../libs/Tiny.dll, both relative to itself.
        File.WriteAllText(Path.Combine(dir, "scripts", "helper.csx"), "int Twice(int x) => 2 * x;\n");
        File.WriteAllText(Path.Combine(dir, "scripts", "setup.csx"), "#r \"../libs/Tiny.dll\"\n#load \"helper.csx\"\nusing Tiny;\nvar fromSetup = Answer.Value;\n");
        var s = NewSession(dir);
        var r1 = await s.RunCellAsync("#r \"libs/Tiny.dll\"\nTiny.Answer.Value", 1);
        Assert.True(r1.Succeeded, r1.ErrorSummary);
        Assert.Equal(42, r1.ReturnValue);
        var r2 = await s.RunCellAsync("#load \"scripts/setup.csx\"\nTwice(fromSetup)", 2);
        Assert.True(r2.Succeeded, r2.ErrorSummary);
        Assert.Equal(84, r2.ReturnValue);
        // usings of the loaded file reach the loading cell's later cells (engine extension, see ScriptSessionOptions)
        var r3 = await s.RunCellAsync("Answer.Value + 1", 3);
        Assert.True(r3.Succeeded, r3.ErrorSummary);
        Assert.Equal(43, r3.ReturnValue);
    }

    [Fact]
    public async Task Without_the_export_usings_of_loaded_scripts_stay_private_as_in_Roslyn_scripting()
    {
        var dir = TestNotebooks.TempDir("strict");
        File.WriteAllText(Path.Combine(dir, "setup.csx"), "using System.Text.RegularExpressions;\nvar loaded = true;\n");
        var s = NewSession(dir, exportUsings: false);
        var r = await s.RunCellAsync("#load \"setup.csx\"\nRegex.IsMatch(\"a\", \"a\")", 1);
        Assert.False(r.Succeeded);
        Assert.Contains("CS0103", r.ErrorSummary);
        var ok = await s.RunCellAsync("#load \"setup.csx\"\nusing System.Text.RegularExpressions;\nRegex.IsMatch(\"a\", \"a\") && loaded", 2);
        Assert.True(ok.Succeeded, ok.ErrorSummary);
    }

    [Fact]
    public async Task Nuget_references_restore_a_real_package_also_from_a_loaded_script()
    {
        var dir = TestNotebooks.TempDir("nuget");
        File.WriteAllText(Path.Combine(dir, "setup.csx"), "#r \"nuget:Humanizer.Core,3.0.10\"\nusing Humanizer;\nstring Title(string s) => s.Humanize(LetterCasing.Title);\n");
        var s = NewSession(dir);
        var r1 = await s.RunCellAsync("#r \"nuget: Humanizer.Core, 3.0.10\"\nusing Humanizer;\n\"attention_is_all_you_need\".Humanize()", 1);
        Assert.True(r1.Succeeded, r1.ErrorSummary);
        Assert.Equal("attention is all you need", r1.ReturnValue);
        var r2 = await s.RunCellAsync("#load \"setup.csx\"\nTitle(\"positional_encoding\")", 2);
        Assert.True(r2.Succeeded, r2.ErrorSummary);
        Assert.Equal("Positional Encoding", r2.ReturnValue);
        Assert.Contains(Directory.GetDirectories(TestNotebooks.NuGetCache), d => File.Exists(Path.Combine(d, "obj", "project.assets.json")));
    }

    [Fact]
    public async Task An_unknown_package_gives_an_error_naming_it_with_the_end_of_restores_output()
    {
        var s = NewSession(TestNotebooks.TempDir("unknown"));
        var r = await s.RunCellAsync("\n#r \"nuget: No.Such.Package.For.Notebook.Tests, 1.0.0\"\n1", 1);
        Assert.False(r.Succeeded);
        Assert.StartsWith("cell 1, line 2: NuGet package No.Such.Package.For.Notebook.Tests 1.0.0 could not be restored", r.ErrorSummary);
        var tb = r.Outputs.Single()["traceback"]!.AsArray().Select(l => l!.GetValue<string>()).ToList();
        Assert.Contains("Last lines of dotnet restore's output:", tb);
        Assert.Contains(tb, l => l.Contains("NU1101"));
    }

    [Fact]
    public async Task A_cell_that_never_ends_is_abandoned_at_the_time_limit_and_the_session_stops()
    {
        // The limit is short, so warm the compiler first in a session without one: a cold first compile alone can take
        // longer than 1.5 s on a busy machine, and the first cell below must not be the one that times out.
        Assert.True((await NewSession(TestNotebooks.TempDir("warm")).RunCellAsync("var warm = 1;", 1)).Succeeded);
        // 6 s: under a heavily loaded machine (load 14 on 2 cores) compiling a cell took longer than a 1.5 s limit, so the
        // cell before the endless one, or the endless one before its first line, timed out instead.
        var s = NewSession(TestNotebooks.TempDir("timeout"), timeoutSeconds: 6);
        Assert.True((await s.RunCellAsync("var x = 1;", 1)).Succeeded);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var r = await s.RunCellAsync("Console.WriteLine(\"spinning\");\nwhile (true) { }", 2);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60));
        Assert.True(r.TimedOut);
        Assert.False(r.Succeeded);
        Assert.Equal("stream", r.Outputs[0]["output_type"]!.GetValue<string>());
        Assert.StartsWith("cell 2 exceeded the 6 s time limit", r.Outputs[^1]["evalue"]!.GetValue<string>());
        Assert.True(s.IsStopped);
        var after = await s.RunCellAsync("x", 3);
        Assert.False(after.Succeeded);
        Assert.Contains("stopped", after.ErrorSummary);
    }
}

/// <summary>
/// A package reference must not change what earlier cells imported: after any #r "nuget:" cell,
/// display() and the Notebook global still resolve to one symbol (a fresh session per case).
/// </summary>
public class ReferenceRebindingTests
{
    [Theory]
    [InlineData("#r \"nuget: MathNet.Numerics, 5.0.0\"\n1")]
    [InlineData("#r \"nuget: Plotly.NET, 6.0.0\"\n#r \"nuget: Plotly.NET.Interactive, 6.0.0\"\n1")]
    [InlineData("#r \"nuget: Microsoft.DotNet.Interactive.Formatting, *-*\"\n1")]
    public async Task Display_still_binds_after_a_package_cell(string packageCell)
    {
        var s = new ScriptSession(new ScriptSessionOptions { BaseDirectory = TestNotebooks.TempDir("rebind"), NuGetCacheDirectory = TestNotebooks.NuGetCache });
        Assert.True((await s.RunCellAsync("var before = 1;", 1)).Succeeded);
        var p = await s.RunCellAsync(packageCell, 2);
        Assert.True(p.Succeeded, p.ErrorSummary);
        // Roslyn keeps the assembly symbols it may reuse in weak caches: a collection here is what made this fail now and then.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var r = await s.RunCellAsync("display(\"two\");\n\"three\".Display();\nNotebook.Folder.Length + before", 3);
        Assert.True(r.Succeeded, r.ErrorSummary);
        Assert.Equal(3, r.Outputs.Count);
    }
}

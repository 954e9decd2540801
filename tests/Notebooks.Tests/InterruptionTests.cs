using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Notebooks.Tests;

/// <summary><see cref="ScriptSession.Interrupt"/> and the loop checks that let an interrupted cell's thread end.</summary>
[Collection(KernelCollection.Name)]
public class InterruptionTests
{
    private static readonly CSharpParseOptions Script = CSharpParseOptions.Default.WithKind(SourceCodeKind.Script).WithLanguageVersion(LanguageVersion.Latest);

    private static ScriptSession NewSession() => new(new ScriptSessionOptions { NuGetCacheDirectory = TestNotebooks.NuGetCache });

    [Fact]
    public void Every_kind_of_loop_gets_a_check_on_its_own_line_and_nothing_else_moves()
    {
        const string code = "var n = 0;\nwhile (n < 3) n++;\nfor (var i = 0; i < 2; i++)\n{\n    n += i;\n}\ndo { n--; } while (n > 10);\nforeach (var c in \"ab\") n++;\nforeach (var (a, b) in new[] { (1, 2) }) { n += a + b; }\nn";
        var instrumented = CellInterruption.Instrument(code, 7, Script);
        Assert.Equal(5, instrumented.Split("global::Notebooks.CellInterruption.Check(7);").Length - 1);
        Assert.Equal(code.Split('\n').Length, instrumented.Split('\n').Length);
        // Each line is what it was, plus the check and (around a single-statement body) braces.
        static string Strip(string line) => line.Replace("global::Notebooks.CellInterruption.Check(7);", "", StringComparison.Ordinal).Replace("{", "", StringComparison.Ordinal).Replace("}", "", StringComparison.Ordinal);
        Assert.Equal(code.Split('\n').Select(Strip), instrumented.Split('\n').Select(Strip));
        Assert.Empty(CSharpSyntaxTree.ParseText(instrumented, Script).GetDiagnostics());
        const string plain = "double forward = 1; // no loops here, though the words appear";
        Assert.Same(plain, CellInterruption.Instrument(plain, 7, Script));
    }

    [Fact]
    public async Task Instrumented_loops_compute_the_same_and_errors_keep_their_lines_and_columns()
    {
        var session = NewSession();
        var r = await session.RunCellAsync("var n = 0;\nwhile (n < 3) n++;\nfor (var i = 0; i < 2; i++)\n{\n    n += i;\n}\ndo { n--; } while (n > 10);\nforeach (var c in \"ab\") n++;\nn", 1);
        Assert.True(r.Succeeded, r.ErrorSummary);
        Assert.Equal(5, r.ReturnValue);

        var compile = await session.RunCellAsync("for (var i = 0; i < 2; i++) { var y = notDefined; }", 2);
        Assert.StartsWith("cell 2, line 1, column 39: error CS0103", compile.ErrorSummary);

        var thrown = await session.RunCellAsync("for (var i = 0; i < 1; i++)\n{\n    throw new InvalidOperationException(\"x\");\n}", 3);
        Assert.StartsWith("cell 3, line 3: System.InvalidOperationException: x", thrown.ErrorSummary);
    }

    [Fact]
    public async Task Interrupting_a_blocked_cell_returns_at_once_and_the_session_continues_from_the_state_before_it()
    {
        var session = NewSession();
        Assert.False(session.Interrupt()); // nothing running
        Assert.True((await session.RunCellAsync("var kept = 1;", 1)).Succeeded);
        var started = $"interrupt-test-{Guid.NewGuid():N}";
        var running = session.RunCellAsync($"var lost = 2;\nConsole.WriteLine(\"before\");\nAppDomain.CurrentDomain.SetData(\"{started}\", true);\nSystem.Threading.Thread.Sleep(System.Threading.Timeout.Infinite);", 2);
        while (AppDomain.CurrentDomain.GetData(started) is null) await Task.Delay(20); // the cell is in its Sleep
        Assert.True(session.Interrupt());
        var r = await running.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(r.Interrupted);
        Assert.False(r.Succeeded);
        Assert.False(r.TimedOut);
        Assert.False(session.IsStopped);
        Assert.Equal(["stream", "error"], r.Outputs.Select(o => o["output_type"]!.GetValue<string>()));
        Assert.Equal(nameof(OperationCanceledException), r.Outputs[1]["ename"]!.GetValue<string>());
        Assert.Contains("cell 2 was interrupted", r.ErrorSummary);

        var next = await session.RunCellAsync("kept + 1", 3);
        Assert.True(next.Succeeded, next.ErrorSummary);
        Assert.Equal(2, next.ReturnValue);
        var gone = await session.RunCellAsync("lost", 4);
        Assert.Contains("CS0103", gone.ErrorSummary);
    }
}

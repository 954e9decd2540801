using System.Text.Json.Nodes;
using static Notebooks.Tests.TestNotebooks;
using static TestSupport.NotebookFiles;

namespace Notebooks.Tests;

/// <summary>
/// Threads, thread-pool items, timers and tasks that a cell starts: an exception there is reported in a cell instead of
/// ending the process, and what they write after their cell ended shows in a later cell with a note naming its cell.
/// </summary>
public class BackgroundWorkTests
{
    private static string Type(JsonObject o) => o["output_type"]!.GetValue<string>();

    private static string Text(JsonObject o) => string.Concat(o["text"]!.AsArray().Select(l => l!.GetValue<string>()));

    private static ScriptSession NewSession() => new(new ScriptSessionOptions { CellTimeout = TimeSpan.FromSeconds(60) });

    [Fact]
    public async Task An_exception_on_a_thread_the_cell_started_is_an_error_of_that_cell_and_the_session_goes_on()
    {
        var session = NewSession();
        var r = await session.RunCellAsync(
            "var t = new System.Threading.Thread(() => throw new InvalidOperationException(\"boom on a thread\"));\nt.Start();\nt.Join();\nvar afterJoin = 5;", 1);
        Assert.False(r.Succeeded);
        Assert.Contains("background thread", r.ErrorSummary);
        Assert.Contains("boom on a thread", r.ErrorSummary);
        var error = Assert.Single(r.Outputs, o => Type(o) == "error");
        Assert.Equal(nameof(InvalidOperationException), error["ename"]!.GetValue<string>());
        // The cell's own code ran to its end, and its variables are kept.
        var next = await session.RunCellAsync("afterJoin + 1", 2);
        Assert.True(next.Succeeded, next.ErrorSummary);
        Assert.Equal(6, next.ReturnValue);
    }

    [Fact]
    public async Task A_thread_that_throws_after_its_cell_ended_is_reported_in_the_next_cell_once()
    {
        var session = NewSession();
        var first = await session.RunCellAsync(
            "var go = new System.Threading.ManualResetEventSlim();\n" +
            "var worker = new System.Threading.Thread(() => { go.Wait(); throw new ArgumentException(\"thrown later\"); });\nworker.Start();", 1);
        Assert.True(first.Succeeded, first.ErrorSummary); // nothing had gone wrong while cell 1 ran
        // Join returns once the thread has ended, which is after the handler took its exception.
        var second = await session.RunCellAsync("go.Set();\nworker.Join();\n\"cell 2 ran\"", 2);
        Assert.False(second.Succeeded);
        Assert.StartsWith("cell 1: an exception on a background thread", second.ErrorSummary);
        var note = Assert.Single(second.Outputs, o => Type(o) == "stream" && Text(o).Contains("from cell 1", StringComparison.Ordinal));
        var error = Assert.Single(second.Outputs, o => Type(o) == "error");
        var order = second.Outputs.ToList();
        Assert.True(order.IndexOf(note) < order.IndexOf(error));
        Assert.Equal("thrown later", error["evalue"]!.GetValue<string>());
        var third = await session.RunCellAsync("1 + 1", 3);
        Assert.True(third.Succeeded, third.ErrorSummary); // reported once
    }

    [Fact]
    public async Task A_thread_pool_item_that_throws_is_reported_and_the_process_lives()
    {
        var session = NewSession();
        var first = await session.RunCellAsync(
            "System.Threading.ThreadPool.QueueUserWorkItem(_ => throw new ArgumentException(\"thrown by the pool\"));", 1);
        // The item throws while cell 1 runs or just after: it is reported in cell 1 or waits for the next cell.
        Assert.Equal(["thrown by the pool"], await ReportedErrors(session, first));
        Assert.True((await session.RunCellAsync("2 + 2", 2)).Succeeded);
    }

    [Fact]
    public async Task A_timer_callback_that_throws_is_reported_and_the_process_lives()
    {
        var session = NewSession();
        var first = await session.RunCellAsync(
            "var timer = new System.Threading.Timer(_ => throw new TimeoutException(\"timer says no\"), null, 0, System.Threading.Timeout.Infinite);", 1);
        Assert.Equal(["timer says no"], await ReportedErrors(session, first));
    }

    /// <summary>The errors of <paramref name="first"/> and, waiting up to 10 s for one, those reported after it.</summary>
    private static async Task<List<string>> ReportedErrors(ScriptSession session, CellResult first)
    {
        var reported = first.Outputs.Where(o => Type(o) == "error").ToList();
        for (var i = 0; i < 500 && reported.Count == 0; i++)
        {
            reported.AddRange(session.TakeLateOutputs().Outputs.Where(o => Type(o) == "error"));
            if (reported.Count == 0) await Task.Delay(20);
        }
        return [.. reported.Select(e => e["evalue"]!.GetValue<string>())];
    }

    [Fact]
    public async Task Text_a_task_writes_after_its_cell_ended_shows_in_the_next_cell_under_a_note()
    {
        var session = NewSession();
        var first = await session.RunCellAsync(
            "var release = new TaskCompletionSource();\nvar wrote = new TaskCompletionSource();\n" +
            "_ = Task.Run(async () => { await release.Task; Console.WriteLine(\"written late\"); wrote.SetResult(); });\n\"cell 1 done\"", 1);
        Assert.True(first.Succeeded, first.ErrorSummary);
        Assert.DoesNotContain(first.Outputs, o => Type(o) == "stream");
        var second = await session.RunCellAsync("release.SetResult();\nawait wrote.Task;\nConsole.WriteLine(\"cell 2's own line\");", 2);
        Assert.True(second.Succeeded, second.ErrorSummary);
        var texts = second.Outputs.Where(o => Type(o) == "stream").Select(Text).ToList();
        Assert.Equal(["[from cell 1, after it had finished: a thread, task or timer it started]\n", "written late\n", "cell 2's own line\n"], texts);
    }

    [Fact]
    public async Task Output_that_arrives_between_cells_waits_for_the_next_cell()
    {
        var session = NewSession();
        var first = await session.RunCellAsync(
            "var t = new System.Threading.Thread(() => { System.Threading.Thread.Sleep(50); Console.Write(\"between \"); Console.WriteLine(\"cells\"); });\nt.Start();", 1);
        Assert.True(first.Succeeded, first.ErrorSummary);
        for (var i = 0; i < 500 && session.PendingLateOutputs == 0; i++) await Task.Delay(20);
        Assert.Equal(1, session.PendingLateOutputs); // the two writes became one text
        var second = await session.RunCellAsync("t.Join();\n3", 2);
        Assert.True(second.Succeeded, second.ErrorSummary);
        Assert.Equal(["stream", "stream", "execute_result"], second.Outputs.Select(Type));
        Assert.Equal("between cells\n", Text(second.Outputs[1]));
        Assert.Equal(0, session.PendingLateOutputs);
    }

    [Fact]
    public async Task The_runner_reports_a_background_exception_writes_the_executed_copy_and_fails()
    {
        var dir = TempDir("background");
        var src = Write(dir, "threads.ipynb",
            Code("var t = new System.Threading.Thread(() => throw new InvalidOperationException(\"from a thread\"));\nt.Start();\nt.Join();"),
            Code("Console.WriteLine(\"still running\");"));
        var before = File.ReadAllBytes(src);
        var o = new StringWriter();
        var code = await Cli.MainAsync([src, "--out", Path.Combine(dir, "out")], o, new StringWriter());
        Assert.Equal(1, code);
        Assert.Contains("1 errors", o.ToString());
        Assert.Contains("from a thread", o.ToString());
        var cells = Read(Path.Combine(dir, "out", "threads.ipynb"))["cells"]!.AsArray();
        Assert.Equal("still running\n", cells[1]!["outputs"]![0]!["text"]![0]!.GetValue<string>());
        Assert.Equal(before, File.ReadAllBytes(src));
    }
}

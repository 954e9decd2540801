using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Notebooks.Kernel;
using Xunit.Abstractions;

namespace Notebooks.Tests;

/// <summary>
/// The kernel process dies with the process that started it: it does not start when its launcher is already gone,
/// and it shuts down when <c>JPY_PARENT_PID</c> or its parent process exits. Each test starts a real kernel process.
/// </summary>
[Collection(KernelCollection.Name)]
public partial class KernelParentTests(ITestOutputHelper output)
{
    private static readonly string Engine = typeof(JupyterKernel).Assembly.Location;

    /// <summary>How long a kernel may take to notice (it looks every second) and to end, on a busy machine.</summary>
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(15);

    private static string ConnectionFile(string dir)
    {
        var file = Path.Combine(dir, "kernel.json");
        File.WriteAllText(file, new ConnectionInfo { Ip = "127.0.0.1", Key = Guid.NewGuid().ToString() }.ToJson().ToJsonString());
        return file;
    }

    [Fact]
    public async Task A_kernel_whose_launcher_exits_before_it_starts_does_not_serve_and_exits()
    {
        var dir = TestNotebooks.TempDir("orphan");
        var log = Path.Combine(dir, "kernel.log");
        var pidFile = Path.Combine(dir, "kernel.pid");
        // The launcher starts the kernel in the background and exits at once, long before .NET has started.
        var launcher = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true };
        foreach (var a in new[] { "-c", "dotnet \"$0\" kernel --connection-file \"$1\" 2>\"$2\" & echo $! > \"$3\"", Engine, ConnectionFile(dir), log, pidFile })
            launcher.ArgumentList.Add(a);
        launcher.Environment.Remove("JPY_PARENT_PID");
        var clock = Stopwatch.StartNew();
        using (var sh = Process.Start(launcher)!)
        {
            Assert.True(sh.WaitForExit(10_000), "the launcher did not exit");
            Assert.Equal(0, sh.ExitCode);
        }
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        try
        {
            Assert.True(await Exited(pid, ExitBound), $"kernel {pid} still runs {ExitBound.TotalSeconds} s after its launcher exited; its log:\n{ReadShared(log)}");
            output.WriteLine($"the orphaned kernel exited {clock.Elapsed.TotalSeconds:F1} s after it was launched");
            var text = ReadShared(log);
            Assert.Contains("kernel: not starting: its parent had already exited when it started", text);
            Assert.Contains("--no-parent-watch", text);
            Assert.DoesNotContain("listening on", text);
        }
        finally
        {
            Kill(pid);
        }
    }

    [Fact]
    public async Task A_kernel_serves_while_its_JPY_PARENT_PID_runs_and_exits_within_seconds_when_it_exits()
    {
        var dir = TestNotebooks.TempDir("jpyparent");
        var file = ConnectionFile(dir);
        using var jupyter = Process.Start(new ProcessStartInfo("sleep", "600"))!; // stands in for the Jupyter server
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { Engine, "kernel", "--connection-file", file }) psi.ArgumentList.Add(a);
        psi.Environment["JPY_PARENT_PID"] = jupyter.Id.ToString(CultureInfo.InvariantCulture);
        using var kernel = Process.Start(psi)!;
        var log = new StringBuilder();
        kernel.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        kernel.BeginErrorReadLine();
        string Log() { lock (log) return log.ToString(); }
        try
        {
            var ports = await Listening(Log, kernel);
            var connection = ConnectionInfo.Load(file) with
            {
                ShellPort = ports[0], IOPubPort = ports[1], StdinPort = ports[2], ControlPort = ports[3], HeartbeatPort = ports[4],
            };
            using (var client = new KernelTestClient(connection))
            {
                client.WaitUntilReady();
                var (_, iopub) = client.Execute("6 * 7");
                Assert.Equal("42", KernelTestClient.Text(iopub.Single(m => m.Type == "execute_result").Content["data"]!["text/plain"]));
                // Several of the watch's looks later, with its front end still there, it still runs.
                await Task.Delay(TimeSpan.FromSeconds(2.5));
                Assert.False(kernel.HasExited, Log());
            }

            jupyter.Kill();
            await jupyter.WaitForExitAsync();
            var clock = Stopwatch.StartNew();
            Assert.True(kernel.WaitForExit(ExitBound), $"the kernel still runs {ExitBound.TotalSeconds} s after JPY_PARENT_PID {jupyter.Id} exited; its log:\n{Log()}");
            output.WriteLine($"the kernel exited {clock.Elapsed.TotalSeconds:F1} s after its JPY_PARENT_PID");
            kernel.WaitForExit(); // and its standard error has been read to the end
            Assert.Contains($"kernel: shutting down: the process that started it (JPY_PARENT_PID {jupyter.Id}) has exited", Log());
            Assert.Equal(0, kernel.ExitCode);
        }
        finally
        {
            if (!jupyter.HasExited) jupyter.Kill();
            if (!kernel.HasExited) kernel.Kill();
        }
    }

    [Fact]
    public async Task A_kernel_exits_within_seconds_when_its_parent_process_is_killed_after_it_started()
    {
        var dir = TestNotebooks.TempDir("parent");
        var log = Path.Combine(dir, "kernel.log");
        var pidFile = Path.Combine(dir, "kernel.pid");
        // The launcher stays (it waits for the kernel) until the test kills it.
        var launcher = new ProcessStartInfo("/bin/sh");
        foreach (var a in new[] { "-c", "dotnet \"$0\" kernel --connection-file \"$1\" 2>\"$2\" & echo $! > \"$3\"; wait", Engine, ConnectionFile(dir), log, pidFile })
            launcher.ArgumentList.Add(a);
        launcher.Environment.Remove("JPY_PARENT_PID");
        using var sh = Process.Start(launcher)!;
        var pid = 0;
        try
        {
            await Listening(() => ReadShared(log), sh);
            pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            Assert.False(await Exited(pid, TimeSpan.Zero), $"the kernel exited while its parent ran:\n{ReadShared(log)}");

            sh.Kill(); // SIGKILL to the launcher only: the kernel is handed to another parent
            await sh.WaitForExitAsync();
            var clock = Stopwatch.StartNew();
            Assert.True(await Exited(pid, ExitBound), $"kernel {pid} still runs {ExitBound.TotalSeconds} s after its parent {sh.Id} was killed; its log:\n{ReadShared(log)}");
            output.WriteLine($"the kernel exited {clock.Elapsed.TotalSeconds:F1} s after its parent was killed");
            Assert.Contains($"kernel: shutting down: its parent process {sh.Id} has exited", ReadShared(log));
        }
        finally
        {
            if (!sh.HasExited) sh.Kill();
            if (pid > 0) Kill(pid);
        }
    }

    /// <summary>Waits for the kernel's "listening on" line and returns its five ports (shell, iopub, stdin, control, heartbeat).</summary>
    private static async Task<int[]> Listening(Func<string> log, Process process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (ListeningLine().Match(log()) is { Success: true } m)
                return [.. Enumerable.Range(1, 5).Select(g => int.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture))];
            Assert.False(process.HasExited, $"the process exited before the kernel listened:\n{log()}");
            await Task.Delay(100);
        }
        throw new TimeoutException($"the kernel did not start listening within 60 s:\n{log()}");
    }

    /// <summary>True once process <paramref name="pid"/> is gone or a zombie (checked for up to <paramref name="wait"/>).</summary>
    private static async Task<bool> Exited(int pid, TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            if (!File.Exists($"/proc/{pid}/stat")) return true;
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z')) return true;
            }
            catch (IOException)
            {
                return true;
            }
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(100);
        }
    }

    /// <summary>Ends a kernel this test started that still runs (a failing test), and nothing else that may have taken its id.</summary>
    private static void Kill(int pid)
    {
        try
        {
            if (!File.ReadAllText($"/proc/{pid}/cmdline").Contains("Notebooks.dll", StringComparison.Ordinal)) return;
        }
        catch (IOException)
        {
            return;
        }
        try
        {
            using var p = Process.GetProcessById(pid);
            if (!p.HasExited) p.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // already gone
        }
    }

    /// <summary>A file another process is still writing.</summary>
    private static string ReadShared(string path)
    {
        if (!File.Exists(path)) return "";
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    [GeneratedRegex(@"listening on \S+ \(shell (\d+), iopub (\d+), stdin (\d+), control (\d+), heartbeat (\d+)\)")]
    private static partial Regex ListeningLine();
}

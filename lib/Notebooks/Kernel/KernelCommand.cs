using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using NetMQ;

namespace Notebooks.Kernel;

/// <summary>The runner's <c>kernel</c> and <c>install-kernel</c> subcommands.</summary>
public static class KernelCommand
{
    /// <summary>Help of <c>kernel</c>.</summary>
    public const string KernelUsage = """
        Serves one Jupyter kernel session (Jupyter starts this; you normally do not).

        usage: dotnet run --project lib/Notebooks -- kernel --connection-file FILE [options]

          --connection-file FILE  the connection file Jupyter wrote ({connection_file} in kernel.json)
          --allow-remote          serve an "ip" other than 127.0.0.1/::1/localhost (anyone who can reach it
                                  and has the key can run code as you)
          --cell-timeout SECONDS  stop the session when a cell runs longer (default: no limit; interrupt instead)
          --no-parent-watch       keep running when the process that started the kernel exits (for a kernel that a
                                  service manager starts on purpose; by default the kernel exits with its launcher)
          --help                  this text
        """;

    /// <summary>Help of <c>install-kernel</c>.</summary>
    public const string InstallUsage = """
        Installs the Jupyter kernelspec that runs C# cells with this engine (for Jupyter and VS Code).

        usage: dotnet run --project lib/Notebooks -- install-kernel [--name NAME] [--force] [--user | --prefix DIR]

          --name NAME   kernel name (default: .net-csharp, the name the tutorial's notebooks ask for)
          --force       replace a kernel of that name that this command did not write (it is moved to
                        kernel-backups/ beside kernels/, not deleted)
          --user        install into Jupyter's user data folder (the default): $JUPYTER_DATA_DIR, else
                        ~/.local/share/jupyter (Linux), ~/Library/Jupyter (macOS), %APPDATA%\jupyter (Windows)
          --prefix DIR  install into DIR/share/jupyter/kernels instead (for example a virtual environment)
          --help        this text

        The kernelspec runs `dotnet <this build's Notebooks.dll> kernel …`: rerun the command after moving the
        repository. A kernelspec it wrote earlier is updated in place.
        """;

    /// <summary>Runs the kernel until Jupyter shuts it down; returns the exit code.</summary>
    public static async Task<int> RunKernelAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        // First of all, before the launcher has more time to exit unseen: who started this process.
        var watch = ParentWatch.Create(Environment.GetEnvironmentVariable("JPY_PARENT_PID"), out var watchProblem);
        string? file = null;
        var allowRemote = false;
        var watchParent = true;
        var timeout = Timeout.InfiniteTimeSpan;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--help" or "-h":
                    stdout.WriteLine(KernelUsage);
                    return 0;
                case "--connection-file" or "-f":
                    if (i + 1 >= args.Length) return Fail(stderr, "--connection-file needs a file: --connection-file FILE");
                    file = args[++i];
                    break;
                case "--allow-remote":
                    allowRemote = true;
                    break;
                case "--no-parent-watch":
                    watchParent = false;
                    break;
                case "--cell-timeout":
                    // NaN and Infinity parse as numbers: the same rule as the runner's.
                    if (i + 1 >= args.Length || !double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s)
                        || !double.IsFinite(s) || s < Cli.MinCellTimeoutSeconds || s > Cli.MaxCellTimeoutSeconds)
                        return Fail(stderr, $"--cell-timeout needs a number of seconds from {Cli.MinCellTimeoutSeconds} to {Math.Floor(Cli.MaxCellTimeoutSeconds)}, for example --cell-timeout 600");
                    timeout = TimeSpan.FromSeconds(s);
                    i++;
                    break;
                default:
                    return Fail(stderr, $"unknown argument {args[i]} for kernel; run with kernel --help to see the options");
            }
        }
        if (file is null) return Fail(stderr, "kernel needs --connection-file FILE (Jupyter passes it; see kernel --help)");
        if (!watchParent) watch = null;
        else if (watchProblem is not null) stderr.WriteLine($"kernel: {watchProblem}");

        // Jupyter's own stdin is not the user's: a cell reads input through the client (input_request), or end of input;
        // anything else that reads Console.In in this process reads end of input instead of hanging.
        ConsoleInputRouter.ProcessInput = TextReader.Null;
        JupyterKernel kernel;
        try
        {
            var connection = ConnectionInfo.Load(file);
            kernel = new JupyterKernel(connection, new KernelOptions { AllowRemote = allowRemote, CellTimeout = timeout, Log = stderr });
            // A kernel whose launcher is already gone would serve nobody, and could still be made to run code: do not start.
            if (watch?.Gone() is { } gone)
            {
                stderr.WriteLine($"kernel: not starting: {gone}. (A service that starts the kernel on purpose can pass --no-parent-watch.)");
                kernel.Dispose();
                return 1;
            }
            kernel.Start();
        }
        catch (KernelConfigurationException e)
        {
            return Fail(stderr, e.Message);
        }
        // A front end that interrupts with SIGINT (a kernelspec without "interrupt_mode": "message") interrupts the cell, not the process.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            kernel.InterruptCell();
        });
        using (watch)
        {
            watch?.Start(why =>
            {
                stderr.WriteLine($"kernel: shutting down: {why}");
                kernel.Stop();
            });
            await kernel.Completion.ConfigureAwait(false);
        }
        NetMQConfig.Cleanup(block: true); // lets the last replies (shutdown_reply) leave before the process ends
        return 0;
    }

    /// <summary>Installs the kernelspec; returns the exit code.</summary>
    public static int Install(string[] args, TextWriter stdout, TextWriter stderr, string? engineDll = null)
    {
        string? name = null, prefix = null;
        bool force = false, user = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--help" or "-h":
                    stdout.WriteLine(InstallUsage);
                    return 0;
                case "--name":
                    if (i + 1 >= args.Length) return Fail(stderr, "--name needs a kernel name: --name NAME");
                    name = args[++i];
                    break;
                case "--prefix":
                    if (i + 1 >= args.Length) return Fail(stderr, "--prefix needs a folder: --prefix DIR");
                    prefix = args[++i];
                    break;
                case "--user":
                    user = true;
                    break;
                case "--force":
                    force = true;
                    break;
                default:
                    return Fail(stderr, $"unknown argument {args[i]} for install-kernel; run with install-kernel --help to see the options");
            }
        }
        if (user && prefix is not null) return Fail(stderr, "--user and --prefix choose different places; pass one of them");
        var kernels = prefix is not null ? KernelInstaller.KernelsDirectoryForPrefix(prefix) : Path.Combine(KernelInstaller.JupyterDataDirectory(), "kernels");
        var dll = engineDll ?? typeof(KernelCommand).Assembly.Location;
        try
        {
            var done = KernelInstaller.Install(kernels, name ?? KernelInstaller.DefaultName, force, dll);
            stdout.WriteLine($"{done.Action} Jupyter kernel '{done.Name}' in {done.Directory}");
            if (done.Backup is not null) stdout.WriteLine($"  the kernel that was there is now in {done.Backup}");
            stdout.WriteLine($"  it runs: dotnet {Path.GetFullPath(dll)} kernel --connection-file {{connection_file}}");
            stdout.WriteLine("  pick \"" + (done.Name == KernelInstaller.DefaultName ? KernelInstaller.DisplayName : $".NET (C#, {done.Name})") + "\" in Jupyter or VS Code; list kernels with: jupyter kernelspec list");
            return 0;
        }
        catch (KernelConfigurationException e)
        {
            return Fail(stderr, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(stderr, $"could not write the kernelspec under {kernels}: {e.Message}");
        }
    }

    private static int Fail(TextWriter e, string message)
    {
        e.WriteLine($"error: {message}");
        return 2;
    }
}

/// <summary>
/// Watches the process that started the kernel, so that no orphaned kernel keeps running (and keeps executing code)
/// after its front end has gone: a closed editor, a killed Jupyter server, or a launcher that died before the kernel
/// had even finished starting.
/// <para>
/// Two signs are read, whichever are available. <c>JPY_PARENT_PID</c>, which Jupyter sets to its own process id when
/// it starts a kernel: gone when no process of that id runs any more (a zombie counts as gone, and so does a new
/// process that reused the id, told apart by its start time). On Linux, the parent process id (from
/// <c>/proc/self/stat</c>) read when the watch is made: gone when it changes, since a process whose parent exits is
/// handed to init (pid 1) or to a subreaper. A parent of 1 at that moment, without <c>JPY_PARENT_PID</c>, means the
/// launcher already exited; with <c>JPY_PARENT_PID</c> set, a parent of 1 is left to that variable (a launcher that
/// detaches its kernels, or a Jupyter server that is itself pid 1 in a container).
/// </para>
/// On Windows, Jupyter passes in <c>JPY_PARENT_PID</c> a process handle the kernel inherits, not a process id: gone
/// when that handle is signalled. Where neither sign is available (macOS without <c>JPY_PARENT_PID</c>), there is
/// nothing to watch.
/// </summary>
internal sealed class ParentWatch : IDisposable
{
    /// <summary>How often the watch looks.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly int? jupyterParent;
    private readonly long? jupyterParentStart;
    private readonly int? parentAtStart;
    private InheritedProcessHandle? jupyterParentHandle;
    private Timer? timer;

    private ParentWatch(int? jupyterParent, long? jupyterParentStart, int? parentAtStart, InheritedProcessHandle? jupyterParentHandle)
    {
        this.jupyterParent = jupyterParent;
        this.jupyterParentStart = jupyterParentStart;
        this.parentAtStart = parentAtStart;
        this.jupyterParentHandle = jupyterParentHandle;
    }

    /// <summary>
    /// Reads the parent process id and <paramref name="jpyParentPid"/> (the value of <c>JPY_PARENT_PID</c>, or null)
    /// now: call it first thing. Null when there is nothing to watch. A value that is not a process id is reported in
    /// <paramref name="problem"/> and ignored.
    /// </summary>
    public static ParentWatch? Create(string? jpyParentPid, out string? problem)
    {
        var parent = ProcessTable.ParentOfSelf();
        problem = null;
        int? jupyter = null;
        if (OperatingSystem.IsWindows())
        {
            if (long.TryParse(jpyParentPid, NumberStyles.None, CultureInfo.InvariantCulture, out var handle) && handle > 0)
                return new ParentWatch(null, null, null, new InheritedProcessHandle(new IntPtr(handle)));
            return null;
        }
        if (!string.IsNullOrWhiteSpace(jpyParentPid))
        {
            if (int.TryParse(jpyParentPid, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0) jupyter = pid;
            else problem = $"JPY_PARENT_PID is '{jpyParentPid}', not a process id; it is ignored";
        }
        if (jupyter is null && parent is null or 0) return null; // 0: the parent is outside this process's pid namespace
        return new ParentWatch(jupyter, jupyter is { } j ? ProcessTable.StartTime(j) : null, parent, null);
    }

    /// <summary>Null while the process that started the kernel runs; otherwise what became of it.</summary>
    public string? Gone()
    {
        if (jupyterParentHandle is { } handle)
        {
            try
            {
                if (handle.WaitOne(0)) return "the process that started it (the handle in JPY_PARENT_PID) has exited";
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                jupyterParentHandle = null; // not a handle this process can wait on: nothing to watch
            }
        }
        if (jupyterParent is { } j && !ProcessTable.IsRunning(j, jupyterParentStart))
            return $"the process that started it (JPY_PARENT_PID {j}) has exited";
        if (parentAtStart is { } p)
        {
            if (p == 1 && jupyterParent is null) return "its parent had already exited when it started (its parent process is init, pid 1)";
            if (p > 1 && ProcessTable.ParentOfSelf() is { } now && now != p) return $"its parent process {p} has exited";
        }
        return null;
    }

    /// <summary>Looks every <see cref="Interval"/>; calls <paramref name="onGone"/> once, with <see cref="Gone"/>'s reason.</summary>
    public void Start(Action<string> onGone)
    {
        var fired = 0;
        timer = new Timer(_ =>
        {
            if (Gone() is { } why && Interlocked.Exchange(ref fired, 1) == 0) onGone(why);
        }, null, Interval, Interval);
    }

    /// <summary>Stops watching.</summary>
    public void Dispose()
    {
        timer?.Dispose();
        jupyterParentHandle?.Dispose();
    }

    /// <summary>A process handle this process inherited (signalled when that process ends); it is not closed here.</summary>
    private sealed class InheritedProcessHandle : WaitHandle
    {
        public InheritedProcessHandle(IntPtr handle) => SafeWaitHandle = new Microsoft.Win32.SafeHandles.SafeWaitHandle(handle, ownsHandle: false);
    }
}

/// <summary>What the kernel needs to know about other processes: on Linux from <c>/proc</c>, elsewhere from <see cref="Process"/>.</summary>
internal static class ProcessTable
{
    /// <summary>This process's parent process id (Linux), or null where it cannot be read.</summary>
    public static int? ParentOfSelf() => Stat("self") is { } f && int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;

    /// <summary>When process <paramref name="pid"/> started, in the system's own units (to tell a reused id apart), or null.</summary>
    public static long? StartTime(int pid)
    {
        if (OperatingSystem.IsLinux())
            return Stat(pid.ToString(CultureInfo.InvariantCulture)) is { Length: > 19 } f && long.TryParse(f[19], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;
        try
        {
            using var p = Process.GetProcessById(pid);
            return p.StartTime.ToUniversalTime().Ticks;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// True while process <paramref name="pid"/> runs: it exists, is not a zombie, and (when <paramref name="startTime"/>
    /// is known) is the same process as when the start time was read, not a new one that reused the id.
    /// </summary>
    public static bool IsRunning(int pid, long? startTime)
    {
        if (OperatingSystem.IsLinux())
        {
            if (Stat(pid.ToString(CultureInfo.InvariantCulture)) is not { } f) return false;
            if (f[0] is "Z" or "X" or "x") return false;
            return startTime is not { } t || StartTime(pid) == t;
        }
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited && (startTime is not { } t || p.StartTime.ToUniversalTime().Ticks == t);
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return true; // exists, but may not be inspected: assume it runs
        }
    }

    /// <summary>The fields of <c>/proc/ID/stat</c> after the command name (state first, then the parent id, …), or null.</summary>
    private static string[]? Stat(string id)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var stat = File.ReadAllText($"/proc/{id}/stat");
            var close = stat.LastIndexOf(')');
            if (close < 0 || close + 2 > stat.Length) return null;
            return stat[(close + 2)..].Split(' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

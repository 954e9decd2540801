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
        string? file = null;
        var allowRemote = false;
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
                case "--cell-timeout":
                    if (i + 1 >= args.Length || !double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) || s <= 0 || s > int.MaxValue / 1000.0)
                        return Fail(stderr, "--cell-timeout needs a positive number of seconds, for example --cell-timeout 600");
                    timeout = TimeSpan.FromSeconds(s);
                    i++;
                    break;
                default:
                    return Fail(stderr, $"unknown argument {args[i]} for kernel; run with kernel --help to see the options");
            }
        }
        if (file is null) return Fail(stderr, "kernel needs --connection-file FILE (Jupyter passes it; see kernel --help)");

        // Jupyter's own stdin is not the user's: a cell reads input through the client (input_request), or end of input;
        // anything else that reads Console.In in this process reads end of input instead of hanging.
        ConsoleInputRouter.ProcessInput = TextReader.Null;
        JupyterKernel kernel;
        try
        {
            var connection = ConnectionInfo.Load(file);
            kernel = new JupyterKernel(connection, new KernelOptions { AllowRemote = allowRemote, CellTimeout = timeout, Log = stderr });
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
        using var parent = ParentWatch.Start(kernel, stderr);
        await kernel.Completion.ConfigureAwait(false);
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

    /// <summary>
    /// Ends the kernel when the process that started it goes away (a closed editor, a killed server), so no
    /// orphaned kernel keeps running: on Linux by watching the parent process id, elsewhere through
    /// <c>JPY_PARENT_PID</c> when the front end sets it.
    /// </summary>
    private sealed class ParentWatch : IDisposable
    {
        private readonly Timer timer;

        private ParentWatch(Func<bool> parentGone, JupyterKernel kernel, TextWriter log)
        {
            timer = new Timer(_ =>
            {
                if (!parentGone()) return;
                log.WriteLine("kernel: the process that started this kernel has exited; shutting down");
                kernel.Stop();
            }, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        }

        public static ParentWatch? Start(JupyterKernel kernel, TextWriter log)
        {
            if (ParentPid() is { } ppid and > 1) return new ParentWatch(() => ParentPid() != ppid, kernel, log);
            if (int.TryParse(Environment.GetEnvironmentVariable("JPY_PARENT_PID"), out var pid) && pid > 0)
                return new ParentWatch(() => !IsAlive(pid), kernel, log);
            return null;
        }

        public void Dispose() => timer.Dispose();

        /// <summary>The parent process id from /proc (Linux), or null.</summary>
        private static int? ParentPid()
        {
            try
            {
                var stat = File.ReadAllText("/proc/self/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                return null;
            }
        }

        private static bool IsAlive(int pid)
        {
            try
            {
                using var p = System.Diagnostics.Process.GetProcessById(pid);
                return !p.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }
    }
}

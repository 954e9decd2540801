using System.Diagnostics;

namespace Notebooks.Images;

/// <summary>
/// Debian's Chromium run headless, once per page: it loads a local file with no network, lets the
/// page's scripts run, and prints the resulting DOM (<c>--dump-dom</c>).
/// </summary>
public sealed class HeadlessChromium
{
    /// <summary>Where Debian installs Chromium.</summary>
    public const string DefaultExecutable = "/usr/bin/chromium";

    /// <summary>The switches every run uses: headless, no sandbox (CI runs as root), and nothing that talks to the network.</summary>
    public static IReadOnlyList<string> Flags { get; } =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-extensions", "--mute-audio",
        // Belt and braces for "no network": any request that is not a local file goes to a closed port.
        "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    ];

    /// <summary>Uses <paramref name="executable"/>.</summary>
    public HeadlessChromium(string executable = DefaultExecutable) => Executable = executable;

    /// <summary>The Chromium binary.</summary>
    public string Executable { get; }

    /// <summary>True when the binary exists.</summary>
    public bool IsAvailable => File.Exists(Executable);

    /// <summary>One line for users when Chromium is missing.</summary>
    public string MissingMessage => $"{Executable} not found; install it with: apt-get install chromium";

    /// <summary>
    /// Loads <paramref name="page"/> (a local file) and returns the DOM after its scripts ran for up to
    /// <paramref name="virtualTime"/> of virtual time (which passes as fast as the page lets it). A fresh
    /// profile in a temporary folder is used and removed.
    /// </summary>
    /// <exception cref="ChromiumException">Chromium could not start, crashed, or did not finish within <paramref name="wallClockLimit"/>.</exception>
    public async Task<string> DumpDomAsync(string page, TimeSpan virtualTime, TimeSpan wallClockLimit, CancellationToken cancellationToken = default)
    {
        var profile = Path.Combine(Path.GetTempPath(), $"notebooks-chromium-{Guid.NewGuid():N}");
        Directory.CreateDirectory(profile);
        try
        {
            var psi = new ProcessStartInfo(Executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var f in Flags) psi.ArgumentList.Add(f);
            psi.ArgumentList.Add($"--user-data-dir={profile}");
            psi.ArgumentList.Add($"--virtual-time-budget={(long)virtualTime.TotalMilliseconds}");
            psi.ArgumentList.Add("--dump-dom");
            psi.ArgumentList.Add(new Uri(Path.GetFullPath(page)).AbsoluteUri);
            using var process = new Process { StartInfo = psi };
            try
            {
                process.Start();
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                throw new ChromiumException($"{Executable} could not be started: {e.Message}", e);
            }
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(wallClockLimit);
            try
            {
                await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                cancellationToken.ThrowIfCancellationRequested();
                throw new ChromiumException($"{Executable} did not finish within {wallClockLimit.TotalSeconds:0} s and was stopped.");
            }
            var dom = await stdout.ConfigureAwait(false);
            var log = await stderr.ConfigureAwait(false);
            if (process.ExitCode != 0 || dom.Length == 0)
            {
                var last = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Where(l => !l.Contains("dbus", StringComparison.OrdinalIgnoreCase)).TakeLast(3);
                throw new ChromiumException($"{Executable} exited with code {process.ExitCode}: {string.Join(" | ", last)}");
            }
            return dom;
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}

/// <summary>Chromium failed to render a page; the message says how.</summary>
public sealed class ChromiumException(string message, Exception? inner = null) : Exception(message, inner);

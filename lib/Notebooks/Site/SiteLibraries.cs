using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Notebooks.Site;

/// <summary>
/// The browser libraries the site bundles besides plotly.js: KaTeX (math) and Mermaid (diagrams).
/// They come from npm, pinned in <c>lib/Notebooks/SiteAssets/package-lock.json</c>, and are installed
/// there with <c>npm ci</c> the first time a site is built (or by CI). When npm is missing or the
/// install fails, <see cref="Problem"/> says why and the site is written without them.
/// </summary>
public sealed class SiteLibraries
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    private SiteLibraries(string? modules, string? katexVersion, string? mermaidVersion, string? problem)
    {
        NodeModules = modules;
        KatexVersion = katexVersion;
        MermaidVersion = mermaidVersion;
        Problem = problem;
    }

    /// <summary>The <c>node_modules</c> folder holding KaTeX and Mermaid, or null when they are not available.</summary>
    public string? NodeModules { get; }

    /// <summary>The installed KaTeX version, or null.</summary>
    public string? KatexVersion { get; }

    /// <summary>The installed Mermaid version, or null.</summary>
    public string? MermaidVersion { get; }

    /// <summary>Why math and diagrams cannot be rendered (with what to do about it), or null when they can.</summary>
    public string? Problem { get; }

    /// <summary>True when both libraries are available.</summary>
    public bool Available => NodeModules is not null;

    /// <summary>The files copied into the site: (path under node_modules, path under the site's <c>assets/</c>).</summary>
    public static IReadOnlyList<(string From, string To)> Files { get; } =
    [
        ("katex/dist/katex.min.js", "katex/katex.min.js"),
        ("katex/dist/katex.min.css", "katex/katex.min.css"),
        ("katex/dist/contrib/auto-render.min.js", "katex/contrib/auto-render.min.js"),
        ("katex/LICENSE", "katex/LICENSE"),
        ("mermaid/dist/mermaid.min.js", "mermaid/mermaid.min.js"),
        ("mermaid/LICENSE", "mermaid/LICENSE"),
    ];

    /// <summary>KaTeX's font folder (copied whole to <c>assets/katex/fonts</c>, where its CSS looks for it).</summary>
    public const string KatexFonts = "katex/dist/fonts";

    /// <summary>
    /// The folder with package.json and package-lock.json: the one recorded when the runner was built
    /// (<c>lib/Notebooks/SiteAssets</c>), or the environment variable <c>NOTEBOOKS_SITE_ASSETS</c>.
    /// </summary>
    public static string? PackageFolder
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("NOTEBOOKS_SITE_ASSETS");
            if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
            return typeof(SiteLibraries).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "NotebooksSiteAssets")?.Value;
        }
    }

    /// <summary>
    /// Finds the libraries, running <c>npm ci</c> in <paramref name="packageFolder"/> (default:
    /// <see cref="PackageFolder"/>) first when <c>node_modules</c> is missing or older than the lock file.
    /// <paramref name="npm"/> is the npm to use (default: the one on PATH). Progress goes to <paramref name="log"/>.
    /// </summary>
    public static async Task<SiteLibraries> PrepareAsync(TextWriter log, string? packageFolder = null, string? npm = null, CancellationToken cancellationToken = default)
    {
        var folder = packageFolder ?? PackageFolder;
        if (folder is null || !File.Exists(Path.Combine(folder, "package-lock.json")))
            return Missing($"the npm package folder (lib/Notebooks/SiteAssets, with package-lock.json) was not found{(folder is null ? "" : $" at {folder}")}; set NOTEBOOKS_SITE_ASSETS to it");
        var modules = Path.Combine(folder, "node_modules");
        await InstallGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!IsInstalled(folder))
            {
                npm ??= FindOnPath("npm");
                if (npm is null || !File.Exists(npm))
                    return Missing("npm was not found, so KaTeX and Mermaid could not be installed; install Node.js and npm (apt-get install nodejs npm) and build the site again");
                log.WriteLine($"site: installing KaTeX and Mermaid with npm ci in {Relative(folder)} (once; needs the npm registry)");
                var (ok, output) = await RunAsync(npm, folder, cancellationToken, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error").ConfigureAwait(false);
                if (!ok || !IsInstalled(folder))
                    return Missing($"npm ci in {Relative(folder)} failed ({Last(output)}); run it there by hand to see why, then build the site again");
            }
        }
        finally
        {
            InstallGate.Release();
        }
        return new SiteLibraries(modules, Version(modules, "katex"), Version(modules, "mermaid"), null);
    }

    /// <summary>Libraries that are not available, for the reason given.</summary>
    public static SiteLibraries Missing(string problem) => new(null, null, null, problem);

    private static bool IsInstalled(string folder)
    {
        var modules = Path.Combine(folder, "node_modules");
        var stamp = Path.Combine(modules, ".package-lock.json");
        if (!File.Exists(stamp)) return false;
        // npm ci rewrites the stamp; a lock file changed since (a version bump pulled in) needs a new install.
        if (File.GetLastWriteTimeUtc(stamp) < File.GetLastWriteTimeUtc(Path.Combine(folder, "package-lock.json"))) return false;
        return Files.All(f => File.Exists(Path.Combine(modules, f.From))) && Directory.Exists(Path.Combine(modules, KatexFonts));
    }

    private static string? Version(string modules, string package)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(Path.Combine(modules, package, "package.json")))?["version"]?.GetValue<string>();
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static async Task<(bool Ok, string Output)> RunAsync(string exe, string dir, CancellationToken cancellationToken, params string[] args)
    {
        var psi = new ProcessStartInfo(exe)
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromMinutes(10));
            try
            {
                await p.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                cancellationToken.ThrowIfCancellationRequested();
                return (false, "it did not finish within 10 minutes");
            }
            return (p.ExitCode == 0, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (false, e.Message);
        }
    }

    private static string Last(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.Contains("EBADENGINE", StringComparison.Ordinal) && !l.Contains("nodedir", StringComparison.Ordinal))
            .TakeLast(2).ToList();
        return lines.Count == 0 ? "no output" : string.Join(" | ", lines);
    }

    private static string Relative(string path)
    {
        var rel = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return rel.StartsWith("..", StringComparison.Ordinal) ? path : rel;
    }
}

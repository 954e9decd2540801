using System.Diagnostics;

namespace Interactive.Tests;

/// <summary>
/// The project's engine, run as a reader runs it: the runner (lib/Notebooks, built by the solution) over
/// <c>notebooks/</c> into a temporary folder, once for all the differential tests. It runs in its own process: the
/// engine is built on a newer Roslyn than the released kernel, and one process cannot load both.
/// </summary>
public sealed class EngineRun : IAsyncLifetime
{
    public static string RepositoryRoot { get; } = FindRoot();

    public string Executed { get; } = Path.Combine(Path.GetTempPath(), "interactive-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public string Output { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // Same configuration as this test assembly (…/bin/Debug/net10.0/ → Debug).
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        string runner = Path.Combine(RepositoryRoot, "lib", "Notebooks", "bin", configuration, "net10.0", "Notebooks.dll");
        Assert.True(File.Exists(runner), $"{runner} is missing: build the solution first (dotnet build Tutorial.sln).");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot };
        foreach (var a in new[] { runner, Path.Combine(RepositoryRoot, "notebooks"), "--out", Executed, "--no-images" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(20));
        Output = await stdout + await stderr;
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(Executed, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return Task.CompletedTask;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Tutorial.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Tutorial.sln above {AppContext.BaseDirectory}");
    }
}

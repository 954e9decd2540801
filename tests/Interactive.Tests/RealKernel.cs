using System.Reflection;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace Interactive.Tests;

/// <summary>
/// The released .NET Interactive C# kernel (1.0.0-beta.26120.1), hosted as the dotnet-interactive tool builds it:
/// <c>CSharpKernel</c> with <c>UseNugetDirective</c>, <c>UseKernelHelpers</c> and <c>UseValueSharing</c> in a
/// composite kernel, and the kernel extensions of restored packages loaded (Plotly.NET.Interactive's formatter for
/// charts), in a process that carries FSharp.Core 10.1 so that Plotly.NET 6 loads.
/// </summary>
public static class RealKernel
{
    /// <summary>Runs the notebook's code cells in order in a fresh kernel, with the notebook's folder as working directory.</summary>
    public static async Task<List<CellRun>> RunAsync(string notebookPath, IReadOnlyList<string> cells)
    {
        string previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(Path.GetDirectoryName(Path.GetFullPath(notebookPath))!);
        Formatter.ResetToDefault();
        using var kernel = Create();
        try
        {
            var runs = new List<CellRun>();
            foreach (var code in cells)
            {
                var result = await kernel.SendAsync(new SubmitCode(code, "csharp"));
                runs.Add(Summarise(result.Events));
            }
            return runs;
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
        }
    }

    private static CompositeKernel Create()
    {
        var composite = new CompositeKernel();
        var csharp = new CSharpKernel()
            .UseNugetDirective(async (k, packages) =>
            {
                k.AddAssemblyReferences(packages.SelectMany(p => p.AssemblyPaths));
                foreach (var package in packages) await LoadExtensionsAsync(package, composite);
            }, forceRestore: false)
            .UseKernelHelpers()
            .UseValueSharing();
        composite.Add(csharp);
        composite.DefaultKernelName = csharp.Name;
        return composite;
    }

    // As dotnet-interactive does: a package's interactive-extensions/dotnet/*.dll may hold IKernelExtension types.
    private static async Task LoadExtensionsAsync(ResolvedPackageReference package, Kernel kernel)
    {
        var dir = Path.Combine(package.PackageRoot, "interactive-extensions", "dotnet");
        if (!Directory.Exists(dir)) return;
        foreach (var dll in Directory.GetFiles(dir, "*.dll"))
        {
            var assembly = Assembly.LoadFrom(dll);
            foreach (var type in assembly.GetExportedTypes().Where(t => typeof(IKernelExtension).IsAssignableFrom(t) && !t.IsAbstract))
                await ((IKernelExtension)Activator.CreateInstance(type)!).OnLoadAsync(kernel);
        }
    }

    private static CellRun Summarise(IReadOnlyList<KernelEvent> events)
    {
        string stdout = "", error = "";
        var returned = new List<Formatted>();
        int charts = 0;
        bool ok = events.OfType<CommandSucceeded>().Any() && !events.OfType<CommandFailed>().Any();
        foreach (var e in events)
        {
            switch (e)
            {
                case StandardOutputValueProduced o:
                    stdout += o.FormattedValues.FirstOrDefault(v => v.MimeType == "text/plain")?.Value ?? "";
                    break;
                case DisplayEvent d when d is ReturnValueProduced or DisplayedValueProduced:
                    string? html = d.FormattedValues.FirstOrDefault(v => v.MimeType == "text/html")?.Value;
                    string? plain = d.FormattedValues.FirstOrDefault(v => v.MimeType == "text/plain")?.Value;
                    if (CellRun.IsChart(html)) charts++;
                    else returned.Add(new Formatted(plain, html));
                    break;
                case CommandFailed f:
                    error = (f.Message ?? f.Exception?.Message ?? "failed").Split('\n')[0];
                    break;
            }
        }
        return new CellRun(ok, stdout, returned, charts, error);
    }
}

// Shared setup that every notebook #loads from its first cell, after the #r "nuget: …" lines
// (.NET Interactive restores packages only from a cell, and the using lines of a #load'ed file
// stay in that file: the first cell has its own). It references the tutorial's compiled
// libraries by paths relative to this file, so a notebook runs unchanged in the runner, in this
// repository's kernel and in the released .NET Interactive, once `dotnet build` has been run.
#r "../lib/bin/Attention.dll"
#r "../lib/bin/Attention.Plots.dll"
#r "../lib/bin/Lessons.dll"

using Microsoft.DotNet.Interactive.Formatting;
using Lessons;

// An exercise verdict shows as its one line ("✅ correct: …" or "❌ not yet: … Hint: …").
Formatter.Register<CheckResult>(r => r.Message, "text/plain");
Formatter.Register<CheckResult>(r =>
    "<div style=\"font-family:sans-serif;padding:4px 8px;border-left:4px solid " +
    $"{(r.Correct ? "#2a9d8f" : "#e76f51")}\">{System.Net.WebUtility.HtmlEncode(r.Message)}</div>",
    "text/html");

// The released dotnet-interactive tool (1.0.712001) runs on FSharp.Core 10.0 and Plotly.NET 6
// needs 10.1: say so once, here, rather than let every chart cell explain it with a stack trace.
{
    var fsharpCore = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName())
        .FirstOrDefault(n => n.Name == "FSharp.Core");
    if (fsharpCore?.Version is { } version && version < new Version(10, 1))
        Console.WriteLine($"Charts need FSharp.Core 10.1 and this kernel ships " +
            $"{version.Major}.{version.Minor}: every other cell runs here; for the charts use " +
            "the .NET (C#) kernel from this repository (README, \"Jupyter and VS Code\").");
}

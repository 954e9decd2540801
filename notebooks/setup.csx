// Shared setup that every notebook #loads after its #r "nuget: …" lines.
// It references the tutorial's compiled library by a path relative to this file, so a notebook
// runs unchanged in the runner, in VS Code and in Jupyter once `dotnet build` has been run.
#r "nuget: System.Numerics.Tensors, 10.0.15"
#r "../lib/bin/Attention.dll"
#r "../lib/bin/Attention.Plots.dll"
#r "../lib/bin/Lessons.dll"

using MathNet.Numerics.LinearAlgebra;
using Plotly.NET;
using Attention;
using Attention.Plots;
using Lessons;

// An exercise verdict shows as its one line ("✅ correct: …" or "❌ not yet: … Hint: …").
Formatter.Register<CheckResult>(r => r.Message, "text/plain");
Formatter.Register<CheckResult>(r =>
    "<div style=\"font-family:sans-serif;padding:4px 8px;" +
    $"border-left:4px solid {(r.Correct ? "#2a9d8f" : "#e76f51")}\">" +
    $"{System.Net.WebUtility.HtmlEncode(r.Message)}</div>",
    "text/html");

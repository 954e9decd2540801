// Shared setup that every notebook #loads after its #r "nuget: …" lines.
// It references the tutorial's compiled library by a path relative to this file, so a notebook
// runs unchanged in the runner, in VS Code and in Jupyter once `dotnet build` has been run.
#r "../lib/bin/Attention.dll"
#r "../lib/bin/Attention.Plots.dll"

using MathNet.Numerics.LinearAlgebra;
using Plotly.NET;
using Attention;
using Attention.Plots;

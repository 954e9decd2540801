using System.Globalization;
using Notebooks;

var exitCode = await Cli.MainAsync(args);
// A cell that timed out may still be spinning on its abandoned thread: end the process anyway.
Console.Out.Flush();
Environment.Exit(exitCode);
return exitCode;

namespace Notebooks
{
    /// <summary>The runner's command line.</summary>
    public static class Cli
    {
        /// <summary>Usage text printed by --help.</summary>
        public const string Usage = """
            Runs C# notebooks (.NET Interactive .ipynb) headless and writes executed copies.

            usage: dotnet run --project lib/Notebooks -- <notebook.ipynb | folder> [more paths] [options]

              <notebook.ipynb>        a notebook to run
              <folder>                every *.ipynb directly in it, sorted by name
              --out DIR               where executed copies go (default: artifacts/notebooks)
              --cell-timeout SECONDS  time limit of one cell (default: 300)
              --times                 also print each code cell's time
              --no-load-usings        keep the usings of #load-ed .csx files private to them
                                      (as Roslyn scripting does); by default they reach later cells
              --help                  this text
            """ + Publishing.Usage + """

            usage: dotnet run --project lib/Notebooks -- install-kernel [--name NAME] [--force] [--user | --prefix DIR]
                   installs a Jupyter kernel (for Jupyter and VS Code) with these cell semantics; install-kernel --help

            The source notebooks are never modified. Exit code: 0 when every cell of every notebook
            succeeded, 1 when a cell failed or a file was not a runnable notebook, 2 for bad arguments.
            """;

        /// <summary>Runs the command line; returns the exit code.</summary>
        public static async Task<int> MainAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
        {
            var o = stdout ?? Console.Out;
            var e = stderr ?? Console.Error;
            // Jupyter kernel subcommands (lib/Notebooks/Kernel).
            if (args is ["kernel", .. var kernelArgs]) return await Kernel.KernelCommand.RunKernelAsync(kernelArgs, o, e).ConfigureAwait(false);
            if (args is ["install-kernel", .. var installArgs]) return Kernel.KernelCommand.Install(installArgs, o, e);
            var paths = new List<string>();
            var outDir = Path.Combine("artifacts", "notebooks");
            var timeout = TimeSpan.FromSeconds(300);
            var exportUsings = true;
            var times = false;
            var publish = new PublishOptions();
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--help" or "-h" or "-?":
                        o.WriteLine(Usage);
                        return 0;
                    case "--out":
                        if (i + 1 >= args.Length) return Fail(e, "--out needs a folder: --out DIR");
                        outDir = args[++i];
                        break;
                    case "--cell-timeout":
                        if (i + 1 >= args.Length || !double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) || s <= 0 || s > int.MaxValue / 1000.0)
                            return Fail(e, "--cell-timeout needs a positive number of seconds, for example --cell-timeout 600");
                        timeout = TimeSpan.FromSeconds(s);
                        i++;
                        break;
                    case "--times":
                        times = true;
                        break;
                    case "--no-load-usings":
                        exportUsings = false;
                        break;
                    case "--no-images":
                        publish.ChartImages = false;
                        break;
                    case var html when Publishing.IsHtmlOption(html):
                        publish.SiteDirectory = Publishing.SiteArgument(args, ref i);
                        break;
                    default:
                        if (args[i].StartsWith("--", StringComparison.Ordinal))
                            return Fail(e, $"unknown option {args[i]}; run with --help to see the options");
                        paths.Add(args[i]);
                        break;
                }
            }
            if (paths.Count == 0) return Fail(e, "no notebook given; pass a .ipynb file or a folder of notebooks (--help for usage)");
            foreach (var p in paths)
            {
                if (!File.Exists(p) && !Directory.Exists(p))
                    return Fail(e, $"{p} does not exist; check the path (relative paths start at {Environment.CurrentDirectory})");
                if (Directory.Exists(p) && NotebookRunner.Expand(p).Count == 0)
                    return Fail(e, $"{p} holds no *.ipynb notebooks; pass a notebook file or a folder that has some");
            }
            if (Publishing.Check(publish, outDir) is { } publishProblem) return Fail(e, publishProblem);

            var options = new RunOptions { CellTimeout = timeout, ExportUsingsFromLoadedScripts = exportUsings };
            var report = await NotebookRunner.RunAsync(paths, outDir, options, r =>
            {
                var name = Path.GetFileName(r.Source);
                if (r.Output is null)
                {
                    o.WriteLine($"{name}  not run: {r.Problems[0]}");
                    return;
                }
                var rel = Path.GetRelativePath(Environment.CurrentDirectory, r.Output);
                o.WriteLine($"{name}  {r.Cells} cells  {r.Errors} errors  {r.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s  -> {rel}");
                foreach (var p in r.Problems) o.WriteLine($"  {p}");
                if (times)
                    o.WriteLine("  cell times (s): " + string.Join(" ", r.CellTimes.Select(t => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture))));
            }).ConfigureAwait(false);
            var cells = report.Notebooks.Sum(n => n.Cells);
            var errors = report.Notebooks.Sum(n => n.Errors);
            o.WriteLine($"total: {report.Notebooks.Count} notebooks  {cells} cells  {errors} errors  {report.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s  {(report.Succeeded ? "OK" : "FAILED")}");
            var published = await Publishing.RunAsync(report, publish, o, e).ConfigureAwait(false);
            o.Flush();
            return report.Succeeded && published ? 0 : 1;
        }

        private static int Fail(TextWriter e, string message)
        {
            e.WriteLine($"error: {message}");
            return 2;
        }
    }
}

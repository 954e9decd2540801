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
              --out DIR               where executed copies go (default: artifacts/notebooks). The runner
                                      replaces only files it wrote there (listed in DIR/.notebook-runner.json);
                                      it refuses, before running anything, a DIR that is a file, an output that
                                      would land on a source notebook (symbolic links resolved), a file of yours
                                      with an executed copy's name, and two notebooks with the same file name
              --cell-timeout SECONDS  time limit of one cell, 0.01 to 2147483 (default: 300)
              --times                 also print each code cell's time
              --no-load-usings        keep the usings of #load-ed .csx files private to them
                                      (as Roslyn scripting does); by default they reach later cells
              --help                  this text
            """ + Publishing.Usage + """

            usage: dotnet run --project lib/Notebooks -- install-kernel [--name NAME] [--force] [--user | --prefix DIR]
                   installs a Jupyter kernel (for Jupyter and VS Code) with these cell semantics; install-kernel --help

            The source notebooks are never modified. Exit code: 0 when every cell of every notebook
            succeeded, 1 when a cell failed or a file was not a runnable notebook (not JSON, nbformat 3,
            another language), 2 for bad arguments (one line on standard error; no cell runs).
            An exception on a thread, task or timer a cell started is reported as an error of that cell
            (or of the next one if it ended), and what such work prints after its cell ended shows in
            the next cell under a note naming the cell it came from.
            """;

        /// <summary>Shortest <c>--cell-timeout</c>, in seconds.</summary>
        public const double MinCellTimeoutSeconds = 0.01;

        /// <summary>Longest <c>--cell-timeout</c>, in seconds (the longest wait .NET timers take, about 24 days).</summary>
        public const double MaxCellTimeoutSeconds = int.MaxValue / 1000.0;

        /// <summary>
        /// Runs the command line; returns the exit code. Never throws: a failure nobody foresaw is one line on standard
        /// error and exit code 1 (set NOTEBOOKS_VERBOSE=1 for the stack trace).
        /// </summary>
        public static async Task<int> MainAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
        {
            var e = stderr ?? Console.Error;
            try
            {
                return await RunAsync(args, stdout ?? Console.Out, e).ConfigureAwait(false);
            }
            catch (Exception x)
            {
                e.WriteLine($"error: the runner failed: {x.GetType().Name}: {x.Message}");
                if (Environment.GetEnvironmentVariable("NOTEBOOKS_VERBOSE") is "1" or "true") e.WriteLine(x);
                return 1;
            }
        }

        private static async Task<int> RunAsync(string[] args, TextWriter o, TextWriter e)
        {
            // Jupyter kernel subcommands (lib/Notebooks/Kernel).
            if (args is ["kernel", .. var kernelArgs]) return await Kernel.KernelCommand.RunKernelAsync(kernelArgs, o, e).ConfigureAwait(false);
            if (args is ["install-kernel", .. var installArgs]) return Kernel.KernelCommand.Install(installArgs, o, e);
            var paths = new List<string>();
            var outDir = Path.Combine("artifacts", "notebooks");
            var timeout = TimeSpan.FromSeconds(300);
            var exportUsings = true;
            var times = false;
            var publish = new PublishOptions();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--help" or "-h" or "-?":
                        o.WriteLine(Usage);
                        return 0;
                    case "--out":
                        if (!seen.Add("--out")) return Fail(e, "--out is given twice; give one output folder");
                        if (i + 1 >= args.Length || args[i + 1].Length == 0 || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                            return Fail(e, "--out needs a folder: --out DIR");
                        outDir = args[++i];
                        break;
                    case "--cell-timeout":
                        if (!seen.Add("--cell-timeout")) return Fail(e, "--cell-timeout is given twice; give one time limit");
                        // NaN and Infinity parse as numbers: only a finite count of seconds from 0.01 to about 24 days is a time limit.
                        if (i + 1 >= args.Length || !double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s)
                            || !double.IsFinite(s) || s < MinCellTimeoutSeconds || s > MaxCellTimeoutSeconds)
                            return Fail(e, $"--cell-timeout needs a number of seconds from {MinCellTimeoutSeconds} to {Math.Floor(MaxCellTimeoutSeconds)}, for example --cell-timeout 600"
                                + (i + 1 < args.Length ? $" (got '{args[i + 1]}')" : ""));
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
            // The same notebook named twice (a file and its folder, say) runs once.
            var notebooks = paths.SelectMany(NotebookRunner.Expand).DistinctBy(OutputFolder.RealPath).ToList();
            if (OutputFolder.Check(notebooks, outDir) is { } outProblem) return Fail(e, outProblem);
            if (Publishing.Check(publish, outDir) is { } publishProblem) return Fail(e, publishProblem);
            try
            {
                Directory.CreateDirectory(outDir);
            }
            catch (Exception x) when (x is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                return Fail(e, $"--out {outDir} cannot be created: {x.Message}");
            }

            var options = new RunOptions { CellTimeout = timeout, ExportUsingsFromLoadedScripts = exportUsings };
            var report = await NotebookRunner.RunAsync(notebooks, outDir, options, r =>
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

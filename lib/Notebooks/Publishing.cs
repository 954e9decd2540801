using System.Globalization;
using Notebooks.Images;
using Notebooks.Site;

namespace Notebooks;

/// <summary>What the runner does with the executed copies once the notebooks have run.</summary>
public sealed class PublishOptions
{
    /// <summary>Add a PNG of every chart to the executed copies (<c>--no-images</c> turns it off).</summary>
    public bool ChartImages { get; set; } = true;

    /// <summary>Where to write the offline site (<c>--html [DIR]</c>), or null for no site.</summary>
    public string? SiteDirectory { get; set; }

    /// <summary>The Chromium that renders chart images.</summary>
    public string Chromium { get; set; } = HeadlessChromium.DefaultExecutable;
}

/// <summary>
/// The runner's steps after execution, kept apart from it: chart PNGs in the executed copies
/// (<see cref="Images.ChartImages"/>) and the offline site (<see cref="StaticSite"/>).
/// </summary>
public static class Publishing
{
    /// <summary>Where <c>--html</c> writes the site when no folder is given.</summary>
    public static readonly string DefaultSiteDirectory = Path.Combine("artifacts", "site");

    /// <summary>Usage lines for the runner's --help.</summary>
    public const string Usage = """

          --html [DIR]            after running, write a static site that reads offline: an index and one
                                  page per notebook, plotly.js/KaTeX/Mermaid bundled (default: artifacts/site)
          --no-images             do not add PNGs of the charts to the executed copies (by default each
                                  chart also carries an image/png, drawn by /usr/bin/chromium, for GitHub)

        """;

    /// <summary>True for <c>--html</c> and <c>--html=DIR</c>.</summary>
    public static bool IsHtmlOption(string arg) => arg == "--html" || arg.StartsWith("--html=", StringComparison.Ordinal);

    /// <summary>
    /// The site folder that <c>args[i]</c> (<c>--html</c>, <c>--html DIR</c> or <c>--html=DIR</c>) names; moves
    /// <paramref name="i"/> past DIR when it takes the next argument. The next argument is DIR unless it is an
    /// option, a <c>.ipynb</c> file or a folder holding notebooks (those are inputs).
    /// </summary>
    public static string SiteArgument(string[] args, ref int i)
    {
        if (args[i].StartsWith("--html=", StringComparison.Ordinal)) return args[i]["--html=".Length..];
        if (i + 1 < args.Length && args[i + 1] is var next && !next.StartsWith('-')
            && !next.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase)
            && !(Directory.Exists(next) && NotebookRunner.Expand(next).Count > 0))
        {
            i++;
            return next;
        }
        return DefaultSiteDirectory;
    }

    /// <summary>Null when the options can be used with executed copies going to <paramref name="outDir"/>; otherwise what is wrong.</summary>
    public static string? Check(PublishOptions options, string outDir)
    {
        if (options.SiteDirectory is not { } site) return null;
        if (site.Length == 0) return "--html= needs a folder, for example --html=artifacts/site";
        if (string.Equals(Path.GetFullPath(site).TrimEnd('/'), Path.GetFullPath(outDir).TrimEnd('/'), StringComparison.Ordinal))
            return $"--html {site} is also the --out folder; give the site its own folder (default: {DefaultSiteDirectory})";
        return StaticSite.CheckDirectory(site) is { } problem ? $"--html: {problem}" : null;
    }

    /// <summary>
    /// Adds chart images and writes the site for the notebooks the run wrote, printing one line for each
    /// step. Returns false when the site could not be written (missing chart images are reported, not failures).
    /// </summary>
    public static async Task<bool> RunAsync(RunReport report, PublishOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var executed = report.Notebooks.Where(n => n.Output is not null).Select(n => n.Output!).ToList();
        if (options.ChartImages && executed.Count > 0) await AddImagesAsync(executed, options, stdout, stderr, cancellationToken).ConfigureAwait(false);
        if (options.SiteDirectory is not { } dir) return true;
        if (executed.Count == 0)
        {
            stderr.WriteLine("error: --html: no notebook was run, so there is nothing to put on the site");
            return false;
        }
        try
        {
            var site = await StaticSite.WriteAsync(executed, dir, stdout, cancellationToken: cancellationToken).ConfigureAwait(false);
            var libs = site.Libraries.Available
                ? $"plotly.js {ValueFormatting.PlotlyJsVersion}, KaTeX {site.Libraries.KatexVersion}, Mermaid {site.Libraries.MermaidVersion}"
                : $"plotly.js {ValueFormatting.PlotlyJsVersion}; no KaTeX/Mermaid: {site.Libraries.Problem}";
            stdout.WriteLine($"site: {Shown(site.Index)}  {site.Pages.Count} pages  {Seconds(site.Elapsed)} s  (reads offline: {libs})");
            if (!site.Libraries.Available && site.Pages.Any(p => p.Formulas > 0 || p.Diagrams > 0))
                stderr.WriteLine($"warning: the site shows formulas and diagrams as source because {site.Libraries.Problem}");
            return true;
        }
        catch (SiteException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return false;
        }
    }

    private static async Task AddImagesAsync(List<string> executed, PublishOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var images = new ChartImages(new HeadlessChromium(options.Chromium));
        var report = await images.AddAsync(executed, cancellationToken).ConfigureAwait(false);
        if (report.Charts == 0) return;
        if (!images.Chromium.IsAvailable)
        {
            stderr.WriteLine($"warning: charts have no PNG: {images.Chromium.MissingMessage} (or pass --no-images); the notebooks are written without images");
            return;
        }
        var withCharts = report.Notebooks.Count(n => n.Charts > 0);
        stdout.WriteLine($"chart images: {report.Rendered} of {report.Charts} charts in {withCharts} notebook{(withCharts == 1 ? "" : "s")} as PNG  {Seconds(report.Elapsed)} s  (one Chromium)");
        // A browser that failed fails every notebook the same way: say it once.
        foreach (var g in report.Notebooks.Where(r => r.Problem is not null).GroupBy(r => r.Problem))
            stderr.WriteLine($"warning: {string.Join(", ", g.Select(r => Path.GetFileName(r.Notebook)))}: charts without PNG: {g.Key}");
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Shown(string path)
    {
        var rel = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return rel.StartsWith("..", StringComparison.Ordinal) ? path : rel;
    }
}

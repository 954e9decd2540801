using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Notebooks.Images;

namespace Notebooks.Site;

/// <summary>What writing the site produced.</summary>
/// <param name="Directory">The site folder.</param>
/// <param name="Pages">The notebook pages, in order.</param>
/// <param name="Libraries">KaTeX and Mermaid, or why they are missing.</param>
/// <param name="Elapsed">Wall-clock time (including a first <c>npm ci</c>).</param>
public sealed record SiteReport(string Directory, IReadOnlyList<NotebookPage> Pages, SiteLibraries Libraries, TimeSpan Elapsed)
{
    /// <summary>The index page.</summary>
    public string Index => Path.Combine(Directory, "index.html");
}

/// <summary>A site folder that cannot be used; the message says why and what to do.</summary>
public sealed class SiteException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Writes executed notebooks as a static site that reads with no network: <c>index.html</c> (the
/// notebooks in order with their titles, sections, cell and error counts), one page per notebook, and
/// <c>assets/</c> with the one shared copy of plotly.js, KaTeX (with its fonts) and Mermaid.
/// </summary>
public static class StaticSite
{
    /// <summary>File that marks a folder as a site this writer made (so it may overwrite it).</summary>
    public const string Marker = ".notebook-site";

    /// <summary>The site's title, shown on the index and in every page's title.</summary>
    public const string SiteTitle = "Attention and positional encoding, in C#";

    private static readonly UTF8Encoding Utf8 = new(false);

    /// <summary>
    /// Null when <paramref name="directory"/> can hold the site (missing, empty, or made by this writer
    /// before); otherwise why not. Nothing a user wrote is overwritten.
    /// </summary>
    public static string? CheckDirectory(string directory)
    {
        if (File.Exists(directory)) return $"{directory} is a file; --html needs a folder for the site";
        if (!Directory.Exists(directory)) return null;
        if (File.Exists(Path.Combine(directory, Marker))) return null;
        if (Directory.EnumerateFileSystemEntries(directory).Any())
            return $"{directory} is not empty and was not made by --html, so writing the site there could overwrite your files; choose a new or empty folder";
        return null;
    }

    /// <summary>Writes the site for <paramref name="executedNotebooks"/> (in that order) into <paramref name="directory"/>.</summary>
    /// <exception cref="SiteException">The folder cannot be used or written.</exception>
    public static async Task<SiteReport> WriteAsync(IReadOnlyList<string> executedNotebooks, string directory, TextWriter log,
        SiteLibraries? libraries = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        if (CheckDirectory(directory) is { } problem) throw new SiteException(problem);
        libraries ??= await SiteLibraries.PrepareAsync(log, cancellationToken: cancellationToken).ConfigureAwait(false);

        var names = executedNotebooks.Select(p => Path.GetFileNameWithoutExtension(p) + ".html").ToList();
        var pageOf = executedNotebooks.Select(Path.GetFileName).Zip(names).ToDictionary(p => p.First!, p => p.Second, StringComparer.Ordinal);
        var pages = new List<NotebookPage>();
        foreach (var (path, name) in executedNotebooks.Zip(names))
        {
            NotebookDocument doc;
            try { doc = NotebookDocument.Load(path); }
            catch (NotebookFormatException e) { throw new SiteException($"cannot put {path} on the site: {e.Message}", e); }
            var page = NotebookHtml.Render(doc, Path.GetFileName(path), name, f => pageOf.GetValueOrDefault(f));
            // Say what the page lost, so an author whose prose relied on it knows why it is missing.
            if (page.Removed.Count > 0)
                log.WriteLine($"site: {page.FileName}: removed from the markdown's HTML (pages keep only safe HTML): {string.Join("; ", page.Removed)}");
            pages.Add(page);
        }

        try
        {
            Directory.CreateDirectory(directory);
            var previous = ReadMarker(directory);
            WriteAssets(directory, libraries, pages);
            for (var i = 0; i < pages.Count; i++)
                WriteText(Path.Combine(directory, pages[i].FileName), Page(pages, i, libraries));
            WriteText(Path.Combine(directory, "index.html"), Index(pages, libraries));
            // Pages of notebooks that are no longer in the run go away; nothing else is touched.
            foreach (var stale in previous.Except(names, StringComparer.Ordinal))
                if (Path.GetFileName(stale) == stale && stale.EndsWith(".html", StringComparison.Ordinal)) File.Delete(Path.Combine(directory, stale));
            WriteText(Path.Combine(directory, Marker), new JsonObject
            {
                ["about"] = "written by the notebook runner's --html; the runner may overwrite this folder",
                ["pages"] = new JsonArray([.. names.Select(n => (JsonNode)n)]),
            }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SiteException($"cannot write the site into {directory}: {e.Message}", e);
        }
        return new SiteReport(Path.GetFullPath(directory), pages, libraries, clock.Elapsed);
    }

    private static List<string> ReadMarker(string directory)
    {
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, Marker)));
            return [.. (node?["pages"] as JsonArray ?? []).Select(n => n?.GetValue<string>() ?? "").Where(s => s.Length > 0)];
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException)
        {
            return [];
        }
    }

    private static void WriteAssets(string directory, SiteLibraries libraries, List<NotebookPage> pages)
    {
        var assets = Path.Combine(directory, "assets");
        Directory.CreateDirectory(assets);
        WriteText(Path.Combine(assets, "site.css"), Resource("site.css"));
        WriteText(Path.Combine(assets, "site.js"), Resource("site.js"));
        if (pages.Any(p => p.Charts > 0)) WriteText(Path.Combine(assets, PlotlyOutputs.PlotlyJsFileName), PlotlyOutputs.PlotlyJs);
        if (libraries.NodeModules is not { } modules) return;
        foreach (var (from, to) in SiteLibraries.Files) CopyFile(Path.Combine(modules, from), Path.Combine(assets, to));
        var fonts = Path.Combine(modules, SiteLibraries.KatexFonts);
        foreach (var f in Directory.GetFiles(fonts)) CopyFile(f, Path.Combine(assets, "katex", "fonts", Path.GetFileName(f)));
    }

    /// <summary>One notebook's page.</summary>
    private static string Page(List<NotebookPage> pages, int i, SiteLibraries libraries)
    {
        var p = pages[i];
        var math = p.Formulas > 0 && libraries.Available;
        var diagrams = p.Diagrams > 0 && libraries.Available;
        var sb = new StringBuilder();
        Head(sb, $"{p.Title} · {SiteTitle}", math);
        if (p.Charts > 0) sb.Append("<script src=\"assets/").Append(PlotlyOutputs.PlotlyJsFileName).Append("\"></script>\n");
        sb.Append("</head>\n<body class=\"notebook\">\n");
        Nav(sb, pages, i);
        sb.Append("<main>\n");
        if ((p.Formulas > 0 || p.Diagrams > 0) && !libraries.Available) Note(sb, libraries);
        if (p.Errors > 0)
            sb.Append("<p class=\"site-note error-note\">").Append(p.Errors).Append(p.Errors == 1 ? " cell" : " cells").Append(" of this notebook failed when it was run; the error is shown under the cell.</p>\n");
        sb.Append(p.Body);
        sb.Append("</main>\n");
        Nav(sb, pages, i, footer: true);
        if (math)
            sb.Append("<script src=\"assets/katex/katex.min.js\"></script>\n<script src=\"assets/katex/contrib/auto-render.min.js\"></script>\n");
        if (diagrams) sb.Append("<script src=\"assets/mermaid/mermaid.min.js\"></script>\n");
        sb.Append("<script src=\"assets/site.js\"></script>\n</body>\n</html>\n");
        return sb.ToString();
    }

    private static string Index(List<NotebookPage> pages, SiteLibraries libraries)
    {
        var sb = new StringBuilder();
        Head(sb, SiteTitle, math: false);
        sb.Append("</head>\n<body class=\"index\">\n<main>\n<h1>").Append(H(SiteTitle)).Append("</h1>\n");
        sb.Append("<p class=\"lead\">The tutorial's notebooks, executed, with their outputs and charts. These pages need no network: plotly.js");
        if (libraries.Available) sb.Append(", KaTeX and Mermaid");
        sb.Append(" are in <code>assets/</code>.</p>\n");
        if (pages.Any(p => p.Formulas > 0 || p.Diagrams > 0) && !libraries.Available) Note(sb, libraries);
        sb.Append("<ol class=\"notebooks\">\n");
        foreach (var p in pages)
        {
            sb.Append("<li><a class=\"title\" href=\"").Append(A(p.FileName)).Append("\">").Append(H(p.Title)).Append("</a>");
            sb.Append("<div class=\"meta\"><code>").Append(H(p.NotebookName)).Append("</code> · ")
                .Append(Count(p.Cells, "cell")).Append(" (").Append(p.CodeCells).Append(" code) · ");
            if (p.Charts > 0) sb.Append(Count(p.Charts, "chart")).Append(" · ");
            sb.Append(p.Errors == 0 ? "<span class=\"ok\">no errors</span>" : $"<span class=\"errors\">{Count(p.Errors, "error")}</span>").Append("</div>");
            if (p.Sections.Count > 0)
            {
                sb.Append("<ul class=\"sections\">");
                foreach (var (id, text) in p.Sections)
                    sb.Append("<li><a href=\"").Append(A(p.FileName + "#" + id)).Append("\">").Append(H(text)).Append("</a></li>");
                sb.Append("</ul>");
            }
            sb.Append("</li>\n");
        }
        sb.Append("</ol>\n</main>\n<footer><p>Built from the executed copies the runner writes (<code>dotnet run --project lib/Notebooks -- notebooks --html</code>). plotly.js ")
            .Append(H(ValueFormatting.PlotlyJsVersion));
        if (libraries.Available) sb.Append(", KaTeX ").Append(H(libraries.KatexVersion ?? "?")).Append(", Mermaid ").Append(H(libraries.MermaidVersion ?? "?"));
        sb.Append(".</p></footer>\n<script src=\"assets/site.js\"></script>\n</body>\n</html>\n");
        return sb.ToString();
    }

    private static void Head(StringBuilder sb, string title, bool math)
    {
        sb.Append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(H(title)).Append("</title>\n")
            .Append("<link rel=\"stylesheet\" href=\"assets/site.css\">\n");
        if (math) sb.Append("<link rel=\"stylesheet\" href=\"assets/katex/katex.min.css\">\n");
    }

    private static void Nav(StringBuilder sb, List<NotebookPage> pages, int i, bool footer = false)
    {
        sb.Append(footer ? "<footer>" : "<header>").Append("<nav>");
        sb.Append("<a href=\"index.html\">Contents</a>");
        if (i > 0) sb.Append(" · <a rel=\"prev\" href=\"").Append(A(pages[i - 1].FileName)).Append("\">← ").Append(H(pages[i - 1].Title)).Append("</a>");
        if (i + 1 < pages.Count) sb.Append(" · <a rel=\"next\" href=\"").Append(A(pages[i + 1].FileName)).Append("\">").Append(H(pages[i + 1].Title)).Append(" →</a>");
        sb.Append("</nav>").Append(footer ? "</footer>\n" : "</header>\n");
    }

    private static void Note(StringBuilder sb, SiteLibraries libraries) =>
        sb.Append("<p class=\"site-note\">Formulas are shown as LaTeX source and diagrams as Mermaid source: this site was built without KaTeX and Mermaid because ")
            .Append(H(libraries.Problem ?? "they were not available")).Append(".</p>\n");

    private static string Count(int n, string what) => $"{n.ToString(CultureInfo.InvariantCulture)} {what}{(n == 1 ? "" : "s")}";

    private static string H(string s) => WebUtility.HtmlEncode(s);

    private static string A(string href) => WebUtility.HtmlEncode(Uri.EscapeDataString(href).Replace("%23", "#", StringComparison.Ordinal));

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Notebooks.Site.{name}")
            ?? throw new InvalidOperationException($"the runner was built without its resource {name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static void WriteText(string path, string text) => Replace(path, tmp => File.WriteAllText(tmp, text, Utf8));

    private static void CopyFile(string from, string to) => Replace(to, tmp => File.Copy(from, tmp, overwrite: true));

    // Writes next to the target and renames, so a reader never sees half a file.
    private static void Replace(string path, Action<string> write)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            write(tmp);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}

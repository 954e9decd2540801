using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Extensions.Mathematics;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Notebooks.Images;

namespace Notebooks.Site;

/// <summary>One notebook rendered as the body of a site page, with what the page layout needs to know.</summary>
public sealed class NotebookPage
{
    /// <summary>The notebook file's name, e.g. <c>01-background.ipynb</c>.</summary>
    public required string NotebookName { get; init; }

    /// <summary>The page's file name in the site, e.g. <c>01-background.html</c>.</summary>
    public required string FileName { get; init; }

    /// <summary>The text of the notebook's first heading (the file name when it has none).</summary>
    public required string Title { get; init; }

    /// <summary>Second-level headings: (anchor id, text).</summary>
    public required IReadOnlyList<(string Id, string Text)> Sections { get; init; }

    /// <summary>All cells.</summary>
    public required int Cells { get; init; }

    /// <summary>Code cells.</summary>
    public required int CodeCells { get; init; }

    /// <summary>Code cells with an error output.</summary>
    public required int Errors { get; init; }

    /// <summary>Chart outputs (each drawn by plotly.js on the page).</summary>
    public required int Charts { get; init; }

    /// <summary>Formulas in the markdown (<c>$…$</c> and <c>$$…$$</c>).</summary>
    public required int Formulas { get; init; }

    /// <summary>Mermaid diagrams in the markdown (<c>```mermaid</c> blocks).</summary>
    public required int Diagrams { get; init; }

    /// <summary>The cells as HTML (the inside of the page's <c>&lt;main&gt;</c>).</summary>
    public required string Body { get; init; }

    /// <summary>
    /// What <see cref="MarkdownSanitizer"/> removed from the HTML of markdown (a script, an event handler, a
    /// <c>javascript:</c> link, …), one line each with its cell; empty for the tutorial's notebooks.
    /// </summary>
    public IReadOnlyList<string> Removed { get; init; } = [];
}

/// <summary>
/// Renders an executed notebook to HTML: markdown through Markdig (pipe tables, math, Mermaid blocks),
/// code highlighted with <see cref="CSharpHighlighter"/> and numbered with its execution count, and
/// outputs the way Jupyter chooses them (HTML, then images, then plain text). Everything that is text
/// is HTML-escaped. The HTML that markdown produces (markdown cells with their raw HTML, and
/// <c>text/markdown</c> outputs) goes through <see cref="MarkdownSanitizer"/>, so prose runs no script;
/// <c>text/html</c> outputs are what a cell's own code returned and are kept live, as Jupyter keeps them.
/// Chart outputs lose any inline plotly.js (the page loads one shared copy).
/// </summary>
public static partial class NotebookHtml
{
    /// <summary>The Markdig pipeline: GitHub-style tables, strikethrough, autolinks and task lists, plus math and diagrams.</summary>
    public static MarkdownPipeline Pipeline { get; } = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseAutoLinks()
        .UseTaskLists()
        .UseMathematics()
        .UseDiagrams()
        .Build();

    /// <summary>
    /// Renders <paramref name="doc"/>. <paramref name="pageFor"/> maps a notebook file name linked from
    /// markdown (e.g. <c>02-core-concepts.ipynb</c>) to its page in the site, or returns null to leave the link.
    /// </summary>
    public static NotebookPage Render(NotebookDocument doc, string notebookName, string fileName, Func<string, string?>? pageFor = null)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var sections = new List<(string, string)>();
        string? title = null;
        int code = 0, errors = 0, charts = 0, formulas = 0, diagrams = 0;
        var body = new StringBuilder();
        var sanitizer = new MarkdownSanitizer();
        foreach (var cell in doc.Cells)
        {
            switch (cell.CellType)
            {
                case "markdown":
                {
                    var md = Markdown.Parse(cell.Source, Pipeline);
                    foreach (var h in md.Descendants<HeadingBlock>())
                    {
                        var text = PlainText(h.Inline);
                        var id = UniqueId(Slug(text), ids);
                        h.GetAttributes().Id = id;
                        title ??= text;
                        if (h.Level == 2) sections.Add((id, text));
                    }
                    formulas += md.Descendants<MathInline>().Count() + md.Descendants<MathBlock>().Count();
                    diagrams += md.Descendants<FencedCodeBlock>().Count(IsMermaid);
                    if (pageFor is not null)
                    {
                        foreach (var link in md.Descendants<LinkInline>())
                            if (link.Url is { } url && NotebookLink().Match(url) is { Success: true } m && pageFor(m.Groups["file"].Value) is { } page)
                                link.Url = page + m.Groups["rest"].Value;
                    }
                    body.Append("<section class=\"cell markdown\" id=\"cell-").Append(Attr(CellId(cell))).Append("\">\n")
                        .Append(sanitizer.Sanitize(Attachments(cell, RenderMarkdown(md)), CellName(cell)))
                        .Append("</section>\n");
                    break;
                }
                case "code":
                {
                    code++;
                    var count = cell.Node["execution_count"] is JsonValue v && v.TryGetValue(out int n) ? n : (int?)null;
                    var outputs = (cell.Node["outputs"] as JsonArray ?? []).OfType<JsonObject>().ToList();
                    if (outputs.Any(o => Str(o["output_type"]) == "error")) errors++;
                    charts += outputs.Count(PlotlyOutputs.IsChart);
                    var prompt = count is { } c ? c.ToString(CultureInfo.InvariantCulture) : " ";
                    body.Append("<section class=\"cell code\" id=\"cell-").Append(Attr(CellId(cell))).Append("\">\n")
                        .Append("<div class=\"input\"><div class=\"prompt\">In&nbsp;[").Append(prompt).Append("]:</div>")
                        .Append("<pre class=\"source\"><code class=\"language-csharp\">").Append(CSharpHighlighter.ToHtml(cell.Source)).Append("</code></pre></div>\n");
                    if (outputs.Count > 0)
                    {
                        body.Append("<div class=\"outputs\">\n");
                        foreach (var o in outputs) body.Append(Output(o, sanitizer, CellName(cell)));
                        body.Append("</div>\n");
                    }
                    body.Append("</section>\n");
                    break;
                }
                default: // raw cells: shown as text
                    body.Append("<section class=\"cell raw\"><pre>").Append(WebUtility.HtmlEncode(cell.Source)).Append("</pre></section>\n");
                    break;
            }
        }
        return new NotebookPage
        {
            NotebookName = notebookName,
            FileName = fileName,
            Title = title ?? Path.GetFileNameWithoutExtension(notebookName),
            Sections = sections,
            Cells = doc.Cells.Count,
            CodeCells = code,
            Errors = errors,
            Charts = charts,
            Formulas = formulas,
            Diagrams = diagrams,
            Body = body.ToString(),
            Removed = sanitizer.Removed,
        };
    }

    /// <summary>
    /// One output as HTML. A <c>text/markdown</c> output is cleaned by <paramref name="sanitizer"/> (a new one when
    /// null), noting <paramref name="location"/> with what it removes; <c>text/html</c> is kept as the code returned it.
    /// </summary>
    public static string Output(JsonObject output, MarkdownSanitizer? sanitizer = null, string location = "an output")
    {
        var type = Str(output["output_type"]);
        switch (type)
        {
            case "stream":
            {
                var name = Str(output["name"]) == "stderr" ? "stderr" : "stdout";
                return $"<pre class=\"output stream {name}\">{Text(Ansi(Join(output["text"])))}</pre>\n";
            }
            case "error":
            {
                var head = $"{Str(output["ename"])}: {Str(output["evalue"])}";
                var trace = (output["traceback"] as JsonArray ?? []).Select(l => Ansi(Str(l))).ToList();
                // The engine's traceback usually repeats the message as its first line.
                if (trace.Count > 0 && trace[0].Trim() == head.Trim()) trace.RemoveAt(0);
                var sb = new StringBuilder("<pre class=\"output error\"><strong>").Append(Text(head)).Append("</strong>");
                foreach (var l in trace) sb.Append('\n').Append(Text(l));
                return sb.Append("</pre>\n").ToString();
            }
            case "display_data" or "execute_result":
            {
                var data = output["data"] as JsonObject ?? [];
                var label = type == "execute_result" && output["execution_count"] is JsonValue v && v.TryGetValue(out int n)
                    ? $"<div class=\"prompt out\">Out[{n.ToString(CultureInfo.InvariantCulture)}]:</div>" : "";
                return $"<div class=\"output result\">{label}{Bundle(data, PlotlyOutputs.IsChart(output), sanitizer, location)}</div>\n";
            }
            default:
                return $"<pre class=\"output unknown\">{Text($"(an output of type '{type}' that this page does not show)")}</pre>\n";
        }
    }

    // Jupyter's order of preference, less script types this page cannot run.
    private static string Bundle(JsonObject data, bool chart, MarkdownSanitizer? sanitizer, string location)
    {
        if (data["text/html"] is { } html)
        {
            var h = Join(html);
            return chart ? $"<div class=\"chart\">{PlotlyOutputs.WithoutPlotlyJs(h)}</div>" : $"<div class=\"html\">{h}</div>";
        }
        if (data["text/markdown"] is { } md)
            return $"<div class=\"markdown\">{(sanitizer ?? new MarkdownSanitizer()).Sanitize(Markdown.ToHtml(Join(md), Pipeline), $"markdown output of {location}")}</div>";
        if (data["image/svg+xml"] is { } svg)
            return Image("image/svg+xml", Convert.ToBase64String(Encoding.UTF8.GetBytes(Join(svg))));
        foreach (var mime in (string[])["image/png", "image/jpeg", "image/gif"])
            if (data[mime] is { } img && Join(img).Replace("\n", "", StringComparison.Ordinal) is var b64 && Base64().IsMatch(b64))
                return Image(mime, b64);
        if (data["text/latex"] is { } latex)
            return $"<div class=\"math\">{Text(Join(latex))}</div>";
        if (data["application/json"] is { } json)
            return $"<pre class=\"json\">{Text(json.ToJsonString())}</pre>";
        if (data["text/plain"] is { } plain)
            return $"<pre class=\"text\">{Text(Ansi(Join(plain)))}</pre>";
        return $"<pre class=\"text\">{Text($"(no format this page can show: {string.Join(", ", data.Select(kv => kv.Key))})")}</pre>";
    }

    private static string Image(string mime, string base64) => $"<img class=\"image\" alt=\"output image\" src=\"data:{mime};base64,{base64}\">";

    private static string RenderMarkdown(MarkdownDocument md)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(md);
        writer.Flush();
        return writer.ToString();
    }

    // Images a markdown cell carries in its "attachments" (src="attachment:name").
    private static string Attachments(NotebookCell cell, string html)
    {
        if (cell.Node["attachments"] is not JsonObject attachments) return html;
        return AttachmentSrc().Replace(html, m =>
        {
            var name = WebUtility.HtmlDecode(m.Groups["name"].Value);
            if (attachments[Uri.UnescapeDataString(name)] is JsonObject bundle)
                foreach (var (mime, value) in bundle)
                    if (mime.StartsWith("image/", StringComparison.Ordinal) && value is not null && Join(value).Replace("\n", "", StringComparison.Ordinal) is var b64 && Base64().IsMatch(b64))
                        return $"src=\"data:{Attr(mime)};base64,{b64}\"";
            return m.Value;
        });
    }

    private static bool IsMermaid(FencedCodeBlock block) => string.Equals(block.Info, "mermaid", StringComparison.OrdinalIgnoreCase);

    /// <summary>The text of a heading's inlines, without markup.</summary>
    private static string PlainText(ContainerInline? inline)
    {
        if (inline is null) return "";
        var sb = new StringBuilder();
        void Walk(Inline i)
        {
            switch (i)
            {
                case LiteralInline l: sb.Append(l.Content.ToString()); break;
                case CodeInline c: sb.Append(c.Content); break;
                case HtmlEntityInline e: sb.Append(e.Transcoded.ToString()); break;
                case LineBreakInline: sb.Append(' '); break;
                case ContainerInline container:
                    foreach (var child in container) Walk(child);
                    break;
            }
        }
        Walk(inline);
        return sb.ToString().Trim();
    }

    /// <summary>A heading's anchor: lower case, letters and digits of any script, words joined by '-'.</summary>
    public static string Slug(string text)
    {
        var sb = new StringBuilder();
        foreach (var ch in text.Normalize(NormalizationForm.FormKC).ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(ch)) sb.Append(ch);
            else if ((char.IsWhiteSpace(ch) || ch is '-' or '_' or '·' or '.') && sb.Length > 0 && sb[^1] != '-') sb.Append('-');
        }
        var slug = sb.ToString().Trim('-');
        return slug.Length == 0 ? "section" : slug;
    }

    private static string UniqueId(string slug, HashSet<string> used)
    {
        var id = slug;
        for (var k = 1; !used.Add(id); k++) id = $"{slug}-{k}";
        return id;
    }

    /// <summary>How a cell is named in messages: its position, counted from 1 as a reader counts.</summary>
    private static string CellName(NotebookCell cell) => $"cell {(cell.Index + 1).ToString(CultureInfo.InvariantCulture)}";

    private static string CellId(NotebookCell cell) => cell.Id ?? cell.Index.ToString(CultureInfo.InvariantCulture);

    private static string Str(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : "";

    private static string Join(JsonNode? node) => node switch
    {
        JsonArray a => string.Concat(a.Select(Str)),
        JsonValue v when v.TryGetValue(out string? s) => s,
        null => "",
        _ => node.ToJsonString(),
    };

    private static string Text(string s) => WebUtility.HtmlEncode(s);

    private static string Attr(string s) => WebUtility.HtmlEncode(s);

    /// <summary>Removes ANSI colour codes (tracebacks from other kernels carry them).</summary>
    private static string Ansi(string s) => AnsiCodes().Replace(s, "");

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex AnsiCodes();

    [GeneratedRegex(@"^[A-Za-z0-9+/]*={0,2}$")]
    private static partial Regex Base64();

    [GeneratedRegex(@"src=""attachment:(?<name>[^""]+)""")]
    private static partial Regex AttachmentSrc();

    // A relative link to a notebook: "02-core-concepts.ipynb", "./02-x.ipynb#anchor".
    [GeneratedRegex(@"^(?:\./)?(?<file>[^/:?#]+\.ipynb)(?<rest>#.*)?$")]
    private static partial Regex NotebookLink();
}

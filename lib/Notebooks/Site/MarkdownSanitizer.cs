using System.Text.RegularExpressions;
using AngleSharp.Dom;
using Ganss.Xss;

namespace Notebooks.Site;

/// <summary>
/// Cleans the HTML that markdown produces (a markdown cell's own raw HTML included) with an allow-list, so a page of
/// the offline site runs no script that a notebook's prose carried: no <c>&lt;script&gt;</c>, no event handler
/// attributes, no <c>javascript:</c> or <c>data:</c> links, no frames, objects, forms, styles, SVG or MathML.
/// <para>
/// Kept: paragraphs, headings with their anchors, lists (task lists' disabled checkboxes too), tables with their
/// alignment, <c>&lt;details&gt;/&lt;summary&gt;</c>, <c>&lt;sub&gt;</c>, <c>&lt;sup&gt;</c>, <c>&lt;br&gt;</c>,
/// <c>&lt;kbd&gt;</c> and the other inline text tags, code blocks with their classes, formulas
/// (<c>&lt;span class="math"&gt;</c>, typeset on the page by KaTeX) and diagrams (<c>&lt;pre class="mermaid"&gt;</c>).
/// Links may be relative, <c>#anchors</c>, <c>http</c>, <c>https</c> or <c>mailto</c>. Images may come from the
/// repository (a relative <c>src</c>) or be inline <c>data:image/…;base64</c> (an image loaded by
/// <c>&lt;img&gt;</c> runs no script, whatever its format); an image on another host loses its <c>src</c> (the site
/// reads offline) and shows its alt text. Inline styles keep only a few harmless properties (alignment, colour,
/// weight, size).
/// </para>
/// Outputs that a cell's code returned as <c>text/html</c> are not passed through here: they are the reader's own
/// code, and stay live as in Jupyter.
/// </summary>
public sealed partial class MarkdownSanitizer
{
    /// <summary>The tags kept; anything else is removed with its content.</summary>
    public static readonly IReadOnlySet<string> Tags = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "span", "br", "hr", "wbr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
        "ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
        "details", "summary", "figure", "figcaption", "img", "a", "input",
        "em", "strong", "b", "i", "u", "s", "del", "ins", "strike", "sub", "sup", "kbd", "samp", "var", "mark", "small",
        "abbr", "cite", "dfn", "q", "time",
    };

    /// <summary>The attributes kept (on the tags above); event handlers and everything else are removed.</summary>
    public static readonly IReadOnlySet<string> Attributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "id", "class", "title", "lang", "dir", "alt", "src", "href", "width", "height", "align", "valign",
        "colspan", "rowspan", "scope", "headers", "open", "start", "reversed", "type", "checked", "disabled", "datetime", "style",
    };

    /// <summary>The CSS properties an inline <c>style</c> may set (Markdig aligns table columns with <c>text-align</c>).</summary>
    public static readonly IReadOnlySet<string> CssProperties = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "text-align", "vertical-align", "color", "background-color", "font-weight", "font-style", "text-decoration",
        "width", "height", "max-width",
    };

    /// <summary>URL schemes a link may use (relative URLs and <c>#anchors</c> need none).</summary>
    public static readonly IReadOnlySet<string> Schemes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "http", "https", "mailto" };

    private readonly HtmlSanitizer sanitizer;
    private readonly List<string> removed = [];
    private string where = "";

    /// <summary>A sanitizer that records what it removes in <see cref="Removed"/>.</summary>
    public MarkdownSanitizer()
    {
        var options = HtmlSanitizerOptions.Empty();
        options.AllowedTags = new HashSet<string>(Tags, StringComparer.OrdinalIgnoreCase);
        options.AllowedAttributes = new HashSet<string>(Attributes, StringComparer.OrdinalIgnoreCase);
        options.AllowedCssProperties = new HashSet<string>(CssProperties, StringComparer.OrdinalIgnoreCase);
        options.AllowedSchemes = new HashSet<string>(Schemes, StringComparer.OrdinalIgnoreCase);
        options.UriAttributes = new HashSet<string>(HtmlSanitizerDefaults.UriAttributes, StringComparer.OrdinalIgnoreCase);
        options.UriListAttributes = new HashSet<string>(HtmlSanitizerDefaults.UriListAttributes, StringComparer.OrdinalIgnoreCase);
        options.NamedPropertyTags = new HashSet<string>(HtmlSanitizerDefaults.NamedPropertyTags, StringComparer.OrdinalIgnoreCase);
        sanitizer = new HtmlSanitizer(options) { KeepChildNodes = false };
        sanitizer.FilterUrl += (_, e) => e.SanitizedUrl = Url(e.Tag, e.OriginalUrl, e.SanitizedUrl);
        sanitizer.RemovingTag += (_, e) => Note($"<{e.Tag.LocalName}>");
        sanitizer.RemovingAttribute += (_, e) => Note(e.Reason == RemoveReason.NotAllowedUrlValue
            ? $"{e.Attribute.Name}=\"{Shorten(e.Attribute.Value)}\" on <{e.Tag.LocalName}>"
            : $"the {e.Attribute.Name} attribute of <{e.Tag.LocalName}>");
        sanitizer.RemovingStyle += (_, e) => Note($"the style {e.Style.Name}: {Shorten(e.Style.Value)} on <{e.Tag.LocalName}>");
        sanitizer.PostProcessNode += (_, e) => CheckInput(e);
    }

    /// <summary>What was removed so far, one line each: what, and where (as passed to <see cref="Sanitize"/>).</summary>
    public IReadOnlyList<string> Removed => removed;

    /// <summary>
    /// The allowed part of <paramref name="html"/> (a body fragment). <paramref name="location"/> (e.g. "cell 3") goes
    /// into <see cref="Removed"/> next to anything removed.
    /// </summary>
    public string Sanitize(string html, string location)
    {
        where = location;
        return sanitizer.Sanitize(html);
    }

    private void Note(string what)
    {
        var line = $"{what} ({where})";
        if (!removed.Contains(line)) removed.Add(line);
    }

    /// <summary>
    /// Links keep what the scheme list allows; images keep a relative <c>src</c> or an inline image
    /// (<c>data:image/…;base64,…</c>), and lose one that would load from another host.
    /// </summary>
    private static string? Url(IElement tag, string original, string? sanitized)
    {
        if (!tag.LocalName.Equals("img", StringComparison.OrdinalIgnoreCase)) return sanitized;
        var url = original.Trim();
        if (InlineImage().IsMatch(url)) return url;
        if (sanitized is null || url.StartsWith("//", StringComparison.Ordinal) || url.StartsWith(@"\\", StringComparison.Ordinal) || url.StartsWith("/\\", StringComparison.Ordinal)) return null;
        return SchemePrefix().IsMatch(url) ? null : sanitized;
    }

    /// <summary>Only the disabled checkboxes of task lists stay; any other <c>&lt;input&gt;</c> is removed.</summary>
    private void CheckInput(PostProcessNodeEventArgs e)
    {
        if (e.Node is not IElement { LocalName: "input" } input) return;
        if (string.Equals(input.GetAttribute("type"), "checkbox", StringComparison.OrdinalIgnoreCase))
        {
            input.SetAttribute("disabled", "disabled");
            return;
        }
        Note($"<input type=\"{Shorten(input.GetAttribute("type") ?? "text")}\">");
        input.Remove();
    }

    private static string Shorten(string s)
    {
        s = new string([.. s.Select(c => char.IsControl(c) ? ' ' : c)]);
        return s.Length <= 40 ? s : s[..40] + "…";
    }

    // data:image/png;base64,… (any image subtype; parameters such as ;charset before ;base64 are allowed).
    [GeneratedRegex(@"^data:image/[a-z0-9.+-]+(?:;[a-z0-9-]+=[a-z0-9.+-]+)*;base64,[A-Za-z0-9+/\s]*={0,2}$", RegexOptions.IgnoreCase)]
    private static partial Regex InlineImage();

    // Anything with a scheme (http:, https:, mailto:, …): an image must be relative or inline.
    [GeneratedRegex(@"^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase)]
    private static partial Regex SchemePrefix();
}

using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Markdig;
using Notebooks;
using Notebooks.Site;

namespace Site.Tests;

/// <summary>The tutorial's own markdown goes through the sanitizer unchanged: nothing it uses disappears.</summary>
[Collection("site")]
public sealed partial class TutorialMarkdownTests(SiteFixture site)
{
    [Fact]
    public void Every_markdown_cell_of_the_tutorial_keeps_its_elements_classes_links_and_text_on_its_page()
    {
        Assert.DoesNotContain("removed from the markdown's HTML", site.Stdout);
        var parser = new HtmlParser();
        var totals = new Dictionary<string, int>(StringComparer.Ordinal);
        var cells = 0;
        foreach (var name in SiteFixture.TutorialNotebooks)
        {
            var doc = NotebookDocument.Load(Path.Combine(site.Executed, name));
            var page = parser.ParseDocument(File.ReadAllText(Path.Combine(site.Site, Path.ChangeExtension(name, ".html"))));
            foreach (var cell in doc.Cells.Where(c => c.CellType == "markdown"))
            {
                // Before: Markdig's HTML of the cell, unsanitized. After: the cell's section on the page.
                var before = parser.ParseDocument("<body>" + Markdown.ToHtml(cell.Source, NotebookHtml.Pipeline)).Body!;
                var after = page.GetElementById($"cell-{cell.Id}") ?? throw new InvalidOperationException($"{name}: no section for cell {cell.Id}");
                var where = $"{name}, cell {cell.Index + 1}";
                Assert.Equal(Shape(before), Shape(after), StringComparer.Ordinal);
                // The page's section starts with a line break of its own.
                Assert.True(before.TextContent.Trim() == after.TextContent.Trim(), $"{where}: the text changed:\n{before.TextContent}\n---\n{after.TextContent}");
                Assert.Equal(Links(before).Select(l => PageLink(AttachmentData(l, cell.Node))), Links(after));
                foreach (var (kind, selector) in Kinds)
                {
                    var n = before.QuerySelectorAll(selector).Length;
                    Assert.True(n == after.QuerySelectorAll(selector).Length, $"{where}: {kind} {n} before, {after.QuerySelectorAll(selector).Length} after");
                    totals[kind] = totals.GetValueOrDefault(kind) + n;
                }
                cells++;
            }
        }
        // The comparison saw what the tutorial uses (its diagrams are attached images above folded Mermaid source; the
        // fixture pages of MarkdownSanitizingTests test the rest).
        Assert.True(cells > 100, $"{cells} markdown cells");
        Assert.True(totals["tables"] >= 5 && totals["formulas"] >= 100 && totals["diagrams"] >= 3 && totals["images"] >= 3 && totals["details"] >= 3 && totals["headings"] >= 50 && totals["text tags"] >= 100,
            string.Join(", ", totals.Select(t => $"{t.Key} {t.Value}")));
    }

    private static readonly (string Kind, string Selector)[] Kinds =
    [
        ("tables", "table"), ("rows", "tr"), ("details", "details"), ("images", "img"), ("formulas", ".math"), ("diagrams", "pre.mermaid"),
        ("links", "a[href]"), ("code", "code"), ("headings", "h1, h2, h3, h4, h5, h6"), ("text tags", "sub, sup, kbd, br, em, strong, del"),
    ];

    /// <summary>Each element as tag, classes and attribute names (ids aside: the site adds them to headings), in document order.</summary>
    private static List<string> Shape(IElement root) =>
        [.. root.QuerySelectorAll("*").Select(e => $"{e.LocalName}.{e.ClassName}[{string.Join(",", e.Attributes.Select(a => a.Name).Where(n => n != "id").Order(StringComparer.Ordinal))}]")];

    private static IEnumerable<string> Links(IElement root) =>
        root.QuerySelectorAll("[href], [src]").Select(e => e.GetAttribute("href") ?? e.GetAttribute("src") ?? "");

    /// <summary>An image the cell carries as an attachment is inlined on the page as a data URI of its bytes.</summary>
    private static string AttachmentData(string src, System.Text.Json.Nodes.JsonObject cell)
    {
        if (!src.StartsWith("attachment:", StringComparison.Ordinal)) return src;
        var bundle = cell["attachments"]![src["attachment:".Length..]]!.AsObject();
        var (mime, data) = Assert.Single(bundle);
        return $"data:{mime};base64,{data!.GetValue<string>()}";
    }

    /// <summary>A link to a notebook of the tutorial points at its page on the site.</summary>
    private static string PageLink(string href) => NotebookLink().Replace(href, "$1.html");

    [GeneratedRegex(@"^(?:\./)?([^/:?#]+)\.ipynb(?=#|$)")]
    private static partial Regex NotebookLink();
}

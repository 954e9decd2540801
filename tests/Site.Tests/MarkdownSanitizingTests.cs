using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.Playwright;

namespace Site.Tests;

/// <summary>
/// Raw HTML in markdown cells: what could run script is removed from the offline site's pages (checked in the page's
/// HTML and in Chromium), what the tutorial uses is kept, and a cell's own HTML output stays live.
/// </summary>
[Collection("sanitizing")]
public sealed partial class MarkdownSanitizingTests(SanitizingFixture fixture)
{
    /// <summary>Elements that can run or load script, submit, or change how the page's URLs resolve.</summary>
    private static readonly string[] Forbidden =
        ["script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "button", "style", "link", "meta", "base",
         "svg", "math", "noscript", "template", "textarea", "select", "video", "audio", "source"];

    /// <summary>Attributes that hold a URL the browser may load or navigate to.</summary>
    private static readonly string[] UrlAttributes = ["href", "src", "action", "formaction", "data", "xlink:href", "poster", "background", "cite", "srcset"];

    public static TheoryData<Payload> Payloads()
    {
        var data = new TheoryData<Payload>();
        foreach (var p in SanitizingFixture.Payloads) data.Add(p);
        return data;
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public void A_markdown_payload_leaves_nothing_that_can_run_in_the_page_and_the_rest_of_its_cell_stays(Payload payload)
    {
        var page = Parse(SanitizingFixture.Attacks);
        var section = CellSection(page, SanitizingFixture.CellOf(payload));
        Assert.Contains($"after-{payload.Name}", section.TextContent);
        AssertInert(section, payload.Name);
        // The site says what it removed, and where, so an author knows why something is missing.
        Assert.Matches($@"site: 80-markdown-attacks\.html: removed from the markdown's HTML \(pages keep only safe HTML\): .*\(cell {SanitizingFixture.CellOf(payload)}\)", fixture.Log);
    }

    [Fact]
    public void A_markdown_output_is_cleaned_like_a_markdown_cell_and_keeps_its_text_and_math()
    {
        var cell = SanitizingFixture.Payloads.Length + 2;
        var section = CellSection(Parse(SanitizingFixture.Attacks), cell);
        var output = section.QuerySelector(".output .markdown")!;
        Assert.Equal("Markdown output", output.QuerySelector("strong")!.TextContent);
        Assert.Equal("\\(x^2\\)", output.QuerySelector("span.math")!.TextContent);
        Assert.Equal("link", output.QuerySelector("a")!.TextContent);
        AssertInert(section, "the markdown output");
        Assert.Contains($"the onerror attribute of <img> (markdown output of cell {cell})", fixture.Log);
    }

    [Fact]
    public void The_attack_page_has_no_script_but_the_sites_own_and_no_live_attribute_anywhere()
    {
        var page = Parse(SanitizingFixture.Attacks);
        var scripts = page.QuerySelectorAll("script").Select(s => s.GetAttribute("src")).ToList();
        Assert.All(scripts, src => Assert.Matches("^assets/[a-z/.-]+\\.js$", src ?? "(inline)"));
        Assert.Contains("assets/site.js", scripts);
        AssertInert(page.QuerySelector("main")!, "the attack page");
        Assert.Equal(SanitizingFixture.Payloads.Length + 1, page.QuerySelectorAll("main > section.cell.markdown").Length);
    }

    [Fact]
    public async Task In_Chromium_no_payload_runs_even_when_its_links_are_clicked_and_its_details_toggled()
    {
        var (ran, title, url, problems) = await OpenAndProvoke(SanitizingFixture.Attacks);
        Assert.Null(ran);
        Assert.Equal("Markdown attacks · Attention and positional encoding, in C#", title);
        Assert.EndsWith("/80-markdown-attacks.html", url);
        // The payloads' own images point at files that do not exist (so that a live onerror would fire): those fail to load.
        Assert.DoesNotContain(problems, p => !(p.StartsWith("request failed: file:", StringComparison.Ordinal) || p == "console error: Failed to load resource: net::ERR_FILE_NOT_FOUND"));
    }

    [Fact]
    public async Task A_cells_own_html_output_stays_live_and_the_same_checks_see_it_run()
    {
        // The control: the same HTML as text/html outputs is the reader's own code and runs, as in Jupyter. This is
        // also what proves that the browser check above would see a payload that ran.
        var (ran, title, _, _) = await OpenAndProvoke(SanitizingFixture.LiveOutputs);
        Assert.NotNull(ran);
        var names = ran.Split(';', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        foreach (var p in SanitizingFixture.Payloads.Where(p => p.RunsWhenLive))
            Assert.True(names.Contains(p.Name), $"'{p.Name}' did not run as a live output; ran: {ran}");
        Assert.Equal("pwned", title);
        var html = await File.ReadAllTextAsync(Path.Combine(fixture.Site, "81-live-outputs.html"));
        Assert.Contains("<script>window.__pwned=", html);
        Assert.DoesNotContain("81-live-outputs.html: removed", fixture.Log);
    }

    [Fact]
    public void Kept_markdown_loses_nothing_tables_details_text_tags_images_links_anchors_code_math_and_diagrams()
    {
        Assert.DoesNotContain("82-kept-markdown.html: removed", fixture.Log);
        Assert.Empty(fixture.Report.Pages.Single(p => p.NotebookName == SanitizingFixture.Kept).Removed);
        var page = Parse(SanitizingFixture.Kept);
        var main = page.QuerySelector("main")!;
        Assert.Single(main.QuerySelectorAll("table"));
        Assert.Equal(3, main.QuerySelectorAll("table tr").Length);
        Assert.Equal(3, main.QuerySelectorAll("th[style*='text-align'], td[style*='text-align']").Count(e => e.GetAttribute("style")!.Contains("right", StringComparison.Ordinal)));
        Assert.Equal("H2O", main.QuerySelector("sub")!.ParentElement!.TextContent[..3]);
        Assert.Equal("2", main.QuerySelector("sup")!.TextContent);
        Assert.Equal(["Ctrl", "Enter"], main.QuerySelectorAll("kbd").Select(k => k.TextContent));
        Assert.NotNull(main.QuerySelector("br"));
        Assert.Equal(["struck", "marked", "Q"], main.QuerySelectorAll("del, mark, abbr").Select(e => e.TextContent));
        Assert.Equal("query", main.QuerySelector("abbr")!.GetAttribute("title"));
        Assert.Equal([true, false], main.QuerySelectorAll("li.task-list-item input[type=checkbox][disabled]").Select(i => i.HasAttribute("checked")));
        Assert.Equal("Show the answer", main.QuerySelector("details > summary")!.TextContent);
        Assert.Contains("The answer is 42", main.QuerySelector("details")!.TextContent);
        Assert.Equal(["images/dot.png", $"data:image/png;base64,{SanitizingFixture.DotPng}", "images/dot.png"], main.QuerySelectorAll("img").Select(i => i.GetAttribute("src")));
        Assert.Equal(["a dot", "an inline dot", "a raw dot"], main.QuerySelectorAll("img").Select(i => i.GetAttribute("alt")));
        Assert.Equal(["80-markdown-attacks.html", "#table-and-text", "https://example.com/page?a=1&b=2", "http://example.com/", "https://example.org/",
                      "mailto:someone@example.com", "80-markdown-attacks.html#markdown-attacks"],
            main.QuerySelectorAll("section.markdown a").Select(a => a.GetAttribute("href")));
        Assert.Equal(["kept-markdown", "table-and-text", "images", "links", "math-and-diagrams"], main.QuerySelectorAll("h1, h2").Select(h => h.Id));
        Assert.Equal("var ok = 1 < 2 && \"<b>\" != null;\n", main.QuerySelector("pre > code.language-csharp")!.TextContent);
        Assert.Equal(["\\(x^2\\)", "\\(\\alpha_i = \\frac{e^{s_i}}{\\sum_j e^{s_j}} < 1\\)"], main.QuerySelectorAll("span.math").Select(m => m.TextContent));
        Assert.Equal("\\[\n\\mathrm{softmax}(x)_i = \\frac{e^{x_i}}{\\sum_{j=1}^{n} e^{x_j}}\n\\]", main.QuerySelector("div.math")!.TextContent.Trim());
        Assert.Equal("flowchart LR\n    Q[\"query<br/>查询\"] --> S[\"scores\"]\n    K[\"keys\"] --> S\n", main.QuerySelector("pre.mermaid")!.TextContent);
        Assert.Contains("a < b & c.", main.TextContent);
        AssertInert(main, "the kept page");
    }

    [Fact]
    public async Task In_Chromium_kept_markdown_draws_its_math_diagram_and_images_and_its_details_open()
    {
        var page = await Open(SanitizingFixture.Kept, out var problems);
        try
        {
            var math = await page.EvaluateAsync<int[]>("() => [document.querySelectorAll('.markdown .math').length, document.querySelectorAll('.markdown .math .katex').length, document.querySelectorAll('.katex-error').length]");
            Assert.Equal(new[] { 3, 3, 0 }, math);
            Assert.Equal(1, await page.EvaluateAsync<int>("() => document.querySelectorAll('.markdown pre.mermaid > svg').length"));
            await page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete)");
            Assert.Equal(new[] { 1, 1, 1 }, await page.EvaluateAsync<int[]>("() => [...document.querySelectorAll('main img')].map(i => i.naturalWidth)"));
            Assert.Equal(8, await page.EvaluateAsync<int>("() => document.querySelectorAll('main img')[2].width"));
            Assert.Equal("right", await page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('th:last-child')).textAlign"));
            Assert.False(await page.EvaluateAsync<bool>("() => document.querySelector('details').open"));
            await page.ClickAsync("details > summary");
            Assert.True(await page.EvaluateAsync<bool>("() => document.querySelector('details').open"));
            Assert.Empty(problems);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>No forbidden element, no event handler, no script URL, no srcdoc and no script in styles under <paramref name="root"/>.</summary>
    private static void AssertInert(IElement root, string what)
    {
        foreach (var tag in Forbidden)
            if (root.QuerySelector(tag) is { } left) Assert.Fail($"{what}: a <{tag}> is left: {left.OuterHtml}");
        foreach (var element in root.QuerySelectorAll("*").Prepend(root))
        {
            foreach (var attribute in element.Attributes)
            {
                var name = attribute.Name.ToLowerInvariant();
                Assert.False(name.StartsWith("on", StringComparison.Ordinal), $"{what}: event handler {name} on <{element.LocalName}>");
                Assert.NotEqual("srcdoc", name);
                if (UrlAttributes.Contains(name))
                {
                    // As a browser reads it: entities are already decoded by the parser; it drops tabs, newlines and
                    // leading control characters and spaces, and compares the scheme without case.
                    var url = ControlAndSpace().Replace(attribute.Value, "").ToLowerInvariant();
                    Assert.False(url.StartsWith("javascript:", StringComparison.Ordinal) || url.StartsWith("vbscript:", StringComparison.Ordinal),
                        $"{what}: {name}=\"{attribute.Value}\" on <{element.LocalName}>");
                    if (url.StartsWith("data:", StringComparison.Ordinal))
                        Assert.True(element.LocalName == "img" && name == "src" && url.StartsWith("data:image/", StringComparison.Ordinal), $"{what}: {name}=\"{attribute.Value}\" on <{element.LocalName}>");
                }
                if (name == "style")
                    Assert.DoesNotMatch("(?i)expression|url\\(|javascript|position", attribute.Value);
            }
        }
    }

    private AngleSharp.Html.Dom.IHtmlDocument Parse(string notebook) =>
        new HtmlParser().ParseDocument(File.ReadAllText(Path.Combine(fixture.Site, Path.ChangeExtension(notebook, ".html"))));

    private static IElement CellSection(AngleSharp.Html.Dom.IHtmlDocument page, int cell) =>
        page.QuerySelectorAll("main > section.cell")[cell - 1];

    /// <summary>
    /// Opens a page, then does what a reader might: clicks every link and summary in the cells, focuses every input,
    /// waits for every image to load or fail; returns <c>window.__pwned</c>, the title, the URL and any problems.
    /// </summary>
    private async Task<(string? Ran, string Title, string Url, List<string> Problems)> OpenAndProvoke(string notebook)
    {
        var page = await Open(notebook, out var problems);
        try
        {
            await page.EvaluateAsync("""
                async () => {
                  const settled = [...document.images].map(i => i.complete ? null : new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); }));
                  await Promise.all(settled.filter(p => p));
                  for (const a of document.querySelectorAll('main section.cell a')) a.click();
                  for (const s of document.querySelectorAll('main section.cell summary')) s.click();
                  for (const i of document.querySelectorAll('main section.cell input')) i.focus();
                  await new Promise(r => setTimeout(r, 500));
                }
                """);
            var ran = await page.EvaluateAsync<string?>("() => window.__pwned === undefined ? null : String(window.__pwned)");
            return (ran, await page.TitleAsync(), page.Url, problems);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>Opens a page of the fixture's site with every request but file: aborted and recorded, and waits for the page script.</summary>
    private Task<IPage> Open(string notebook, out List<string> problems)
    {
        var list = new List<string>();
        problems = list;
        return OpenAsync(Path.Combine(fixture.Site, Path.ChangeExtension(notebook, ".html")), list);
    }

    private async Task<IPage> OpenAsync(string path, List<string> problems)
    {
        var page = await fixture.Browser.NewPageAsync();
        page.Console += (_, m) => { if (m.Type is "error" or "warning" && !m.Text.Contains("willReadFrequently", StringComparison.Ordinal)) problems.Add($"console {m.Type}: {m.Text}"); };
        page.PageError += (_, e) => problems.Add($"page error: {e}");
        page.Dialog += async (_, d) => { problems.Add($"dialog: {d.Message}"); await d.DismissAsync(); };
        page.RequestFailed += (_, r) => problems.Add($"request failed: {r.Url} {r.Failure}");
        await page.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url.StartsWith("file:", StringComparison.Ordinal)) await route.ContinueAsync();
            else
            {
                problems.Add($"network request attempted: {route.Request.Url}");
                await route.AbortAsync();
            }
        });
        await page.GotoAsync(new Uri(path).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        await page.WaitForSelectorAsync("html[data-site-ready]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached, Timeout = 60_000 });
        return page;
    }

    [GeneratedRegex(@"[\x00-\x20]")]
    private static partial Regex ControlAndSpace();
}

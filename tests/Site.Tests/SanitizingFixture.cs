using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Notebooks.Site;
using TestSupport;

namespace Site.Tests;

/// <summary>
/// One markdown payload that would run script if the page kept it. Every payload that runs appends its name to
/// <c>window.__pwned</c> (and the first one also changes the title).
/// </summary>
/// <param name="Name">Short name; the markdown cell ends with a paragraph <c>after-NAME</c>.</param>
/// <param name="Markdown">The cell's markdown.</param>
/// <param name="RunsWhenLive">True when the same HTML, left live (as a cell's own <c>text/html</c> output), runs in Chromium.</param>
/// <param name="FitsALivePage">False for HTML that would break the control page itself (a base URL, a refresh).</param>
public sealed record Payload(string Name, string Markdown, bool RunsWhenLive, bool FitsALivePage = true)
{
    /// <summary>JavaScript that records that <paramref name="name"/> ran.</summary>
    public static string Mark(string name) => $"window.__pwned=(window.__pwned||'')+'{name};'";

    public override string ToString() => Name;
}

/// <summary>
/// Writes a small site without running anything (markdown cells, and code cells whose outputs are written into the
/// notebook): the attack payloads in markdown cells, the same payloads as <c>text/html</c> outputs (a control that
/// proves the browser checks see script that runs), and a page with everything the tutorial's markdown may use.
/// One headless Chromium, offline, serves the browser checks.
/// </summary>
public sealed class SanitizingFixture : IAsyncLifetime
{
    public const string Attacks = "80-markdown-attacks.ipynb";
    public const string LiveOutputs = "81-live-outputs.ipynb";
    public const string Kept = "82-kept-markdown.ipynb";

    /// <summary>A 1×1 PNG.</summary>
    public const string DotPng = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    public static readonly Payload[] Payloads =
    [
        new("script", $"<script>{Payload.Mark("script")}; document.title = 'pwned';</script>", true),
        new("img-onerror", $"<img src=\"missing.png\" onerror=\"{Payload.Mark("img-onerror")}\">", true),
        new("img-onerror-entities", "<img src=x onerror=\"&#x77;indow.__pwned=(window.__pwned||'')+&#39;img-onerror-entities;&#39;\">", true),
        new("img-onerror-uppercase", "<IMG SRC=x OnErRoR=\"window.__pwned=(window.__pwned||'')+'img-onerror-uppercase;'\">", true),
        new("svg-onload", $"<svg onload=\"{Payload.Mark("svg-onload")}\"></svg>", true),
        new("svg-script", $"<svg><script>{Payload.Mark("svg-script")}</script></svg>", true),
        new("iframe-srcdoc", "<iframe srcdoc=\"&lt;script&gt;parent.__pwned=(parent.__pwned||'')+'iframe-srcdoc;'&lt;/script&gt;\"></iframe>", true),
        new("details-ontoggle", $"<details open ontoggle=\"{Payload.Mark("details-ontoggle")}\"><summary>more</summary>hidden text</details>", true),
        // <script>parent.__pwned='object'</script> in a data: document (a frame of another origin in Chromium).
        new("object-data", "<object data=\"data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0nb2JqZWN0Jzwvc2NyaXB0Pg==\"></object>\n<embed src=\"data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0nZW1iZWQnPC9zY3JpcHQ+\">", false),
        new("markdown-link", "[click me](javascript:void(window.__pwned='markdown-link;'))", false),
        new("markdown-image", "![a picture](javascript:window.__pwned='markdown-image;')", false),
        new("link-mixed-case", "<a href=\"JaVaScRiPt:void(window.__pwned=(window.__pwned||'')+'link-mixed-case;')\">click me</a>", true),
        new("link-entities", "<a href=\"jav&#x61;script:void(window.__pwned=(window.__pwned||'')+'link-entities;')\">click me</a>", true),
        new("link-tab-and-space", "<a href=\" java&#x09;script:void(window.__pwned=(window.__pwned||'')+'link-tab-and-space;')\">click me</a>", true),
        new("link-data", "<a href=\"data:text/html;base64,PHNjcmlwdD5vcGVuZXIuX19wd25lZD0nZGF0YSc8L3NjcmlwdD4=\">click me</a>", false),
        new("form", "<form action=\"javascript:window.__pwned=(window.__pwned||'')+'form;'\"><button formaction=\"javascript:window.__pwned=(window.__pwned||'')+'button;'\">go</button></form>", false),
        new("style", "<style>p { background-image: url(\"javascript:window.__pwned='style'\"); width: expression(window.__pwned='style-expression'); }</style>\n\n" +
                     "<p style=\"width: expression(window.__pwned='inline-expression'); background-image: url(javascript:window.__pwned='inline-url'); position: fixed; top: 0\">styled</p>", false),
        new("meta-refresh", "<meta http-equiv=\"refresh\" content=\"0; url=javascript:window.__pwned='meta-refresh'\">", false, FitsALivePage: false),
        new("base-href", "<base href=\"javascript:window.__pwned='base-href'//\">", false, FitsALivePage: false),
        new("math", "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__pwned=(window.__pwned||'')+'math-mglyph;'\"></style></mglyph></table></mtext></math>\n" +
                    "<math href=\"javascript:window.__pwned='math-href'\"><mi>x</mi></math>", false),
        new("noscript", "<noscript><p title=\"</noscript><img src=x onerror=window.__pwned=(window.__pwned||'')+'noscript;'>\"></noscript>", false),
        new("input-autofocus", "<input autofocus onfocus=\"window.__pwned=(window.__pwned||'')+'input-autofocus;'\">", false),
        new("video-source", "<video><source onerror=\"window.__pwned=(window.__pwned||'')+'video-source;'\"></video>", false),
    ];

    /// <summary>
    /// A <c>text/markdown</c> output (the last cell of the attack page): its HTML comes from markdown, so it is cleaned
    /// like a markdown cell's.
    /// </summary>
    public const string MarkdownOutput = "**Markdown output** <img src=\"missing.png\" onerror=\"window.__pwned=(window.__pwned||'')+'markdown-output;'\"> [link](javascript:void(0)) $x^2$";

    /// <summary>Everything this fixture writes (removed at the end).</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "site-tests", $"sanitizing-{Environment.ProcessId}-{Guid.NewGuid():N}"[..36]);

    /// <summary>The site folder.</summary>
    public string Site => Path.Combine(Root, "site");

    /// <summary>What writing the site printed.</summary>
    public string Log { get; private set; } = "";

    /// <summary>What writing the site reported.</summary>
    public SiteReport Report { get; private set; } = null!;

    /// <summary>The browser context (fresh profile, offline).</summary>
    public IBrowserContext Browser { get; private set; } = null!;

    private IPlaywright? playwright;

    /// <summary>The attack page's cell number (as the site's messages count, from 1) of <paramref name="payload"/>.</summary>
    public static int CellOf(Payload payload) => Array.IndexOf(Payloads, payload) + 2;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var notebooks = Path.Combine(Root, "notebooks");
        Directory.CreateDirectory(notebooks);
        var attacks = NotebookFiles.Write(notebooks, Attacks,
            [NotebookFiles.Markdown("# Markdown attacks\n\nEvery cell below carries HTML that would run script."),
             .. Payloads.Select(p => NotebookFiles.Markdown($"{p.Markdown}\n\nafter-{p.Name}")),
             WithOutput(NotebookFiles.Code("display(markdown)", "csharp"), "text/markdown", MarkdownOutput)]);
        var live = NotebookFiles.Write(notebooks, LiveOutputs,
            [NotebookFiles.Markdown("# Live outputs\n\nThe same HTML, returned by cells' code."),
             .. Payloads.Where(p => p.FitsALivePage).Select(p => WithOutput(NotebookFiles.Code("display(html)", "csharp"), "text/html", p.Markdown))]);
        var kept = NotebookFiles.Write(notebooks, Kept, KeptCells());

        var log = new StringWriter();
        var libraries = await SiteLibraries.PrepareAsync(log);
        Assert.True(libraries.Available, $"KaTeX and Mermaid are needed for these tests: {libraries.Problem}");
        Report = await StaticSite.WriteAsync([attacks, live, kept], Site, log, libraries);
        Log = log.ToString();
        Directory.CreateDirectory(Path.Combine(Site, "images"));
        await File.WriteAllBytesAsync(Path.Combine(Site, "images", "dot.png"), Convert.FromBase64String(DotPng));

        Assert.True(File.Exists(Chromium.Executable), Chromium.Missing);
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchPersistentContextAsync(Path.Combine(Root, "profile"), new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Chromium.Executable,
            Headless = true,
            Args = SiteFixture.ChromiumFlags,
            Offline = true,
        });
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        playwright?.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>The markdown the tutorial may use, one feature or two per cell.</summary>
    public static JsonObject[] KeptCells() =>
    [
        NotebookFiles.Markdown("# Kept markdown\n\nEverything here must survive the sanitizer."),
        NotebookFiles.Markdown("## Table and text\n\n| left | right |\n|:--|--:|\n| a | 1 |\n| b | 2 |\n\n" +
            "H<sub>2</sub>O and x<sup>2</sup>; press <kbd>Ctrl</kbd>+<kbd>Enter</kbd>,<br>then read on. ~~struck~~ <mark>marked</mark> <abbr title=\"query\">Q</abbr>\n\n" +
            "- [x] done\n- [ ] open"),
        NotebookFiles.Markdown("<details><summary>Show the answer</summary>\n\nThe answer is **42**, and $x^2$ too.\n\n</details>"),
        NotebookFiles.Markdown($"## Images\n\n![a dot](images/dot.png) ![an inline dot](data:image/png;base64,{DotPng}) <img src=\"images/dot.png\" alt=\"a raw dot\" width=\"8\" height=\"8\">"),
        NotebookFiles.Markdown("## Links\n\n[relative](80-markdown-attacks.html) [anchor](#table-and-text) [web](https://example.com/page?a=1&b=2) [plain](http://example.com/) " +
            "<https://example.org/> [mail](mailto:someone@example.com) [notebook](80-markdown-attacks.ipynb#markdown-attacks)"),
        NotebookFiles.Markdown("## Math and diagrams\n\nInline $\\alpha_i = \\frac{e^{s_i}}{\\sum_j e^{s_j}} < 1$ and a < b & c.\n\n" +
            "$$\n\\mathrm{softmax}(x)_i = \\frac{e^{x_i}}{\\sum_{j=1}^{n} e^{x_j}}\n$$\n\n" +
            "```mermaid\nflowchart LR\n    Q[\"query<br/>查询\"] --> S[\"scores\"]\n    K[\"keys\"] --> S\n```\n\n" +
            "```csharp\nvar ok = 1 < 2 && \"<b>\" != null;\n```"),
    ];

    private static JsonObject WithOutput(JsonObject cell, string mime, string text)
    {
        cell["outputs"] = new JsonArray(new JsonObject
        {
            ["output_type"] = "display_data",
            ["data"] = new JsonObject { [mime] = text, ["text/plain"] = "output" },
            ["metadata"] = new JsonObject(),
        });
        return cell;
    }
}

/// <summary>The tests that share the sanitizing fixture's site and browser.</summary>
[CollectionDefinition("sanitizing")]
public sealed class SanitizingCollection : ICollectionFixture<SanitizingFixture>;

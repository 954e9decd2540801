using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Site.Tests;

/// <summary>Every page of the site, opened in Chromium with the network blocked.</summary>
[Collection("site")]
public sealed class SitePageTests(SiteFixture site)
{
    /// <summary>Every notebook page: the tutorial's notebooks and the fixtures.</summary>
    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var n in SiteFixture.TutorialNotebooks.Concat(Fixtures.Names)) data.Add(n);
        return data;
    }

    [Fact]
    public void The_runner_ran_the_tutorial_cleanly_and_wrote_the_site()
    {
        foreach (var n in SiteFixture.TutorialNotebooks)
            Assert.Contains($"{n}  ", site.Stdout);
        Assert.DoesNotContain("errors", string.Join("\n", site.Stdout.Split('\n').Where(l => SiteFixture.TutorialNotebooks.Any(l.StartsWith)).Where(l => !l.Contains("  0 errors", StringComparison.Ordinal))));
        // Only the fixture's deliberate failure makes the run fail; the site is written anyway.
        Assert.Contains($"{Fixtures.Rich}  8 cells  1 errors", site.Stdout);
        Assert.Equal(1, site.ExitCode);
        Assert.Contains("site: ", site.Stdout);
        Assert.True(File.Exists(Path.Combine(site.Site, "index.html")));
        Assert.Matches(@"chart images: (\d+) of \1 charts", site.Stdout);
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task A_notebook_page_renders_offline_with_its_charts_formulas_and_diagrams(string notebook)
    {
        var nb = site.ExecutedNotebook(notebook);
        var page = await Open(Path.ChangeExtension(notebook, ".html"), out var problems);
        try
        {
            var expectedCharts = Count.Charts(nb).Count;
            if (expectedCharts > 0)
                await page.WaitForFunctionAsync("n => document.querySelectorAll('.output .chart .js-plotly-plot svg.main-svg').length > 0 && [...document.querySelectorAll('.output .chart .js-plotly-plot')].filter(d => d.querySelector('svg.main-svg')).length >= n",
                    expectedCharts, new PageWaitForFunctionOptions { Timeout = 60_000 });
            var drawn = await page.EvaluateAsync<int>("() => [...document.querySelectorAll('.js-plotly-plot')].filter(d => d.querySelector('svg.main-svg')).length");
            Assert.Equal(expectedCharts, drawn);
            var plotlyLoaded = await page.EvaluateAsync<bool>("() => typeof window.Plotly === 'object'");
            Assert.Equal(expectedCharts > 0, plotlyLoaded);
            // plotly.js comes from the one shared file, never inline in the page.
            var html = await File.ReadAllTextAsync(Path.Combine(site.Site, Path.ChangeExtension(notebook, ".html")));
            Assert.DoesNotContain("plotly.js v2", html);
            Assert.True(html.Length < 1_000_000, $"{notebook}: the page is {html.Length} bytes; plotly.js must not be inlined");

            // Formulas: every math element typeset by KaTeX, no delimiters left in the prose.
            var math = await page.EvaluateAsync<int[]>("() => [document.querySelectorAll('.markdown .math').length, document.querySelectorAll('.markdown .math .katex').length, document.querySelectorAll('.katex-error').length]");
            Assert.Equal(math[0], math[1]);
            Assert.Equal(0, math[2]);
            Assert.Equal(Count.HasMath(nb), math[1] > 0);
            var prose = await page.EvaluateAsync<string>("() => [...document.querySelectorAll('section.markdown')].map(s => { const c = s.cloneNode(true); c.querySelectorAll('code, .katex').forEach(e => e.remove()); return c.innerText; }).join('\\n')");
            Assert.DoesNotContain("$$", prose);
            Assert.DoesNotContain("\\(", prose);
            Assert.DoesNotContain("\\[", prose);

            // Diagrams: one SVG per ```mermaid block.
            var diagrams = await page.EvaluateAsync<int>("() => document.querySelectorAll('.markdown .mermaid > svg').length");
            Assert.Equal(Count.MermaidBlocks(nb), diagrams);

            // Code cells keep their execution counts; the title is the first heading.
            var prompts = await page.EvaluateAsync<int>("() => document.querySelectorAll('section.code .input .prompt').length");
            Assert.Equal(nb["cells"]!.AsArray().Count(c => c!["cell_type"]!.GetValue<string>() == "code"), prompts);
            // The page's structure survived every output's HTML: one section per cell, ids unique
            // (plotly.js's own modebar icons repeat an id inside each chart; those are its business).
            Assert.Equal(nb["cells"]!.AsArray().Count, await page.EvaluateAsync<int>("() => document.querySelectorAll('main > section.cell').length"));
            var ids = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('[id]')].filter(e => !e.closest('.modebar')).map(e => e.id)");
            Assert.Equal(ids.Length, ids.Distinct(StringComparer.Ordinal).Count());
            var h1 = await page.EvaluateAsync<string>("() => document.querySelector('h1').textContent");
            Assert.StartsWith(h1.Trim(), await page.TitleAsync());
            Assert.Empty(problems);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>
    /// Measured in the browser, on every chart of every notebook page: each number printed in a heatmap cell is
    /// narrower than its cell, and no label (cell numbers, tick labels, axis titles) overlaps another — so multi-panel
    /// heatmaps never read "0.000.010.00" or "0.49the".
    /// </summary>
    [Theory]
    [MemberData(nameof(TutorialPages))]
    public async Task Chart_labels_fit_their_cells_and_never_overlap(string notebook)
    {
        var expectedCharts = Count.Charts(site.ExecutedNotebook(notebook)).Count;
        if (expectedCharts == 0) return;
        var page = await Open(Path.ChangeExtension(notebook, ".html"), out var problems);
        try
        {
            await page.WaitForFunctionAsync("n => [...document.querySelectorAll('.js-plotly-plot')].filter(d => d.querySelector('svg.main-svg')).length >= n",
                expectedCharts, new PageWaitForFunctionOptions { Timeout = 60_000 });
            var json = await page.EvaluateAsync<string>("() => JSON.stringify((" + LabelProbe + ")())");
            var result = JsonNode.Parse(json)!.AsObject();
            Assert.Equal(expectedCharts, result["charts"]!.GetValue<int>());
            var issues = result["issues"]!.AsArray().Select(i => i!.GetValue<string>()).ToList();
            Assert.True(issues.Count == 0, $"{notebook}: {issues.Count} label problems:\n" + string.Join("\n", issues.Take(20)));
            Assert.Empty(problems);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    public static TheoryData<string> TutorialPages()
    {
        var data = new TheoryData<string>();
        foreach (var n in SiteFixture.TutorialNotebooks) data.Add(n);
        return data;
    }

    /// <summary>Boxes of every heatmap cell number, tick label and axis title, as drawn; what overflows or overlaps.</summary>
    private const string LabelProbe = """
        () => {
          const issues = [];
          const plots = [...document.querySelectorAll('.js-plotly-plot')];
          plots.forEach((plot, k) => {
            const title = (plot.querySelector('.gtitle') || {}).textContent || `chart ${k + 1}`;
            const boxes = [];
            plot.querySelectorAll('g.hm').forEach((hm, h) => {
              const img = hm.querySelector('image');
              const texts = [...hm.querySelectorAll('g.heatmap-label text')];
              if (!img || texts.length === 0) return;
              const columns = new Set(texts.map(t => t.getAttribute('x'))).size;
              const cell = img.getBoundingClientRect().width / columns;
              texts.forEach(t => {
                const r = t.getBoundingClientRect();
                if (r.width > cell - 2)
                  issues.push(`${title}: cell label '${t.textContent}' is ${r.width.toFixed(1)} px wide in a ${cell.toFixed(1)} px cell`);
                boxes.push({ r, what: `cell label '${t.textContent}'`, group: 'hm' + h });
              });
            });
            plot.querySelectorAll('g[class*="tick"] > text').forEach(t => {
              const g = t.parentNode.getAttribute('class');
              boxes.push({ r: t.getBoundingClientRect(), what: `tick '${t.textContent}' (${g})`, group: g });
            });
            plot.querySelectorAll('g[class^="g-"][class$="title"] text').forEach(t => {
              boxes.push({ r: t.getBoundingClientRect(), what: `title '${t.textContent}'`, group: 'title:' + t.textContent });
            });
            const live = boxes.filter(b => b.r.width > 0 && b.r.height > 0);
            for (let a = 0; a < live.length; a++)
              for (let b = a + 1; b < live.length; b++) {
                // one axis's own tick labels: plotly spaces or rotates them, and a rotated label's box is not its outline
                if (live[a].group === live[b].group && !live[a].group.startsWith('hm')) continue;
                const p = live[a].r, q = live[b].r;
                const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
                const hgt = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
                if (w > 1 && hgt > 1)
                  issues.push(`${title}: ${live[a].what} overlaps ${live[b].what} by ${w.toFixed(1)}×${hgt.toFixed(1)} px`);
              }
          });
          return { charts: plots.length, issues };
        }
        """;

    [Fact]
    public async Task The_index_links_every_page_in_order_with_title_cells_and_errors()
    {
        var page = await Open("index.html", out var problems);
        try
        {
            var links = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('ol.notebooks > li > a.title')].map(a => a.getAttribute('href'))");
            var expected = SiteFixture.TutorialNotebooks.Concat(Fixtures.Names).Select(n => Path.ChangeExtension(n, ".html")).ToArray();
            Assert.Equal(expected, links);
            var pagesOnDisk = Directory.GetFiles(site.Site, "*.html").Select(Path.GetFileName).Where(f => f != "index.html").Order(StringComparer.Ordinal);
            Assert.Equal(pagesOnDisk, expected.Order(StringComparer.Ordinal));
            var titles = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('ol.notebooks > li > a.title')].map(a => a.textContent)");
            Assert.Equal(Fixtures.RichTitle, titles[^2]);
            Assert.Equal("Plain fixture", titles[^1]);
            var meta = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('ol.notebooks > li > .meta')].map(m => m.textContent)");
            Assert.Contains("8 cells (5 code)", meta[^2]);
            Assert.Contains("1 error", meta[^2]);
            Assert.All(meta[..^2], m => Assert.Contains("no errors", m));
            // Every section link on the index points at a heading that exists on its page.
            var sections = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('ul.sections a')].map(a => a.getAttribute('href'))");
            Assert.NotEmpty(sections);
            foreach (var group in sections.GroupBy(s => s.Split('#')[0]))
            {
                var target = await File.ReadAllTextAsync(Path.Combine(site.Site, group.Key));
                foreach (var s in group)
                    Assert.Contains($"id=\"{Uri.UnescapeDataString(s.Split('#')[1])}\"", target);
            }
            Assert.Empty(problems);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task Text_that_looks_like_HTML_is_shown_as_text_and_never_runs()
    {
        var page = await Open(Path.ChangeExtension(Fixtures.Rich, ".html"), out var problems);
        try
        {
            Assert.Equal($"{Fixtures.RichTitle} · Attention and positional encoding, in C#", await page.TitleAsync());
            Assert.False(await page.EvaluateAsync<bool>("() => 'window.__injected' in window || window.__injected === 1"));
            var stream = await page.EvaluateAsync<string>("() => document.querySelector('.output.stream').textContent");
            Assert.Equal(Fixtures.Hostile + "\n", stream);
            var plain = await page.EvaluateAsync<string>("() => document.querySelector('.output .text').textContent");
            Assert.Equal("<i>plain</i> & text", plain);
            Assert.Equal(0, await page.EvaluateAsync<int>("() => document.querySelectorAll('main i, main b').length"));
            var error = await page.EvaluateAsync<string>("() => document.querySelector('.output.error').textContent");
            Assert.Contains("bad <tag> & more", error);
            Assert.Contains("1 cell of this notebook failed", await page.EvaluateAsync<string>("() => document.querySelector('.error-note').textContent"));
            // A pipe table became a table; inline code with a dollar sign stayed code.
            Assert.Equal(3, await page.EvaluateAsync<int>("() => document.querySelectorAll('section.markdown table tr').length"));
            Assert.Equal("$\"{x}\"", await page.EvaluateAsync<string>("() => [...document.querySelectorAll('section.markdown p code')].pop().textContent"));
            Assert.Empty(problems);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task A_page_without_charts_math_or_diagrams_loads_none_of_their_libraries()
    {
        var html = await File.ReadAllTextAsync(Path.Combine(site.Site, Path.ChangeExtension(Fixtures.Plain, ".html")));
        Assert.DoesNotContain("plotly", html);
        Assert.DoesNotContain("katex", html);
        Assert.DoesNotContain("mermaid", html);
        var rich = await File.ReadAllTextAsync(Path.Combine(site.Site, Path.ChangeExtension(Fixtures.Rich, ".html")));
        Assert.Contains("src=\"assets/plotly-", rich);
        Assert.Contains("src=\"assets/katex/katex.min.js\"", rich);
        Assert.Contains("src=\"assets/mermaid/mermaid.min.js\"", rich);
        // The shared assets are there, once.
        Assert.Single(Directory.GetFiles(Path.Combine(site.Site, "assets"), "plotly-*.min.js"));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(site.Site, "assets", "katex", "fonts"), "*.woff2"));
    }

    [Fact]
    public async Task The_network_guard_of_these_tests_catches_a_page_that_reaches_out()
    {
        // Proves that "no request attempted" above can fail: the same guard on a page that links a CDN.
        var dir = Temp.Dir("guard");
        var file = Path.Combine(dir, "cdn.html");
        await File.WriteAllTextAsync(file, "<!doctype html><html><head><script src=\"https://cdn.example.invalid/plotly.min.js\"></script></head>" +
            "<body><img src=\"http://example.invalid/a.png\"><script>document.documentElement.setAttribute('data-site-ready', '1')</script></body></html>");
        var problems = new List<string>();
        var page = await OpenAsync(file, problems);
        await page.CloseAsync();
        Assert.Contains("network request attempted: https://cdn.example.invalid/plotly.min.js", problems);
        Assert.Contains("network request attempted: http://example.invalid/a.png", problems);
    }

    /// <summary>Opens a site page with every non-file request aborted and recorded, and waits for the page script.</summary>
    private Task<IPage> Open(string file, out List<string> problems)
    {
        var list = new List<string>();
        problems = list;
        return OpenAsync(Path.Combine(site.Site, file), list);
    }

    private async Task<IPage> OpenAsync(string path, List<string> problems)
    {
        var page = await site.Browser.NewPageAsync();
        page.Console += (_, m) => { if (m.Type is "error" or "warning" && !m.Text.Contains("willReadFrequently", StringComparison.Ordinal)) problems.Add($"console {m.Type}: {m.Text}"); };
        page.PageError += (_, e) => problems.Add($"page error: {e}");
        page.RequestFailed += (_, r) => problems.Add($"request failed: {r.Url} {r.Failure}");
        page.Request += (_, r) =>
        {
            if (!(r.Url.StartsWith("file:", StringComparison.Ordinal) || r.Url.StartsWith("data:", StringComparison.Ordinal) || r.Url.StartsWith("blob:", StringComparison.Ordinal)))
                problems.Add($"network request attempted: {r.Url}");
        };
        await page.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url.StartsWith("file:", StringComparison.Ordinal)) await route.ContinueAsync();
            else
            {
                problems.Add($"network request attempted: {route.Request.Url}");
                await route.AbortAsync();
            }
        });
        Assert.True(File.Exists(path), $"{path} is missing");
        await page.GotoAsync(new Uri(path).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        await page.WaitForSelectorAsync("html[data-site-ready]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached, Timeout = 60_000 });
        return page;
    }
}

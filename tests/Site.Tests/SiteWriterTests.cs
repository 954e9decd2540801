using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Notebooks;
using Notebooks.Site;

namespace Site.Tests;

/// <summary>The site writer's rules: which folders it may write, what it does without npm, and its code colouring.</summary>
[Collection("site")]
public sealed partial class SiteWriterTests(SiteFixture site)
{
    [Theory]
    [InlineData(new[] { "--html" }, "artifacts/site", 0)]
    [InlineData(new[] { "--html", "my-site" }, "my-site", 1)]
    [InlineData(new[] { "--html=my-site" }, "my-site", 0)]
    [InlineData(new[] { "--html", "--times" }, "artifacts/site", 0)]
    [InlineData(new[] { "--html", "x.ipynb" }, "artifacts/site", 0)]
    public void Html_takes_an_optional_folder(string[] args, string expected, int consumed)
    {
        var i = 0;
        Assert.Equal(expected, Publishing.SiteArgument(args, ref i));
        Assert.Equal(consumed, i);
    }

    [Fact]
    public void Html_followed_by_a_folder_of_notebooks_treats_it_as_input()
    {
        var i = 0;
        var notebooks = Path.Combine(SiteFixture.RepositoryRoot, "notebooks");
        Assert.Equal(Publishing.DefaultSiteDirectory, Publishing.SiteArgument(["--html", notebooks], ref i));
        Assert.Equal(0, i);
    }

    [Fact]
    public async Task A_folder_the_site_did_not_make_is_refused_before_anything_runs_and_left_alone()
    {
        var dir = Temp.Dir("foreign");
        var mine = Path.Combine(dir, "index.html");
        await File.WriteAllTextAsync(mine, "my own page");
        var stderr = new StringWriter();
        var stdout = new StringWriter();
        var code = await Cli.MainAsync([Path.Combine(site.Executed, Fixtures.Plain), "--out", Path.Combine(dir, "..", Path.GetFileName(dir) + "-out"), "--html", dir], stdout, stderr);
        Assert.Equal(2, code);
        Assert.Contains("is not empty and was not made by --html", stderr.ToString());
        Assert.Equal("", stdout.ToString());
        Assert.Equal("my own page", await File.ReadAllTextAsync(mine));

        code = await Cli.MainAsync([Path.Combine(site.Executed, Fixtures.Plain), "--out", dir + "-same", "--html", dir + "-same"], stdout, stderr);
        Assert.Equal(2, code);
        Assert.Contains("is also the --out folder", stderr.ToString());
    }

    [Fact]
    public async Task Rebuilding_a_site_replaces_its_pages_and_drops_pages_of_notebooks_no_longer_built()
    {
        var dir = Path.Combine(Temp.Dir("rebuild"), "site");
        var both = new[] { Path.Combine(site.Executed, Fixtures.Rich), Path.Combine(site.Executed, Fixtures.Plain) };
        await StaticSite.WriteAsync(both, dir, TextWriter.Null);
        Assert.True(File.Exists(Path.Combine(dir, "90-site-fixture.html")));
        var extra = Path.Combine(dir, "notes.txt");
        await File.WriteAllTextAsync(extra, "kept");
        var report = await StaticSite.WriteAsync([both[1]], dir, TextWriter.Null);
        Assert.Single(report.Pages);
        Assert.False(File.Exists(Path.Combine(dir, "90-site-fixture.html")));
        Assert.True(File.Exists(Path.Combine(dir, "91-plain-fixture.html")));
        Assert.Equal("kept", await File.ReadAllTextAsync(extra));
        Assert.DoesNotContain("90-site-fixture", await File.ReadAllTextAsync(Path.Combine(dir, "index.html")));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Without_npm_the_site_is_written_with_formulas_and_diagrams_as_source_and_a_visible_note()
    {
        // A copy of the package folder without node_modules, and an npm that does not exist.
        var folder = Temp.Dir("nonpm");
        foreach (var f in new[] { "package.json", "package-lock.json" })
            File.Copy(Path.Combine(SiteFixture.RepositoryRoot, "lib", "Notebooks", "SiteAssets", f), Path.Combine(folder, f));
        var libraries = await SiteLibraries.PrepareAsync(TextWriter.Null, folder, npm: Path.Combine(folder, "no-npm"));
        Assert.False(libraries.Available);
        Assert.Contains("npm was not found", libraries.Problem);
        Assert.Contains("apt-get install nodejs npm", libraries.Problem);

        var dir = Path.Combine(Temp.Dir("nonpm-site"), "site");
        await StaticSite.WriteAsync([Path.Combine(site.Executed, Fixtures.Rich)], dir, TextWriter.Null, libraries);
        Assert.False(Directory.Exists(Path.Combine(dir, "assets", "katex")));
        var page = await site.Browser.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") problems.Add(m.Text); };
        page.PageError += (_, e) => problems.Add(e);
        try
        {
            await page.GotoAsync(new Uri(Path.Combine(dir, "90-site-fixture.html")).AbsoluteUri);
            await page.WaitForSelectorAsync("html[data-site-ready]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
            var note = await page.EvaluateAsync<string>("() => document.querySelector('.site-note').innerText");
            Assert.Contains("built without KaTeX and Mermaid because npm was not found", note);
            Assert.Equal(0, await page.EvaluateAsync<int>("() => document.querySelectorAll('.katex, .mermaid svg').length"));
            var diagram = await page.EvaluateAsync<string>("() => document.querySelector('.mermaid').textContent");
            Assert.Contains("flowchart LR", diagram);
            Assert.Contains("\\frac{e^{s_i}}", await page.EvaluateAsync<string>("() => document.querySelector('.math').textContent"));
            // The charts still draw: plotly.js does not come from npm.
            await page.WaitForFunctionAsync("() => document.querySelectorAll('.js-plotly-plot svg.main-svg').length > 0");
            Assert.Empty(problems);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public void Highlighted_code_reads_back_as_the_source_for_every_code_cell_of_the_tutorial()
    {
        var cells = 0;
        foreach (var name in SiteFixture.TutorialNotebooks)
        {
            var nb = site.ExecutedNotebook(name);
            foreach (var cell in nb["cells"]!.AsArray().Where(c => c!["cell_type"]!.GetValue<string>() == "code"))
            {
                var source = Count.Text(cell!["source"]);
                var html = CSharpHighlighter.ToHtml(source);
                Assert.DoesNotMatch("<(?!/?span)", html);
                Assert.Equal(source, WebUtility.HtmlDecode(Tags().Replace(html, "")));
                cells++;
            }
        }
        Assert.True(cells > 50);
    }

    [Fact]
    public void Highlighting_marks_keywords_strings_numbers_comments_and_directives()
    {
        var html = CSharpHighlighter.ToHtml("#r \"nuget: Plotly.NET, 6.0.0\"\nvar s = \"<b>\"; // note\nint n = 42;\n");
        Assert.Contains("<span class=\"dir\">#r &quot;nuget: Plotly.NET, 6.0.0&quot;\n</span>", html);
        Assert.Contains("<span class=\"kw\">var</span>", html);
        Assert.Contains("<span class=\"str\">&quot;&lt;b&gt;&quot;</span>", html);
        Assert.Contains("<span class=\"com\">// note</span>", html);
        Assert.Contains("<span class=\"kw\">int</span>", html);
        Assert.Contains("<span class=\"num\">42</span>", html);
    }

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();
}

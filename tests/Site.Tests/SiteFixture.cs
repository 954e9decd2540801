using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Site.Tests;

/// <summary>
/// Runs the runner once, as a user would (<c>notebooks/</c> plus a small fixture set, <c>--out</c> and
/// <c>--html</c> into a temporary folder), and opens one headless Chromium for the page tests.
/// </summary>
public sealed class SiteFixture : IAsyncLifetime
{
    /// <summary>The flags every browser in these tests runs with.</summary>
    public static readonly string[] ChromiumFlags =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    /// <summary>The repository root (the folder holding Tutorial.sln).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The tutorial's notebooks, in the order the runner takes them.</summary>
    public static IReadOnlyList<string> TutorialNotebooks =>
        [.. Directory.GetFiles(Path.Combine(RepositoryRoot, "notebooks"), "*.ipynb").Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    /// <summary>Everything the tests write lives here.</summary>
    public string Root { get; } = Temp.Dir("site");

    /// <summary>Where the executed copies went.</summary>
    public string Executed => Path.Combine(Root, "executed");

    /// <summary>The site folder.</summary>
    public string Site => Path.Combine(Root, "site");

    /// <summary>The runner's exit code.</summary>
    public int ExitCode { get; private set; }

    /// <summary>What the runner printed.</summary>
    public string Stdout { get; private set; } = "";

    /// <summary>What the runner printed as warnings and errors.</summary>
    public string Stderr { get; private set; } = "";

    /// <summary>The browser context (fresh profile, offline).</summary>
    public IBrowserContext Browser { get; private set; } = null!;

    private IPlaywright? playwright;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var fixtures = Path.Combine(Root, "fixtures");
        Directory.CreateDirectory(fixtures);
        Fixtures.WriteAll(fixtures);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        ExitCode = await Notebooks.Cli.MainAsync(
            [Path.Combine(RepositoryRoot, "notebooks"), fixtures, "--out", Executed, "--html", Site, "--cell-timeout", "240"], stdout, stderr);
        Stdout = stdout.ToString();
        Stderr = stderr.ToString();

        Assert.True(File.Exists(Chromium.Executable), Chromium.Missing);
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchPersistentContextAsync(Path.Combine(Root, "profile"), new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Chromium.Executable,
            Headless = true,
            Args = ChromiumFlags,
            Offline = true,
            ViewportSize = new ViewportSize { Width = 1200, Height = 900 },
        });
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        playwright?.Dispose();
        // About 30 MB per run (executed copies and sites); nothing here is needed after the tests.
        try { Directory.Delete(Temp.Run, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>An executed notebook's JSON.</summary>
    public JsonObject ExecutedNotebook(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(Executed, name)))!.AsObject();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Tutorial.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Tutorial.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>The tests that share one runner run and one browser.</summary>
[CollectionDefinition("site")]
public sealed class SiteCollection : ICollectionFixture<SiteFixture>;

/// <summary>Debian's Chromium, which .ci/run installs.</summary>
public static class Chromium
{
    public const string Executable = "/usr/bin/chromium";

    public const string Missing = $"{Executable} is missing: install it with 'apt-get install -y chromium' (.ci/run does)";
}

/// <summary>Temporary folders, all under one folder per test run that the fixture removes at the end.</summary>
public static class Temp
{
    /// <summary>This run's folder.</summary>
    public static string Run { get; } = Path.Combine(Path.GetTempPath(), "site-tests", $"run-{Environment.ProcessId}-{Guid.NewGuid():N}"[..24]);

    public static string Dir(string tag)
    {
        var dir = Path.Combine(Run, $"{tag}-{Guid.NewGuid():N}"[..(tag.Length + 9)]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}

/// <summary>What a notebook holds, counted from its JSON (independently of the site code).</summary>
public static class Count
{
    public static IEnumerable<JsonObject> Outputs(JsonObject nb) =>
        nb["cells"]!.AsArray().OfType<JsonObject>().SelectMany(c => c["outputs"] as JsonArray ?? []).OfType<JsonObject>();

    public static string Text(JsonNode? n) => n switch
    {
        JsonArray a => string.Concat(a.Select(l => l!.GetValue<string>())),
        JsonValue v => v.GetValue<string>(),
        _ => "",
    };

    /// <summary>Outputs whose HTML draws a Plotly chart.</summary>
    public static List<JsonObject> Charts(JsonObject nb) =>
        [.. Outputs(nb).Where(o => Text(o["data"]?["text/html"]).Contains("Plotly.newPlot", StringComparison.Ordinal))];

    public static string Markdown(JsonObject nb) => string.Join("\n\n", nb["cells"]!.AsArray().OfType<JsonObject>()
        .Where(c => c["cell_type"]!.GetValue<string>() == "markdown").Select(c => Text(c["source"])));

    public static int MermaidBlocks(JsonObject nb) => System.Text.RegularExpressions.Regex.Matches(Markdown(nb), "^```mermaid\\s*$", System.Text.RegularExpressions.RegexOptions.Multiline).Count;

    /// <summary>True when the markdown, outside code, has a <c>$</c> (the math delimiter).</summary>
    public static bool HasMath(JsonObject nb)
    {
        var text = System.Text.RegularExpressions.Regex.Replace(Markdown(nb), "^```.*?^```", "", System.Text.RegularExpressions.RegexOptions.Multiline | System.Text.RegularExpressions.RegexOptions.Singleline);
        text = System.Text.RegularExpressions.Regex.Replace(text, "`[^`]*`", "");
        return text.Contains('$');
    }

    public static string Json(JsonNode n) => n.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}

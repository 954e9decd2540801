using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Notebooks;

namespace Site.Tests;

/// <summary>The PNG next to each chart in the executed copies (for viewers that run no scripts, like GitHub).</summary>
[Collection("site")]
public sealed class ChartImageTests(SiteFixture site)
{
    [Fact]
    public void Every_chart_in_the_executed_copies_carries_a_png_of_its_size_and_nothing_else_does()
    {
        var pngs = new List<byte[]>();
        var expected = 0;
        foreach (var name in SiteFixture.TutorialNotebooks.Concat(Fixtures.Names))
        {
            var nb = site.ExecutedNotebook(name);
            var charts = Count.Charts(nb);
            expected += charts.Count;
            foreach (var output in Count.Outputs(nb))
            {
                var data = output["data"] as JsonObject;
                if (!charts.Contains(output))
                {
                    Assert.False(data?.ContainsKey("image/png") ?? false, $"{name}: a non-chart output got an image");
                    continue;
                }
                Assert.True(data!["image/png"] is JsonValue, $"{name}: a chart has no image/png string");
                var png = Convert.FromBase64String(data["image/png"]!.GetValue<string>());
                Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
                var width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));
                var height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4));
                Assert.Equal(output["metadata"]!["image/png"]!["width"]!.GetValue<int>(), width);
                Assert.Equal(output["metadata"]!["image/png"]!["height"]!.GetValue<int>(), height);
                Assert.InRange(width, 200, 2000);
                Assert.InRange(height, 150, 2000);
                // The HTML stays: interactive where scripts run, the PNG where they do not.
                Assert.Contains("Plotly.newPlot", Count.Text(data["text/html"]));
                pngs.Add(png);
            }
        }
        Assert.Equal(expected, pngs.Count);
        Assert.True(expected >= 2, "the fixture alone has two charts");
        // A blank canvas compresses to a few KB; a drawn chart with axes, labels and a title does not.
        Assert.All(pngs, p => Assert.True(p.Length > 8_000, $"a chart PNG of {p.Length} bytes looks blank"));
    }

    [Fact]
    public void Executed_copies_with_images_are_valid_nbformat()
    {
        var files = SiteFixture.TutorialNotebooks.Concat(Fixtures.Names).Select(n => Path.Combine(site.Executed, n)).ToArray();
        Nbformat.AssertValid(files);
    }

    [Fact]
    public async Task Without_chromium_the_runner_says_so_once_and_writes_the_notebooks_without_images()
    {
        var dir = Temp.Dir("nochrome");
        var src = Path.Combine(dir, "src");
        Directory.CreateDirectory(src);
        File.Copy(Path.Combine(site.Executed, Fixtures.Rich), Path.Combine(src, "a.ipynb"));
        File.Copy(Path.Combine(site.Executed, Fixtures.Rich), Path.Combine(src, "b.ipynb"));
        var out1 = Path.Combine(dir, "out");
        var report = await NotebookRunner.RunAsync([src], out1);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var ok = await Publishing.RunAsync(report, new PublishOptions { Chromium = Path.Combine(dir, "no", "chromium") }, stdout, stderr);
        Assert.True(ok);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.Contains($"charts have no PNG: {Path.Combine(dir, "no", "chromium")} not found; install it with: apt-get install chromium", line);
        foreach (var f in new[] { "a.ipynb", "b.ipynb" })
        {
            var nb = JsonNode.Parse(File.ReadAllText(Path.Combine(out1, f)))!.AsObject();
            Assert.Equal(2, Count.Charts(nb).Count);
            Assert.All(Count.Outputs(nb), o => Assert.False((o["data"] as JsonObject)?.ContainsKey("image/png") ?? false));
        }
        Nbformat.AssertValid(Path.Combine(out1, "a.ipynb"), Path.Combine(out1, "b.ipynb"));
    }

    [Fact]
    public async Task No_images_option_skips_the_pngs()
    {
        var dir = Temp.Dir("noimages");
        var src = Path.Combine(dir, "c.ipynb");
        File.Copy(Path.Combine(site.Executed, Fixtures.Rich), src);
        var stdout = new StringWriter();
        var code = await Cli.MainAsync([src, "--out", Path.Combine(dir, "out"), "--no-images"], stdout, new StringWriter());
        Assert.Equal(1, code); // the fixture's deliberate failure
        Assert.DoesNotContain("chart images", stdout.ToString());
        var nb = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "out", "c.ipynb")))!.AsObject();
        Assert.Equal(2, Count.Charts(nb).Count);
        Assert.All(Count.Outputs(nb), o => Assert.False((o["data"] as JsonObject)?.ContainsKey("image/png") ?? false));
    }
}

/// <summary>nbformat's reference validator (Debian's python3-nbformat, installed by .ci/run).</summary>
public static class Nbformat
{
    public static void AssertValid(params string[] files)
    {
        const string python = "/usr/bin/python3";
        Assert.True(File.Exists(python), "Debian's python3 is missing: apt-get install -y python3-nbformat");
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("import sys, nbformat\nfor p in sys.argv[1:]:\n    nbformat.validate(nbformat.read(p, as_version=4))\nprint('valid', len(sys.argv) - 1)");
        foreach (var f in files) psi.ArgumentList.Add(f);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(120_000), "nbformat validation did not finish");
        Assert.True(p.ExitCode == 0, $"nbformat rejects an executed copy:\n{stderr.Result}");
        Assert.Equal($"valid {files.Length}", stdout.Result.Trim());
    }
}

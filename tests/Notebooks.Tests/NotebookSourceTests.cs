using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Notebooks.Tests;

/// <summary>
/// The committed notebooks keep the promises of DESIGN.md: .NET Interactive metadata, no outputs,
/// and package versions in their setup that match the central versions the library builds with.
/// </summary>
public class NotebookSourceTests
{
    private static string Root => TutorialNotebook.RepositoryRoot;

    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(Root, "notebooks"), "*.ipynb").Order()) data.Add(Path.GetFileName(f));
        return data;
    }

    private static Dictionary<string, string> CentralVersions() =>
        XDocument.Load(Path.Combine(Root, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(e => e.Attribute("Include")!.Value, e => e.Attribute("Version")!.Value, StringComparer.OrdinalIgnoreCase);

    private static IEnumerable<(string Id, string Version)> NuGetDirectives(string text) =>
        Regex.Matches(text, @"#r\s+""nuget:\s*([^,""]+),\s*([^""]+)""").Select(m => (m.Groups[1].Value.Trim(), m.Groups[2].Value.Trim()));

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Every_notebook_is_on_the_start_here_map_and_in_the_readme_table(string name)
    {
        if (name == "00-start-here.ipynb") return; // the map itself
        string stem = Path.GetFileNameWithoutExtension(name);
        var map = TestNotebooks.Markdown(TestNotebooks.Read(Path.Combine(Root, "notebooks", "00-start-here.ipynb")));
        Assert.True(map.Contains($"| `{stem}` |", StringComparison.Ordinal),
            $"00-start-here.ipynb's map has no row for {stem}; add one to its notebook table.");
        Assert.Contains($"| `{stem}` |", File.ReadAllText(Path.Combine(Root, "README.md")));
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Source_notebook_has_dotnet_interactive_metadata_no_outputs_and_central_versions(string name)
    {
        var nb = TestNotebooks.Read(Path.Combine(Root, "notebooks", name));
        Assert.Equal(".net-csharp", nb["metadata"]!["kernelspec"]!["name"]!.GetValue<string>());
        Assert.Equal("csharp", nb["metadata"]!["polyglot_notebook"]!["kernelInfo"]!["defaultKernelName"]!.GetValue<string>());
        Assert.Equal(5, nb["nbformat_minor"]!.GetValue<int>());
        var cells = nb["cells"]!.AsArray().Select(c => c!.AsObject()).ToList();
        Assert.Equal(cells.Count, cells.Select(c => c["id"]!.GetValue<string>()).Distinct().Count());
        var code = cells.Where(c => c["cell_type"]!.GetValue<string>() == "code").ToList();
        Assert.NotEmpty(code);
        foreach (var c in code)
        {
            Assert.Empty(c["outputs"]!.AsArray());
            Assert.Null(c["execution_count"]);
            Assert.Equal("csharp", c["metadata"]!["polyglot_notebook"]!["kernelName"]!.GetValue<string>());
        }
        var first = string.Concat(code[0]["source"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.Contains("#load \"setup.csx\"", first);
        var central = CentralVersions();
        foreach (var (id, version) in NuGetDirectives(first))
        {
            if (id.Equals("Plotly.NET.Interactive", StringComparison.OrdinalIgnoreCase)) { Assert.Equal(central["Plotly.NET"], version); continue; }
            Assert.True(central.TryGetValue(id, out var v), $"{name} references {id}, which Directory.Packages.props does not pin");
            Assert.Equal(v, version);
        }
        var title = string.Concat(cells[0]["source"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.StartsWith("# ", title);
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", title.Split('\n')[0]); // the section title in the article's Chinese
        Assert.Contains("Run time", title);
    }

    [Fact]
    public void Setup_script_pins_the_central_versions()
    {
        var text = File.ReadAllText(Path.Combine(Root, "notebooks", "setup.csx"));
        var central = CentralVersions();
        var directives = NuGetDirectives(text).ToList();
        Assert.NotEmpty(directives);
        foreach (var (id, version) in directives) Assert.Equal(central[id], version);
        Assert.Contains("#r \"../lib/bin/Attention.dll\"", text);
    }

    /// <summary>Jupyter copies the kernel's language_info into a notebook it opens: equal, so opening does not mark it modified.</summary>
    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Language_info_is_what_the_kernel_reports(string name)
    {
        var nb = TestNotebooks.Read(Path.Combine(Root, "notebooks", name));
        var saved = nb["metadata"]!["language_info"]!.ToJsonString();
        var reported = global::Notebooks.Kernel.JupyterKernel.LanguageInfo().ToJsonString();
        Assert.True(saved == reported, $"{name}: language_info is {saved}; the kernel reports {reported}");
    }
}

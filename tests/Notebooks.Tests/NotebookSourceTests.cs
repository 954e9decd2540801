using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Notebooks.Tests;

/// <summary>
/// The committed notebooks keep the promises of DESIGN.md: .NET Interactive metadata, no outputs,
/// and package versions in their setup that match the central versions the library builds with. The test sources keep
/// one promise of their own: computed doubles are compared with a stated tolerance, never by rounding.
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
    public void Every_notebook_closes_with_a_box_of_key_points_in_Chinese(string name)
    {
        // For the reader who came from the Chinese article: the notebook's lessons in Chinese, in its closing cells.
        var cells = TestNotebooks.Read(Path.Combine(Root, "notebooks", name))["cells"]!.AsArray()
            .Select(c => TestNotebooks.CellText(c!["source"]!)).ToList();
        int at = cells.FindIndex(c => c.Contains("> **中文要点**", StringComparison.Ordinal));
        Assert.True(at >= 0, $"{name} has no '> **中文要点**' box; add one to its summary cell.");
        Assert.True(at >= cells.Count - 2, $"{name}: the 中文要点 box is cell {at} of {cells.Count}; it belongs at the end.");
        var box = cells[at][cells[at].IndexOf("> **中文要点**", StringComparison.Ordinal)..].Split('\n')
            .TakeWhile(l => l.StartsWith('>')).ToList();
        var points = box.Where(l => l.StartsWith("> - ", StringComparison.Ordinal)).ToList();
        Assert.InRange(points.Count, 3, 6);
        Assert.All(points, p => Assert.True(Regex.Matches(p, @"\p{IsCJKUnifiedIdeographs}").Count >= 10,
            $"{name}: a key point with fewer than 10 Chinese characters: {p}"));
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Every_mermaid_diagram_has_a_picture_drawn_from_its_current_source(string name)
    {
        // Classic Jupyter Notebook shows ```mermaid as text: each diagram also travels as a PNG attachment, which every
        // front end shows, named after the SHA-256 of the source it was drawn from (tools/render-diagrams.py draws them).
        var cells = TestNotebooks.Read(Path.Combine(Root, "notebooks", name))["cells"]!.AsArray().Select(c => c!.AsObject());
        foreach (var cell in cells.Where(c => c["cell_type"]!.GetValue<string>() == "markdown"))
        {
            string text = TestNotebooks.CellText(cell["source"]!);
            var block = Regex.Match(text, "```mermaid\n(.*?)```", RegexOptions.Singleline);
            if (!block.Success) continue;
            string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes(block.Groups[1].Value.Trim())));
            string expected = $"diagram-{hash[..16]}.png";
            var image = Regex.Match(text, @"!\[[^\]]+\]\(attachment:(diagram-[0-9a-f]+\.png)\)");
            Assert.True(image.Success && image.Groups[1].Value == expected && image.Index < block.Index,
                $"{name}: a Mermaid diagram has no picture drawn from its current source (expected {expected} above it); " +
                "run `python3 tools/render-diagrams.py` after `npm ci --prefix lib/Notebooks/SiteAssets --ignore-scripts`.");
            var attachments = cell["attachments"]!.AsObject();
            Assert.Equal([expected], attachments.Select(a => a.Key));
            var png = Convert.FromBase64String(attachments[expected]!["image/png"]!.GetValue<string>());
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            int width = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));
            int height = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4));
            Assert.True(width >= 200 && height >= 100 && png.Length > 5_000, $"{name}: {expected} is {width}×{height}, {png.Length} bytes");
            // The source stays in the cell, folded under the picture, for the front ends that draw Mermaid themselves.
            Assert.Contains("<details><summary>Mermaid source of the diagram</summary>", text[image.Index..block.Index]);
        }
    }

    /// <summary>The references table of 00-start-here: first author's surname → the years cited under it.</summary>
    private static Dictionary<string, HashSet<string>> References()
    {
        var md = TestNotebooks.Markdown(TestNotebooks.Read(Path.Combine(Root, "notebooks", "00-start-here.ipynb")));
        var section = md[md.IndexOf("## 参考文献 · References", StringComparison.Ordinal)..];
        var refs = new Dictionary<string, HashSet<string>>();
        foreach (Match row in Regex.Matches(section, @"^\| ([^|]+?) \| ((?:19|20)\d\d) \|", RegexOptions.Multiline))
        {
            string surname = Regex.Match(row.Groups[1].Value, @"^[\p{L}\-]+").Value;
            if (!refs.TryGetValue(surname, out var years)) refs[surname] = years = [];
            years.Add(row.Groups[2].Value);
        }
        return refs;
    }

    // "Vaswani et al. 2017", "Jain & Wallace (2019)", "Bahdanau, Cho and Bengio 2015", "Shazeer 2019", "(Beltagy et al., 2020"
    private static readonly Regex Citation = new(
        @"\b(?<first>\p{Lu}[\p{L}\-]+)(?<more> et al\.|,? (?<second>\p{Lu}[\p{L}\-]+) (?:&|and) \p{Lu}[\p{L}\-]+| (?:&|and) \p{Lu}[\p{L}\-]+)?,? \(?(?<year>(?:19|20)\d\d)\b");

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Every_citation_uses_the_year_of_the_references_list(string name)
    {
        var refs = References();
        Assert.True(refs.Count >= 40, $"the references table in 00-start-here has {refs.Count} first authors");
        var nb = TestNotebooks.Read(Path.Combine(Root, "notebooks", name));
        var text = string.Join("\n", nb["cells"]!.AsArray().Select(c => TestNotebooks.CellText(c!["source"]!)));
        string body = name == "00-start-here.ipynb" ? text[..text.IndexOf("## 参考文献 · References", StringComparison.Ordinal)] : text;
        var wrong = new List<string>();
        int cited = 0;
        foreach (Match m in Citation.Matches(body))
        {
            string first = m.Groups["first"].Value, year = m.Groups["year"].Value;
            bool isCitation = m.Groups["more"].Success;
            // "SASRec, Kang and McAuley 2018": a name before the authors, not an author
            if (!refs.ContainsKey(first) && m.Groups["second"].Success) first = m.Groups["second"].Value;
            if (refs.TryGetValue(first, out var years))
            {
                cited++;
                if (!years.Contains(year)) wrong.Add($"\"{m.Value}\": the references list has {first} in {string.Join(", ", years)}");
            }
            else if (isCitation) wrong.Add($"\"{m.Value}\": {first} is not in the references list of 00-start-here");
        }
        // notebook 08's table of papers gives venue years ("arXiv 2014, ICLR 2015"): the cited year must be among them
        foreach (Match row in Regex.Matches(body, @"^\| (?<first>\p{Lu}[\p{L}\-]+)[^|]*— \*[^|]*\| (?<years>[^|]*) \|", RegexOptions.Multiline))
        {
            if (!refs.TryGetValue(row.Groups["first"].Value, out var years)) { wrong.Add($"table row of {row.Groups["first"].Value}: not in the references list"); continue; }
            cited++;
            if (!years.Any(y => row.Groups["years"].Value.Contains(y)))
                wrong.Add($"table row of {row.Groups["first"].Value} ({row.Groups["years"].Value}): the references list says {string.Join(", ", years)}");
        }
        Assert.True(wrong.Count == 0, $"{name}: {wrong.Count} citations disagree with the references list:\n" + string.Join("\n", wrong));
        if (name is "03-algorithm.ipynb" or "08-tools-and-resources.ipynb" or "10-faq.ipynb")
            Assert.True(cited >= 3, $"{name}: only {cited} citations recognised; the citation pattern no longer matches its prose");
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Scores_and_weights_are_indexed_query_first_i_then_key_j(string name)
    {
        // One convention everywhere: S[i, j] and α_{i,j} pair query i with key j (row i of Q, row j of K).
        // The article's own formulas, quoted in errata, keep their letters; they never index a score by (j, i).
        var nb = TestNotebooks.Read(Path.Combine(Root, "notebooks", name));
        var text = string.Join("\n", nb["cells"]!.AsArray().Select(c => TestNotebooks.CellText(c!["source"]!)));
        var swapped = Regex.Matches(text, @"(_\{\s*j\s*,\s*i\s*\}|\[j, i\]|\(j, i\)|α_\{j,|\bo_j \+=)").Select(m => m.Value).ToList();
        Assert.True(swapped.Count == 0, $"{name} indexes a query–key pair as (j, i): {string.Join(", ", swapped)}; " +
            "use i for the query and j for the key, as notebook 04's notation table does.");
        if (name == "04-math-model.ipynb")
            Assert.Contains("$i = 1 \\dots n$ runs over queries, $j = 1 \\dots m$ over keys", text);
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
    public void Setup_script_restores_no_packages_and_every_first_cell_names_them_and_its_usings()
    {
        // .NET Interactive handles #r "nuget: …" only in a cell, and the using lines of a #load'ed file do not reach later
        // cells there: the packages and namespaces live in each notebook's first cell, setup.csx only references the
        // tutorial's own libraries.
        var text = File.ReadAllText(Path.Combine(Root, "notebooks", "setup.csx"));
        Assert.Empty(NuGetDirectives(text));
        Assert.Contains("#r \"../lib/bin/Attention.dll\"", text);
        var central = CentralVersions();
        foreach (var name in Directory.GetFiles(Path.Combine(Root, "notebooks"), "*.ipynb").Select(Path.GetFileName).Order())
        {
            string first = FirstCode(name!);
            var ids = NuGetDirectives(first).Select(d => d.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var id in new[] { "MathNet.Numerics", "Plotly.NET", "Plotly.NET.Interactive", "System.Numerics.Tensors" })
                Assert.True(ids.Contains(id), $"{name}: the first cell does not reference {id}");
            foreach (var ns in new[] { "System.IO", "MathNet.Numerics.LinearAlgebra", "Microsoft.DotNet.Interactive.Formatting",
                         "Plotly.NET", "Attention", "Attention.Plots", "Lessons" })
                Assert.True(first.Contains($"using {ns};\n", StringComparison.Ordinal) || first.EndsWith($"using {ns};", StringComparison.Ordinal),
                    $"{name}: the first cell has no 'using {ns};'");
        }
    }

    private static string FirstCode(string name) =>
        TestNotebooks.CellText(TestNotebooks.Read(Path.Combine(Root, "notebooks", name))["cells"]!.AsArray()
            .First(c => c!["cell_type"]!.GetValue<string>() == "code")!["source"]!);

    /// <summary>
    /// Code lines longer than 100 characters scroll sideways inside the short cells of Jupyter, VS Code and the offline
    /// site: every line of every code cell of every notebook, and of the setup script they all load, fits in 100.
    /// </summary>
    [Fact]
    public void Code_lines_fit_in_100_characters()
    {
        const int limit = 100;
        var folder = Path.Combine(Root, "notebooks");
        var notebooks = Directory.GetFiles(folder, "*.ipynb").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(notebooks);
        var tooLong = new List<string>();
        foreach (var path in notebooks)
        {
            var cells = TestNotebooks.Read(path)["cells"]!.AsArray();
            var lines = new List<string>();
            for (int c = 0; c < cells.Count; c++)
            {
                if (cells[c]!["cell_type"]!.GetValue<string>() != "code") continue;
                var source = TestNotebooks.CellText(cells[c]!["source"]!).Split('\n');
                for (int l = 0; l < source.Length; l++)
                    if (source[l].Length > limit)
                        lines.Add($"  cell {c + 1}, line {l + 1} ({source[l].Length} characters): {source[l]}");
            }
            if (lines.Count > 0) tooLong.Add(Path.GetFileName(path) + ":\n" + string.Join("\n", lines));
        }
        var setup = File.ReadAllLines(Path.Combine(folder, "setup.csx"));
        var setupLines = Enumerable.Range(0, setup.Length).Where(l => setup[l].Length > limit)
            .Select(l => $"  line {l + 1} ({setup[l].Length} characters): {setup[l]}").ToList();
        if (setupLines.Count > 0) tooLong.Add("setup.csx:\n" + string.Join("\n", setupLines));
        Assert.True(tooLong.Count == 0,
            $"code lines longer than {limit} characters (break them: interpolated strings into $\"…\" + pieces, "
            + "arguments onto the next lines, a trailing comment onto its own line above):\n" + string.Join("\n", tooLong));
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

    /// <summary>
    /// Calls that compare numbers by rounding them: xunit's <c>Assert.Equal</c> / <c>Assert.NotEqual</c> with a number of
    /// decimal places (an integer literal third argument, or <c>precision:</c>), or with a <c>MidpointRounding</c> or a
    /// <c>Math.Round</c> among their arguments. Rounding both sides makes two values
    /// a few ulps apart on either side of a rounding boundary fail (and values further apart pass); <see cref="Approx"/>
    /// states the tolerance instead. Found on the syntax tree, so comments and strings do not count.
    /// </summary>
    internal static IEnumerable<(int Line, string Call)> RoundingComparisons(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source).GetRoot();
        foreach (var call in root.DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            var args = call.ArgumentList.Arguments;
            bool assertEquality = call.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Equal" or "NotEqual" } access
                                  && access.Expression.ToString().Split('.')[^1] == "Assert";
            bool decimalPlaces = assertEquality && args.Count >= 3
                                 && (args[2].NameColon?.Name.Identifier.ValueText == "precision"
                                     || args[2].Expression is LiteralExpressionSyntax { Token.Value: int or long or uint or ulong });
            bool midpoint = assertEquality && args.Any(a => a.Expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
                .Any(n => n.Identifier.ValueText == nameof(MidpointRounding)));
            bool rounded = assertEquality && args.Any(a => a.Expression.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>()
                .Any(i => i.Expression.ToString() is "Math.Round" or "System.Math.Round"));
            if (decimalPlaces || midpoint || rounded)
                yield return (call.GetLocation().GetLineSpan().StartLinePosition.Line + 1, call.ToString());
        }
    }

    [Fact]
    public void Approx_passes_within_abs_plus_rel_and_fails_past_it_with_both_values_and_the_tolerance()
    {
        Approx.Equal(1.0, 1.0 + 0.9e-12, abs: 1e-12);
        Approx.Equal(1000.0, 1000.0 + 0.9e-9, abs: 0, rel: 1e-12);
        Approx.Equal(1000.0, 1000.0 + 1.8e-9, abs: 1e-9, rel: 1e-12); // abs and rel add up
        Assert.ThrowsAny<Exception>(() => Approx.Equal(1000.0, 1000.0 + 1.1e-9, abs: 0, rel: 1e-12));
        var fail = Assert.ThrowsAny<Exception>(() => Approx.Equal(0.5, 0.5 + 1e-9, abs: 1e-10, rel: 1e-10, because: "weight 3"));
        Assert.Contains("weight 3: expected 0.5, actual 0.500000001", fail.Message);
        Assert.Contains("exceeds tolerance 1.5E-10 (abs 1E-10 + rel 1E-10·|expected|)", fail.Message);
        // the old rounding overload's flaw: 8e-16 apart across a boundary of the 9th decimal fails it, not a tolerance
        double below = 0.1234567895 - 4e-16, above = 0.1234567895 + 4e-16;
        Assert.True(Math.Round(below, 9) != Math.Round(above, 9));
        Approx.Equal(below, above, abs: 1e-15);

        // NaN only when asked; infinities only the same infinity
        Assert.ThrowsAny<Exception>(() => Approx.Equal(double.NaN, double.NaN, abs: 1));
        Approx.Equal(double.NaN, double.NaN, abs: 0, nanEqual: true);
        Assert.ThrowsAny<Exception>(() => Approx.Equal(1.0, double.NaN, abs: 1, nanEqual: true));
        Approx.Equal(double.PositiveInfinity, double.PositiveInfinity, abs: 0);
        Assert.ThrowsAny<Exception>(() => Approx.Equal(double.PositiveInfinity, double.NegativeInfinity, abs: 1e300));
        Assert.ThrowsAny<Exception>(() => Approx.Equal(double.MaxValue, double.PositiveInfinity, abs: 1e300, rel: 1));

        // sequences and matrices: lengths first, then the worst entry and how many are out
        var many = Assert.ThrowsAny<Exception>(() => Approx.Equal([1.0, 2.0, 3.0], [1.0, 2.1, 3.5], abs: 0.01));
        Assert.Contains("2 of 3 values out of tolerance; worst at index 2: expected 3, actual 3.5", many.Message);
        Assert.Contains("expected 3 values, got 2", Assert.ThrowsAny<Exception>(() => Approx.Equal([1.0, 2.0, 3.0], [1.0, 2.0], abs: 1)).Message);
        var grid = Assert.ThrowsAny<Exception>(() => Approx.Equal(new double[,] { { 0, 0 }, { 0, 0 } }, new double[,] { { 0, 0 }, { 0, 1e-3 } }, abs: 1e-6));
        Assert.Contains("1 of 4 entries out of tolerance; worst at (1, 1)", grid.Message);
        Assert.Throws<ArgumentOutOfRangeException>("rel", () => Approx.Equal(1.0, 1.0, abs: 0, rel: -1));
        Assert.Throws<ArgumentOutOfRangeException>("abs", () => Approx.Equal(1.0, 1.0, abs: double.NaN));
    }

    [Fact]
    public void The_rounding_check_finds_rounded_comparisons_and_only_those()
    {
        // The samples live in text files, so that no scan of the test sources mistakes them for comparisons.
        string samples = Path.Combine(Root, "tests", "Notebooks.Tests", "RoundingSamples");
        string bad = File.ReadAllText(Path.Combine(samples, "rounded.txt"));
        Assert.Equal([1, 2, 6, 7, 8, 9], RoundingComparisons(bad).Select(f => f.Line));
        string good = File.ReadAllText(Path.Combine(samples, "not-rounded.txt"));
        Assert.Empty(RoundingComparisons(good));
    }

    [Fact]
    public void No_test_compares_computed_numbers_by_rounding()
    {
        var tests = Path.Combine(Root, "tests");
        var found = Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(tests, f).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal)
            .SelectMany(f => RoundingComparisons(File.ReadAllText(f)).Select(c => $"{Path.GetRelativePath(Root, f)}:{c.Line}: {c.Call}"))
            .ToList();
        Assert.True(found.Count == 0,
            "These compare numbers by rounding them to decimal places, which fails for values a few ulps apart that straddle "
            + "a rounding boundary. Use Approx.Equal(expected, actual, abs, rel) with a tolerance stated from the numerics "
            + "(or an exact Assert.Equal for counts and exactly representable values):\n" + string.Join("\n", found));
    }

    /// <summary>The rows of the glossary in 00-start-here: (English, 中文).</summary>
    private static List<(string English, string Chinese)> Glossary()
    {
        var md = TestNotebooks.Markdown(TestNotebooks.Read(Path.Combine(Root, "notebooks", "00-start-here.ipynb")));
        var table = md[md.IndexOf("## Glossary · 术语表", StringComparison.Ordinal)..];
        return [.. Regex.Matches(table, @"^\| ([^|]+) \| ([^|]+) \| [^|]+ \|$", RegexOptions.Multiline)
            .Select(m => (m.Groups[1].Value.Trim(), m.Groups[2].Value.Trim()))
            .Where(r => r.Item1 != "English" && !r.Item1.StartsWith("---", StringComparison.Ordinal))];
    }

    [Fact]
    public void The_glossary_holds_the_terms_and_symbols_the_notebooks_use()
    {
        var glossary = Glossary();
        foreach (var (english, chinese) in new[]
                 {
                     ("attention pooling", "注意力池化"), ("alignment", "对齐"), ("cross-entropy", "交叉熵"),
                     ("permutation equivariance", "置换等变性"), ("length extrapolation", "长度外推"), ("ALiBi", "ALiBi"),
                     ("key–value cache", "键值缓存"), ("d_model", "模型宽度"), ("d_k", "键宽度"), ("n, m", "序列长度"), ("i, j", "下标"),
                 })
            Assert.True(glossary.Any(r => r.English.Contains(english, StringComparison.Ordinal) && r.Chinese.Contains(chinese, StringComparison.Ordinal)),
                $"the glossary in 00-start-here has no row for {english} ({chinese})");

        // Every term a notebook introduces in bold with a Chinese gloss, "**term** (中文)", is in the glossary by its
        // English or its Chinese (capitalised bold words are step labels, not terms).
        var missing = new List<string>();
        foreach (var name in Directory.GetFiles(Path.Combine(Root, "notebooks"), "*.ipynb").Select(f => Path.GetFileName(f)!).Order())
        {
            var md = TestNotebooks.Markdown(TestNotebooks.Read(Path.Combine(Root, "notebooks", name)));
            foreach (Match m in Regex.Matches(md, @"\*\*([a-z][^*]*)\*\*\s*\(([^)]*\p{IsCJKUnifiedIdeographs}[^)]*)\)"))
            {
                string term = m.Groups[1].Value.Replace('\n', ' ').Trim(), gloss = m.Groups[2].Value.Trim();
                string singular = term.EndsWith('s') ? term[..^1] : term;
                bool found = glossary.Any(r => r.English.Contains(singular, StringComparison.OrdinalIgnoreCase)
                                               || r.Chinese.Contains(gloss, StringComparison.Ordinal) || gloss.Contains(r.Chinese, StringComparison.Ordinal));
                if (!found) missing.Add($"{name}: **{term}** ({gloss})");
            }
        }
        Assert.True(missing.Count == 0, "terms missing from the glossary in 00-start-here:\n" + string.Join("\n", missing));
    }

    /// <summary>A reader who came from the Chinese article finds every section by its Chinese name too.</summary>
    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Every_heading_is_bilingual(string name)
    {
        var md = TestNotebooks.Markdown(TestNotebooks.Read(Path.Combine(Root, "notebooks", name)));
        var english = Regex.Matches(md, @"^#{1,4} .*$", RegexOptions.Multiline).Select(m => m.Value)
            .Where(h => !Regex.IsMatch(h, @"\p{IsCJKUnifiedIdeographs}")).ToList();
        Assert.True(english.Count == 0, $"{name}: headings without their Chinese:\n" + string.Join("\n", english));
    }
}

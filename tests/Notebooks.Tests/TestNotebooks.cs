using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Notebooks.Tests;

/// <summary>Builds small notebooks, folders and assemblies for the engine tests.</summary>
internal static class TestNotebooks
{
    /// <summary>A fresh temporary folder.</summary>
    public static string TempDir(string tag)
    {
        var dir = Path.Combine(Path.GetTempPath(), "notebooks-tests", $"{tag}-{Guid.NewGuid():N}"[..(tag.Length + 9)]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Shared NuGet cache for the tests (kept between runs so restores are fast after the first).</summary>
    public static string NuGetCache => Path.Combine(Path.GetTempPath(), "notebooks-tests-nuget");

    public static JsonObject Read(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    /// <summary>The markdown cells of a notebook, each as one string, joined by a line end.</summary>
    public static string Markdown(JsonObject notebook) => string.Join("\n", notebook["cells"]!.AsArray()
        .Where(c => c!["cell_type"]!.GetValue<string>() == "markdown").Select(c => CellText(c!["source"]!)));

    /// <summary>The markdown of a source notebook in notebooks/, with line ends as spaces (prose that wraps still matches).</summary>
    public static string SourceProse(string notebook) =>
        Markdown(Read(Path.Combine(TutorialNotebook.RepositoryRoot, "notebooks", notebook))).Replace("\n", " ");

    /// <summary>A cell's source or an output's text: a list of lines or one string.</summary>
    public static string CellText(JsonNode node) => node is JsonArray a ? string.Concat(a.Select(l => l!.GetValue<string>())) : node.GetValue<string>();

    /// <summary>All text of an output list, for assertions.</summary>
    public static string Text(IEnumerable<JsonNode?> outputs) => string.Join("\n", outputs.Select(o => o!.ToJsonString()));

    /// <summary>Compiles a tiny class library to <paramref name="path"/>.</summary>
    public static void EmitLibrary(string path, string source)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var compilation = CSharpCompilation.Create(Path.GetFileNameWithoutExtension(path),
            [CSharpSyntaxTree.ParseText(source)],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location), MetadataReference.CreateFromFile(Path.Combine(runtime, "System.Runtime.dll"))],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var result = compilation.Emit(path);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }

    /// <summary>Validates a notebook with nbformat's reference validator (Debian's /usr/bin/python3).</summary>
    public static void AssertValidNbformat(string path)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-c", "import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))", path }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"nbformat rejects {path} (is python3-nbformat installed? apt-get install -y python3-nbformat):\n{err}");
    }
}

/// <summary>One warmed session shared by the tests of a class (the compiler warm-up is paid once).</summary>
public sealed class SessionFixture
{
    private int next;

    public SessionFixture()
    {
        Folder = TestNotebooks.TempDir("session");
        Session = new ScriptSession(new ScriptSessionOptions { BaseDirectory = Folder, NuGetCacheDirectory = TestNotebooks.NuGetCache, CellTimeout = TimeSpan.FromSeconds(120) });
        var warm = Session.RunCellAsync("var warm = 1;", NextNumber()).GetAwaiter().GetResult();
        Assert.True(warm.Succeeded, warm.ErrorSummary);
    }

    public string Folder { get; }

    public ScriptSession Session { get; }

    public int NextNumber() => Interlocked.Increment(ref next);

    public Task<CellResult> Run(string code) => Session.RunCellAsync(code, NextNumber());
}

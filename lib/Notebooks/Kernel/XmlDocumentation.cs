using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using Microsoft.CodeAnalysis;

namespace Notebooks.Kernel;

/// <summary>
/// Summaries from XML documentation files: the <c>.xml</c> beside a referenced assembly (the tutorial's
/// library, NuGet packages), or for the .NET runtime the reference pack the SDK installs
/// (<c>packs/Microsoft.NETCore.App.Ref/&lt;version&gt;/ref/net10.0/*.xml</c>). Each file is read once.
/// </summary>
internal static partial class XmlDocumentation
{
    private static readonly ConcurrentDictionary<string, Lazy<Dictionary<string, string>?>> Files = new(StringComparer.Ordinal);

    /// <summary>Reference-pack files that document types implemented in System.Private.CoreLib, in the order they are searched.</summary>
    private static readonly string[] CoreLibFacades = ["System.Runtime", "System.Collections", "System.Runtime.Intrinsics", "System.Memory", "System.Threading", "System.Runtime.InteropServices", "System.Console", "System.Linq"];

    /// <summary>The documentation summary of <paramref name="symbol"/> as plain text, or null.</summary>
    public static string? Summary(ISymbol symbol, Compilation compilation)
    {
        var s = (symbol is IMethodSymbol { ReducedFrom: { } unreduced } ? unreduced : symbol).OriginalDefinition;
        if (s.GetDocumentationCommentXml() is { Length: > 0 } own && SummaryOf(own) is { } fromSource) return fromSource;
        if (s.GetDocumentationCommentId() is not { } id || s.ContainingAssembly is null) return null;
        foreach (var file in Candidates(s.ContainingAssembly, compilation))
            if (Load(file) is { } members && members.TryGetValue(id, out var summary)) return summary;
        return null;
    }

    private static IEnumerable<string> Candidates(IAssemblySymbol assembly, Compilation compilation)
    {
        if (compilation.GetMetadataReference(assembly) is not PortableExecutableReference { FilePath: { } path }) yield break;
        yield return Path.ChangeExtension(path, ".xml");
        var dir = Path.GetDirectoryName(path);
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location);
        if (dir != runtimeDir || RefPack(runtimeDir!) is not { } pack) yield break;
        var name = Path.GetFileNameWithoutExtension(path);
        yield return Path.Combine(pack, name + ".xml");
        if (name == "System.Private.CoreLib")
            foreach (var facade in CoreLibFacades) yield return Path.Combine(pack, facade + ".xml");
    }

    /// <summary>The SDK's reference pack folder matching the running runtime (same version, else the newest of the same major).</summary>
    private static string? RefPack(string runtimeDir)
    {
        var version = Path.GetFileName(runtimeDir);
        var root = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", ".."));
        var packs = Path.Combine(root, "packs", "Microsoft.NETCore.App.Ref");
        if (!Directory.Exists(packs)) return null;
        var major = version.Split('.')[0];
        var chosen = Directory.Exists(Path.Combine(packs, version)) ? Path.Combine(packs, version)
            : Directory.GetDirectories(packs).Where(d => Path.GetFileName(d).StartsWith(major + ".", StringComparison.Ordinal)).OrderBy(d => d, StringComparer.Ordinal).LastOrDefault();
        if (chosen is null) return null;
        var refDir = Path.Combine(chosen, "ref");
        return Directory.Exists(refDir) ? Directory.GetDirectories(refDir).OrderBy(d => d, StringComparer.Ordinal).LastOrDefault() : null;
    }

    private static Dictionary<string, string>? Load(string file) =>
        Files.GetOrAdd(file, f => new Lazy<Dictionary<string, string>?>(() => Read(f))).Value;

    private static Dictionary<string, string>? Read(string file)
    {
        if (!File.Exists(file)) return null;
        var members = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var reader = XmlReader.Create(file, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, IgnoreComments = true });
            while (reader.ReadToFollowing("member"))
            {
                var name = reader.GetAttribute("name");
                if (name is null) continue;
                var inner = reader.ReadInnerXml();
                if (SummaryOf("<member>" + inner + "</member>") is { } summary) members[name] = summary;
            }
        }
        catch (Exception e) when (e is XmlException or IOException or UnauthorizedAccessException)
        {
            return members.Count > 0 ? members : null;
        }
        return members;
    }

    /// <summary>The text of the <c>&lt;summary&gt;</c> element in a member's documentation XML.</summary>
    internal static string? SummaryOf(string memberXml)
    {
        try
        {
            using var reader = XmlReader.Create(new StringReader(memberXml), new XmlReaderSettings { ConformanceLevel = ConformanceLevel.Fragment });
            if (!reader.ReadToFollowing("summary")) return null;
            var text = new StringBuilder();
            using var summary = reader.ReadSubtree();
            summary.Read();
            while (summary.Read())
            {
                switch (summary.NodeType)
                {
                    case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                        text.Append(summary.Value);
                        break;
                    case XmlNodeType.Element when summary.Name is "see" or "seealso" or "paramref" or "typeparamref":
                        var reference = summary.GetAttribute("cref") ?? summary.GetAttribute("langword") ?? summary.GetAttribute("name") ?? summary.GetAttribute("href");
                        if (reference is not null && summary.IsEmptyElement) text.Append(ShortName(reference));
                        break;
                    case XmlNodeType.Element when summary.Name is "para" or "br":
                        text.Append(' ');
                        break;
                }
            }
            var result = Spaces().Replace(text.ToString(), " ").Trim();
            return result.Length > 0 ? result : null;
        }
        catch (XmlException)
        {
            return null;
        }
    }

    /// <summary><c>T:System.String</c> → <c>String</c>; <c>M:System.Math.Max(System.Int32,System.Int32)</c> → <c>Math.Max</c>.</summary>
    private static string ShortName(string cref)
    {
        var name = cref.Length > 2 && cref[1] == ':' ? cref[2..] : cref;
        var paren = name.IndexOf('(', StringComparison.Ordinal);
        if (paren >= 0) name = name[..paren];
        name = name.Replace("`1", "<T>", StringComparison.Ordinal).Replace("`2", "<T1,T2>", StringComparison.Ordinal);
        var parts = name.Split('.');
        return cref.StartsWith("M:", StringComparison.Ordinal) || cref.StartsWith("P:", StringComparison.Ordinal) || cref.StartsWith("F:", StringComparison.Ordinal)
            ? string.Join('.', parts.TakeLast(2))
            : parts[^1];
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}

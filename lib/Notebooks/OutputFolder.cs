using System.Text.Json;
using System.Text.Json.Nodes;

namespace Notebooks;

/// <summary>
/// The rules that keep the runner from losing anything of the user's: an executed copy never lands on a source
/// notebook (compared by real paths, with every symbolic link resolved), never replaces a file the runner did not write
/// (the folder keeps a list of what the runner wrote, <see cref="Manifest"/>), and two notebooks never share one output.
/// </summary>
public static class OutputFolder
{
    /// <summary>The file in an output folder that lists the executed copies the runner wrote there.</summary>
    public const string Manifest = ".notebook-runner.json";

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>
    /// The absolute path with every symbolic link among its existing parts resolved (the parts that do not exist yet are
    /// kept as written), like POSIX <c>realpath</c> for a path that may not exist.
    /// </summary>
    public static string RealPath(string path) => RealPath(path, 0);

    private static string RealPath(string path, int hops)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = root;
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget is { } target)
            {
                if (++hops > 64) throw new IOException($"{path}: too many levels of symbolic links");
                // Resolve the link against its folder, then walk the rest of the path from there.
                var resolved = Path.GetFullPath(target, current);
                var rest = parts[(i + 1)..];
                return RealPath(Path.Combine([resolved, .. rest]), hops);
            }
            if (!info.Exists) return Path.Combine([next, .. parts[(i + 1)..]]);
            current = next;
        }
        return current;
    }

    /// <summary>True when two paths name the same place once links are resolved.</summary>
    public static bool Same(string a, string b) =>
        string.Equals(RealPath(a).TrimEnd(Path.DirectorySeparatorChar), RealPath(b).TrimEnd(Path.DirectorySeparatorChar), PathComparison);

    /// <summary>Where the executed copy of <paramref name="notebook"/> goes in <paramref name="outDir"/>.</summary>
    public static string OutputPath(string notebook, string outDir) => Path.GetFullPath(Path.Combine(outDir, Path.GetFileName(notebook)));

    /// <summary>
    /// Checks, before anything runs, that the executed copies of <paramref name="notebooks"/> can go to
    /// <paramref name="outDir"/>; returns what is wrong (one line, saying what to do), or null.
    /// </summary>
    public static string? Check(IReadOnlyList<string> notebooks, string outDir)
    {
        if (File.Exists(outDir) || File.Exists(RealPath(outDir)))
            return $"--out {outDir} is a file; --out needs a folder for the executed copies (it is created if missing)";
        var byOutput = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var nb in notebooks)
        {
            var output = OutputPath(nb, outDir);
            var key = RealPath(output);
            if (byOutput.TryGetValue(key, out var other))
                return $"{other} and {nb} have the same file name, so both executed copies would be {output}; run them with different --out folders";
            byOutput[key] = nb;
            if (Problem(nb, output) is { } problem) return problem;
        }
        return null;
    }

    /// <summary>What stops the runner from writing <paramref name="output"/> as the executed copy of <paramref name="source"/>, or null.</summary>
    public static string? Problem(string source, string output)
    {
        if (Same(source, output))
            return $"the executed copy would be written over the notebook itself ({source}, reached through {output}); choose another folder with --out DIR";
        var info = new FileInfo(output);
        if (info.LinkTarget is not null)
            return $"{output} is a symbolic link; the runner does not write through links. Remove it or choose another folder with --out DIR";
        if (Directory.Exists(output))
            return $"{output} is a folder, so the executed copy of {Path.GetFileName(source)} cannot be written there; choose another folder with --out DIR";
        if (info.Exists && !Written(Path.GetDirectoryName(output)!).Contains(info.Name))
            return $"{output} exists and was not written by this runner, so it is left alone; move it away or choose another folder with --out DIR";
        return null;
    }

    /// <summary>The file names the runner has written into <paramref name="directory"/> (from its <see cref="Manifest"/>).</summary>
    public static HashSet<string> Written(string directory)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var path = Path.Combine(directory, Manifest);
        try
        {
            if (File.Exists(path) && JsonNode.Parse(File.ReadAllText(path))?["written"] is JsonArray list)
                foreach (var n in list)
                    if (n is JsonValue v && v.TryGetValue(out string? name) && Path.GetFileName(name) == name) names.Add(name);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            // An unreadable list protects nothing it names: the files count as the user's.
        }
        return names;
    }

    private static readonly Lock ManifestGate = new();

    /// <summary>Adds <paramref name="fileName"/> to the list of files the runner wrote into <paramref name="directory"/>.</summary>
    public static void Record(string directory, string fileName)
    {
        lock (ManifestGate)
        {
            var names = Written(directory);
            if (!names.Add(fileName)) return;
            var json = new JsonObject
            {
                ["about"] = "executed notebooks written by the notebook runner; it replaces only the files listed here",
                ["written"] = new JsonArray([.. names.Order(StringComparer.Ordinal).Select(n => (JsonNode)n!)]),
            }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
            var target = Path.Combine(directory, Manifest);
            var tmp = target + $".{Environment.ProcessId}.tmp";
            File.WriteAllText(tmp, json);
            File.Move(tmp, target, overwrite: true);
        }
    }
}

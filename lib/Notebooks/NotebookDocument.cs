using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Notebooks;

/// <summary>A file that is not a notebook this engine can run; the message says what is wrong and how to fix it.</summary>
public sealed class NotebookFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// An nbformat 4 notebook held as its JSON tree, so that unknown keys, metadata and key order
/// survive a load/save round trip. Cells are views over the tree.
/// </summary>
public sealed partial class NotebookDocument
{
    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        IndentSize = 1,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private NotebookDocument(JsonObject root, string? path)
    {
        Root = root;
        Path = path;
        Cells = [.. ((JsonArray)root["cells"]!).Select((c, i) => new NotebookCell((JsonObject)c!, i))];
    }

    /// <summary>The whole notebook as JSON (top-level keys in their original order).</summary>
    public JsonObject Root { get; }

    /// <summary>Where the notebook was read from, if it came from a file.</summary>
    public string? Path { get; }

    /// <summary>The cells in document order.</summary>
    public IReadOnlyList<NotebookCell> Cells { get; }

    /// <summary>Reads and checks a notebook file. Throws <see cref="NotebookFormatException"/> with a fix-it message.</summary>
    public static NotebookDocument Load(string path)
    {
        if (Directory.Exists(path))
            throw new NotebookFormatException($"{path} is a folder, not a notebook file; pass a .ipynb file or let the runner scan the folder.");
        if (!File.Exists(path))
            throw new NotebookFormatException($"{path} does not exist; check the path (it is resolved against {Environment.CurrentDirectory}).");
        string text;
        try { text = File.ReadAllText(path, Encoding.UTF8); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NotebookFormatException($"{path} cannot be read: {e.Message}", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses notebook JSON. <paramref name="path"/> is only used in messages and to resolve relative paths.</summary>
    public static NotebookDocument Parse(string json, string? path = null)
    {
        var name = path ?? "the notebook";
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            // Truncated: the parser stopped on the last line with data, wanting more.
            var lastLine = json.TrimEnd().Count(c => c == '\n');
            var truncated = json.TrimStart().StartsWith('{') && e.LineNumber is { } l && l >= lastLine;
            var what = truncated ? "is truncated (its JSON ends early)" : "is not valid JSON";
            throw new NotebookFormatException(
                $"{name} {what} at line {e.LineNumber + 1}; it is not a readable notebook. Restore it from version control or re-save it from Jupyter/VS Code.", e);
        }
        if (node is not JsonObject root)
            throw new NotebookFormatException($"{name} is JSON but not a notebook (its top level is not an object); a notebook is an object with \"cells\", \"metadata\" and \"nbformat\".");
        // The version first: an nbformat 3 notebook keeps its cells under "worksheets", and must be told to convert.
        var version = root["nbformat"] is JsonValue v && v.TryGetValue(out int major) ? major : (int?)null;
        if (version is { } other && other != 4)
            throw new NotebookFormatException(
                $"{name} is an nbformat {other} notebook; this engine reads nbformat 4. Convert it with: jupyter nbconvert --to notebook --nbformat 4 --output converted.ipynb \"{name}\"");
        if (root["cells"] is not JsonArray cells)
            throw new NotebookFormatException(root["worksheets"] is JsonArray
                ? $"{name} is an nbformat 3 notebook (cells in \"worksheets\"); this engine reads nbformat 4. Convert it with: jupyter nbconvert --to notebook --nbformat 4 --output converted.ipynb \"{name}\""
                : $"{name} is JSON but not a notebook: it has no \"cells\" list. Check that you passed the .ipynb file.");
        if (version is null)
            throw new NotebookFormatException($"{name} has no numeric \"nbformat\" version; a notebook this engine runs says \"nbformat\": 4.");
        for (var i = 0; i < cells.Count; i++)
        {
            if (cells[i] is not JsonObject c || c["cell_type"] is not JsonValue t || !t.TryGetValue(out string? _))
                throw new NotebookFormatException($"{name}: cell {i + 1} has no \"cell_type\"; the notebook is damaged. Restore it from version control.");
            if (c["source"] is not (JsonValue or JsonArray))
                throw new NotebookFormatException($"{name}: cell {i + 1} has no \"source\"; the notebook is damaged. Restore it from version control.");
        }
        return new NotebookDocument(root, path);
    }

    /// <summary>
    /// Makes the document a valid nbformat 4.5 notebook: minor version at least 5, a unique valid
    /// <c>id</c> on every cell, sources as lists of lines.
    /// </summary>
    public void Normalize()
    {
        if (Root["nbformat_minor"] is not JsonValue mv || !mv.TryGetValue(out int minor) || minor < 5)
            Root["nbformat_minor"] = 5;
        if (Root["metadata"] is not JsonObject)
            Root["metadata"] = new JsonObject();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cell in Cells)
        {
            var id = cell.Id;
            if (id is null || !IdPattern().IsMatch(id) || !seen.Add(id))
            {
                var n = 0;
                do id = StableId(cell.Index, cell.Source, n++); while (!seen.Add(id));
                cell.Node["id"] = id;
            }
            cell.Node["source"] = NotebookCell.ToLines(cell.Source);
            if (cell.Node["metadata"] is not JsonObject) cell.Node["metadata"] = new JsonObject();
        }
    }

    /// <summary>The notebook as JSON text, indented with one space like Jupyter writes it.</summary>
    public string ToJson() => Root.ToJsonString(WriteOptions) + "\n";

    /// <summary>Writes the notebook to a temporary file next to <paramref name="path"/> and renames it into place.</summary>
    public void Save(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(tmp, ToJson(), new UTF8Encoding(false));
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private static string StableId(int index, string source, int salt)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{index}\n{salt}\n{source}"));
        return Convert.ToHexStringLower(hash)[..12];
    }

    [GeneratedRegex("^[a-zA-Z0-9-_]{1,64}$")]
    private static partial Regex IdPattern();
}

/// <summary>One cell of a <see cref="NotebookDocument"/>, a view over its JSON object.</summary>
public sealed class NotebookCell
{
    internal NotebookCell(JsonObject node, int index)
    {
        Node = node;
        Index = index;
    }

    /// <summary>The cell's JSON object (edit it to change the cell).</summary>
    public JsonObject Node { get; }

    /// <summary>Zero-based position in the notebook.</summary>
    public int Index { get; }

    /// <summary>"code", "markdown" or "raw".</summary>
    public string CellType => Node["cell_type"]!.GetValue<string>();

    /// <summary>The cell's <c>id</c>, if it has one.</summary>
    public string? Id => Node["id"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    /// <summary>The cell's source as one string (nbformat allows a string or a list of lines).</summary>
    public string Source => Node["source"] switch
    {
        JsonArray a => string.Concat(a.Select(l => l?.GetValue<string>() ?? "")),
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => "",
    };

    /// <summary>
    /// The kernel the cell's metadata names (<c>polyglot_notebook.kernelName</c> or
    /// <c>dotnet_interactive.language</c>), or null when it names none.
    /// </summary>
    public string? Language =>
        (Node["metadata"]?["polyglot_notebook"]?["kernelName"] as JsonValue)?.GetValue<string>()
        ?? (Node["metadata"]?["dotnet_interactive"]?["language"] as JsonValue)?.GetValue<string>();

    /// <summary>Splits text into lines that keep their newline, as Jupyter stores sources and outputs.</summary>
    public static JsonArray ToLines(string text)
    {
        var lines = new JsonArray();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\n') continue;
            lines.Add(text[start..(i + 1)]);
            start = i + 1;
        }
        if (start < text.Length) lines.Add(text[start..]);
        return lines;
    }
}

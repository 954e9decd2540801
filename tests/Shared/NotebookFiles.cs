using System.Text.Json;
using System.Text.Json.Nodes;
using Notebooks;

namespace TestSupport;

/// <summary>
/// Writes small notebooks for tests, with the .NET Interactive metadata the tutorial's notebooks carry. Compiled into
/// every test project that needs it (linked from tests/Shared), so there is one notebook writer for the tests.
/// </summary>
internal static class NotebookFiles
{
    /// <summary>A code cell; <paramref name="kernel"/> (e.g. <c>"csharp"</c>) goes into the cell's metadata when given.</summary>
    public static JsonObject Code(string source, string? kernel = null)
    {
        var meta = new JsonObject();
        if (kernel is not null)
        {
            meta["dotnet_interactive"] = new JsonObject { ["language"] = kernel };
            meta["polyglot_notebook"] = new JsonObject { ["kernelName"] = kernel };
        }
        return new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["metadata"] = meta,
            ["outputs"] = new JsonArray(),
            ["source"] = NotebookCell.ToLines(source),
        };
    }

    /// <summary>A markdown cell.</summary>
    public static JsonObject Markdown(string source) => new()
    {
        ["cell_type"] = "markdown",
        ["metadata"] = new JsonObject(),
        ["source"] = NotebookCell.ToLines(source),
    };

    /// <summary>
    /// Writes an nbformat 4.4 notebook (no cell ids, as older tools write them; the runner upgrades it to 4.5) with the
    /// .NET Interactive metadata and returns its path.
    /// </summary>
    public static string Write(string dir, string name, params JsonObject[] cells)
    {
        var nb = new JsonObject
        {
            ["cells"] = new JsonArray([.. cells]),
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
                ["polyglot_notebook"] = new JsonObject { ["kernelInfo"] = new JsonObject { ["defaultKernelName"] = "csharp" } },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 4,
        };
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, nb.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }
}

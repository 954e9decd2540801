using System.Text.Json.Nodes;

namespace Notebooks;

/// <summary>Builders for nbformat 4 output objects.</summary>
public static class Outputs
{
    /// <summary>A <c>stream</c> output (<paramref name="name"/> is "stdout" or "stderr").</summary>
    public static JsonObject Stream(string name, string text) => new()
    {
        ["output_type"] = "stream",
        ["name"] = name,
        ["text"] = NotebookCell.ToLines(text),
    };

    /// <summary>
    /// Appends the text of <paramref name="next"/> to <paramref name="stream"/> when both are stream outputs of the same
    /// stream (stdout or stderr); returns false, changing nothing, otherwise.
    /// </summary>
    public static bool TryAppendStream(JsonObject stream, JsonObject next)
    {
        if ((string?)stream["output_type"] != "stream" || (string?)next["output_type"] != "stream"
            || (string?)stream["name"] != (string?)next["name"]) return false;
        stream["text"] = NotebookCell.ToLines(StreamText(stream) + StreamText(next));
        return true;
    }

    private static string StreamText(JsonObject stream) => stream["text"] switch
    {
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        var t => (string?)t ?? "",
    };

    /// <summary>A <c>display_data</c> output from a mime bundle.</summary>
    public static JsonObject DisplayData(IReadOnlyDictionary<string, string> data) => new()
    {
        ["output_type"] = "display_data",
        ["data"] = Bundle(data),
        ["metadata"] = new JsonObject(),
    };

    /// <summary>An <c>execute_result</c> output from a mime bundle.</summary>
    public static JsonObject ExecuteResult(IReadOnlyDictionary<string, string> data, int executionCount) => new()
    {
        ["output_type"] = "execute_result",
        ["execution_count"] = executionCount,
        ["data"] = Bundle(data),
        ["metadata"] = new JsonObject(),
    };

    /// <summary>An <c>error</c> output.</summary>
    public static JsonObject Error(string ename, string evalue, IEnumerable<string> traceback) => new()
    {
        ["output_type"] = "error",
        ["ename"] = ename,
        ["evalue"] = evalue,
        ["traceback"] = new JsonArray([.. traceback.Select(l => (JsonNode)l)]),
    };

    private static JsonObject Bundle(IReadOnlyDictionary<string, string> data)
    {
        var o = new JsonObject();
        foreach (var (mime, text) in data) o[mime] = NotebookCell.ToLines(text);
        return o;
    }
}

/// <summary>What running one cell produced.</summary>
/// <param name="CellNumber">The number the cell ran under (its execution count).</param>
/// <param name="Outputs">nbformat output objects, in the order they were produced.</param>
/// <param name="Succeeded">False when the cell failed to compile, threw, or timed out.</param>
/// <param name="TimedOut">True when the cell exceeded the time limit (the session is then stopped).</param>
/// <param name="Elapsed">Wall-clock time of the cell, including compilation and package restore.</param>
/// <param name="ErrorSummary">One line describing the failure ("cell 3, line 2: …"), or null.</param>
/// <param name="ReturnValue">The value of the cell's trailing expression, if it had one.</param>
/// <param name="Interrupted">True when <see cref="ScriptSession.Interrupt"/> stopped the cell (the session goes on).</param>
public sealed record CellResult(
    int CellNumber,
    IReadOnlyList<JsonObject> Outputs,
    bool Succeeded,
    bool TimedOut,
    TimeSpan Elapsed,
    string? ErrorSummary,
    object? ReturnValue = null,
    bool Interrupted = false);

using System.Text.Json.Nodes;

namespace Notebooks;

/// <summary>
/// What an interactive frontend (the Jupyter kernel) offers a running cell beyond collecting its outputs. Both members
/// are called on the cell's own thread.
/// </summary>
public sealed class CellFrontend
{
    /// <summary>Receives every output as soon as it exists: displays and errors at once, console text line by line (a
    /// partial line, such as a progress counter, after 0.2 s).</summary>
    public Action<JsonObject>? Live { get; init; }

    /// <summary>
    /// Answers <c>Console.ReadLine()</c> in the cell: given a prompt, returns the line the user typed, or null for end of
    /// input. It may block until the user answers; it should throw <see cref="OperationCanceledException"/> if the cell
    /// is stopped meanwhile. Null: the cell reads the process's own input.
    /// </summary>
    public Func<string, string?>? ReadLine { get; init; }
}

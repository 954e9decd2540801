using System.Text;
using System.Text.Json.Nodes;

namespace Notebooks;

/// <summary>
/// <c>display(x)</c> and <c>x.Display()</c> for cells, as in .NET Interactive. Every script session
/// imports this class (<c>using static Notebooks.NotebookDisplay</c>), so cells and the .csx files
/// they <c>#load</c> can call both.
/// </summary>
public static class NotebookDisplay
{
    /// <summary>Shows a value as a <c>display_data</c> output of the running cell.</summary>
    /// <param name="value">The value to show (formatted to text/html and text/plain).</param>
    /// <param name="mimeType">Restrict the output to this one mime type (for example "text/plain").</param>
    public static void display(object? value, string? mimeType = null) => OutputCollector.CurrentOrThrow().Display(value, mimeType);

    /// <summary>Shows a value as a <c>display_data</c> output of the running cell.</summary>
    public static void Display(this object? value, string? mimeType = null) => display(value, mimeType);
}

/// <summary>What a cell can learn about where it runs, available in cells as the global <c>Notebook</c>.</summary>
public sealed class NotebookInfo
{
    /// <summary>Full path of the notebook file, or null when the session has no file (a kernel, a test).</summary>
    public string? Path { get; init; }

    /// <summary>The notebook's folder; relative <c>#r</c> and <c>#load</c> paths are resolved against it.</summary>
    public required string Folder { get; init; }
}

/// <summary>The globals object of every script session: cells see its members as globals.</summary>
public sealed class ScriptGlobals
{
    /// <summary>Where the notebook lives (<c>Notebook.Folder</c>, <c>Notebook.Path</c>).</summary>
    public required NotebookInfo Notebook { get; init; }
}

/// <summary>
/// Collects one cell's outputs in order; console writes and displays of the running cell land here. With a live sink
/// (a kernel), every output is also handed over as soon as it exists, so a long cell shows its progress: displays and
/// errors at once, console text line by line (a partial line after <see cref="PartialLineDelay"/>, before the next
/// output, or at the end). The collected list keeps consecutive console text merged, as nbformat files have it.
/// </summary>
internal sealed class OutputCollector(ScriptSession session, int cellNumber, CellFrontend? frontend = null)
{
    /// <summary>The execution count of the cell this collector belongs to.</summary>
    public int CellNumber => cellNumber;

    /// <summary>The one-line summary of an exception a background thread of this cell threw while the cell ran, if any.</summary>
    public string? BackgroundError { get; private set; }

    private readonly Action<JsonObject>? live = frontend?.Live;

    /// <summary>How long console text without a line end may wait before it is sent live anyway.</summary>
    public static readonly TimeSpan PartialLineDelay = TimeSpan.FromMilliseconds(200);

    private static readonly AsyncLocal<OutputCollector?> current = new();
    private readonly Lock gate = new();
    private readonly List<JsonObject> outputs = [];
    private string? streamName;
    private readonly StringBuilder stream = new();
    private readonly StringBuilder pendingLive = new();
    private long lastLiveSend = Environment.TickCount64;
    private Timer? partialLineTimer;
    private bool closed;

    public static OutputCollector? Current { get => current.Value; set => current.Value = value; }

    public static OutputCollector CurrentOrThrow() => current.Value
        ?? throw new InvalidOperationException("display() can only be called while a notebook cell is running.");

    public void Write(string name, string text)
    {
        lock (gate)
        {
            if (text.Length == 0) return;
            if (closed)
            {
                // A thread or task of this cell writes after the cell ended: the next cell shows it.
                session.AddLateOutput(cellNumber, Outputs.Stream(name, text));
                return;
            }
            if (streamName != name) FlushStream();
            streamName = name;
            lateFrom = null;
            stream.Append(text);
            if (live is null) return;
            pendingLive.Append(text);
            int lineEnd = text.LastIndexOf('\n');
            if (lineEnd >= 0)
            {
                int keep = text.Length - lineEnd - 1; // the partial line after the last line end waits
                SendLive(name, pendingLive.Length - keep);
            }
            else if (Environment.TickCount64 - lastLiveSend >= (long)PartialLineDelay.TotalMilliseconds)
            {
                SendLive(name, pendingLive.Length);
            }
            if (pendingLive.Length > 0)
            {
                // A partial line (a progress counter, "training…") goes out after a short wait even if nothing follows.
                partialLineTimer ??= new Timer(_ => SendPartialLine());
                partialLineTimer.Change(PartialLineDelay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void SendPartialLine()
    {
        lock (gate)
        {
            if (!closed && streamName is not null) SendLive(streamName, pendingLive.Length);
        }
    }

    /// <summary>True when a frontend answers this cell's <c>Console.ReadLine()</c>.</summary>
    public bool CanReadLine => frontend?.ReadLine is not null;

    /// <summary>
    /// Asks the frontend for a line. Console text written so far (a prompt such as "Your name: ") is sent first, so the
    /// frontend shows it above the input box. Blocks the cell's thread until the answer comes.
    /// </summary>
    public string? ReadLine()
    {
        lock (gate)
        {
            if (closed) throw new OperationCanceledException("the cell was stopped while it waited for input.");
            if (live is not null && streamName is not null) SendLive(streamName, pendingLive.Length);
        }
        return frontend!.ReadLine!("");
    }

    public void Display(object? value, string? mimeType)
    {
        var bundle = session.Format(value, mimeType);
        Add(Outputs.DisplayData(bundle));
    }

    public void Add(JsonObject output)
    {
        lock (gate)
        {
            if (closed)
            {
                session.AddLateOutput(cellNumber, output);
                return;
            }
            lateFrom = null;
            AddLocked(output);
        }
    }

    private void AddLocked(JsonObject output)
    {
        FlushStream();
        outputs.Add(output);
        live?.Invoke(output);
    }

    private int? lateFrom; // the earlier cell whose late outputs were added last

    /// <summary>
    /// Adds an output an earlier cell's background work produced after that cell ended, under a note naming it; false
    /// when this cell has ended too.
    /// </summary>
    public bool TryAddLate(int cell, JsonObject output)
    {
        lock (gate)
        {
            if (closed) return false;
            if (lateFrom != cell)
            {
                lateFrom = cell;
                AddLocked(ScriptSession.LateNote(cell));
            }
            AddLocked(output);
            if ((string?)output["output_type"] == "error") BackgroundError ??= ScriptSession.ErrorSummary(output);
            return true;
        }
    }

    /// <summary>
    /// Reports an exception that escaped a thread, thread-pool item or timer this cell started: an error output in this
    /// cell while it runs (the cell then fails), else in the next cell that runs. Returns true (the exception is handled).
    /// </summary>
    public bool ReportBackgroundException(Exception ex)
    {
        var (error, head) = BackgroundErrorOutput(cellNumber, ex);
        lock (gate)
        {
            if (closed)
            {
                session.AddLateOutput(cellNumber, error);
                return true;
            }
            BackgroundError ??= head;
        }
        Add(error);
        return true;
    }

    /// <summary>The error output for an exception from cell <paramref name="cell"/>'s background work (0: cell not known), and its summary.</summary>
    public static (JsonObject Output, string Summary) BackgroundErrorOutput(int cell, Exception ex)
    {
        var who = cell > 0 ? $"cell {cell}: an exception on a background thread this cell started" : "an exception on a background thread an earlier cell started";
        var head = $"{who}: {ex.GetType().FullName}: {ex.Message}";
        var lines = new List<string> { head };
        lines.AddRange((ex.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
            lines.Add($" ---> {inner.GetType().FullName}: {inner.Message}");
        return (Outputs.Error(ex.GetType().Name, ex.Message, lines), head);
    }

    /// <summary>
    /// Stops collecting (later writes, from a thread the cell started or from an abandoned cell, go to the next cell) and returns the outputs, with
    /// <paramref name="last"/> (an error the engine adds, such as a timeout) at the end.
    /// </summary>
    public List<JsonObject> Close(JsonObject? last = null)
    {
        lock (gate)
        {
            if (!closed)
            {
                FlushStream();
                if (last is not null)
                {
                    outputs.Add(last);
                    live?.Invoke(last);
                }
            }
            closed = true;
            partialLineTimer?.Dispose();
            return [.. outputs];
        }
    }

    /// <summary>Ends the console text in progress: it becomes one output, and its unsent part goes live.</summary>
    private void FlushStream()
    {
        if (streamName is null || stream.Length == 0) return;
        outputs.Add(Outputs.Stream(streamName, stream.ToString()));
        if (live is not null && pendingLive.Length > 0) SendLive(streamName, pendingLive.Length);
        stream.Clear();
        streamName = null;
    }

    private void SendLive(string name, int length)
    {
        if (length <= 0) return;
        var text = pendingLive.ToString(0, length);
        pendingLive.Remove(0, length);
        lastLiveSend = Environment.TickCount64;
        live!.Invoke(Outputs.Stream(name, text));
    }
}

/// <summary>Console.Out/Console.Error replacement that sends writes of a running cell to its collector, and everything else to the real console.</summary>
internal sealed class ConsoleRouter(string name, TextWriter original) : TextWriter
{
    private static readonly Lock Gate = new();
    private static bool installed;

    public override Encoding Encoding => original.Encoding;

    public static void Install()
    {
        lock (Gate)
        {
            if (installed) return;
            installed = true;
            Console.SetOut(new ConsoleRouter("stdout", Console.Out));
            Console.SetError(new ConsoleRouter("stderr", Console.Error));
            Console.SetIn(new ConsoleInputRouter(Console.In));
        }
    }

    public override void Write(char value) => Write(value.ToString());

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(string? value)
    {
        if (value is null) return;
        if (OutputCollector.Current is { } c) c.Write(name, value);
        else lock (Gate) original.Write(value);
    }

    public override void WriteLine(string? value) => Write(value + NewLine);

    public override void Flush()
    {
        if (OutputCollector.Current is null) original.Flush();
    }
}

/// <summary>
/// Console.In replacement: a cell whose frontend can answer (a Jupyter client that allows stdin) asks it for each line;
/// anything else reads the process's real input. <c>Read()</c> and <c>Peek()</c> take characters of the same lines.
/// </summary>
internal sealed class ConsoleInputRouter(TextReader original) : TextReader
{
    [ThreadStatic] private static string? buffered; // the rest of a line Read() has started, with its line end

    /// <summary>What reads outside a frontend-answered cell get instead of the process's input (the kernel sets
    /// <see cref="TextReader.Null"/>: Jupyter's stdin is not the user's). Null: the process's own input.</summary>
    public static TextReader? ProcessInput { get; set; }

    public override string? ReadLine()
    {
        if (buffered is { Length: > 0 } rest)
        {
            buffered = null;
            return rest.EndsWith('\n') ? rest[..^1] : rest;
        }
        return OutputCollector.Current is { CanReadLine: true } c ? c.ReadLine() : (ProcessInput ?? original).ReadLine();
    }

    public override int Peek() => Fill() ? buffered![0] : -1;

    public override int Read()
    {
        if (!Fill()) return -1;
        char first = buffered![0];
        buffered = buffered[1..];
        return first;
    }

    private bool Fill()
    {
        if (buffered is { Length: > 0 }) return true;
        if (OutputCollector.Current is not { CanReadLine: true } c) return false;
        var line = c.ReadLine();
        if (line is null) return false;
        buffered = line + "\n";
        return true;
    }
}

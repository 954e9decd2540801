using System.Diagnostics;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace Notebooks;

/// <summary>
/// Keeps the process alive when a thread, thread-pool item or timer that a cell started throws. .NET ends the process on
/// such an exception; the engine registers one process-wide handler (<see cref="ExceptionHandling.SetUnhandledExceptionHandler"/>)
/// that hands the exception to the cell that started the work (the cell's output collector flows into the threads it
/// starts through the execution context), which reports it as an error output, in that cell while it runs or else in
/// the next cell. An exception from any other thread (not started by a cell: the engine's own, a test host's) is not
/// handled here and keeps .NET's behaviour, so engine faults are never hidden.
/// </summary>
internal static class BackgroundExceptions
{
    private static readonly Lock Gate = new();
    private static bool installed;

    /// <summary>Registers the handler once per process; a handler someone else registered first is left in place.</summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (installed) return;
            installed = true;
            try
            {
                ExceptionHandling.SetUnhandledExceptionHandler(Handle);
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"warning: exceptions on threads that cells start will end the process ({e.Message})");
            }
        }
    }

    private static readonly Lock SessionsGate = new();
    private static readonly List<WeakReference<ScriptSession>> Sessions = [];

    /// <summary>Lets the handler find <paramref name="session"/> from the code of its cells in an exception's stack.</summary>
    public static void Track(ScriptSession session)
    {
        lock (SessionsGate)
        {
            Sessions.RemoveAll(w => !w.TryGetTarget(out _));
            Sessions.Add(new WeakReference<ScriptSession>(session));
        }
    }

    private static bool Handle(Exception ex)
    {
        if (OutputCollector.Current is { } cell) return cell.ReportBackgroundException(ex);
        // Timers and some pool items restore the default context before the exception leaves them: find the cell from
        // the stack instead (a frame of a session's compiled cell, whose file is cellN.csx).
        foreach (var frame in new StackTrace(ex, fNeedFileInfo: true).GetFrames())
        {
            var assembly = frame.GetMethod()?.Module.Assembly;
            if (assembly is null) continue;
            ScriptSession? owner = null;
            lock (SessionsGate)
                foreach (var w in Sessions)
                    if (w.TryGetTarget(out var s) && s.OwnsSubmission(assembly)) { owner = s; break; }
            if (owner is null) continue;
            var number = CellNumberOf(frame.GetFileName());
            owner.ReportBackgroundException(number, ex);
            return true;
        }
        return false;
    }

    private static int CellNumberOf(string? file)
    {
        var name = Path.GetFileNameWithoutExtension(file ?? "");
        return name.StartsWith("cell", StringComparison.Ordinal) && int.TryParse(name.AsSpan(4), out var n) ? n : 0;
    }
}

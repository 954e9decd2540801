using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.CodeAnalysis.Scripting.Hosting;
using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;

namespace Notebooks;

/// <summary>Settings of a <see cref="ScriptSession"/>.</summary>
public sealed class ScriptSessionOptions
{
    /// <summary>Folder that relative <c>#r</c> and <c>#load</c> paths in cells are resolved against (the notebook's folder).</summary>
    public string BaseDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary>The notebook file, if any (exposed to cells as <c>Notebook.Path</c>).</summary>
    public string? NotebookPath { get; init; }

    /// <summary>Time limit of one cell; past it the cell is abandoned and the session stops.</summary>
    public TimeSpan CellTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Where <c>#r "nuget: …"</c> restore projects are cached.</summary>
    public string NuGetCacheDirectory { get; init; } = NuGetPackages.DefaultCacheDirectory;

    /// <summary>
    /// Make the <c>using</c> directives of <c>#load</c>-ed .csx files visible to the loading cell and
    /// later cells. Roslyn scripting (and so .NET Interactive) keeps them private to the loaded file;
    /// with this on (the default) the engine adds them to the loading cell.
    /// </summary>
    public bool ExportUsingsFromLoadedScripts { get; init; } = true;
}

/// <summary>
/// One C# kernel: cells run in order in one Roslyn script state, with .NET Interactive's
/// semantics (<c>#r</c>, <c>#r "nuget:"</c>, <c>#load</c>, <c>display</c>, trailing-expression
/// results, console streams, error outputs, a per-cell time limit). Outputs are nbformat objects.
/// Run one cell at a time.
/// </summary>
public sealed class ScriptSession
{
    /// <summary>Namespaces every cell starts with (as in .NET Interactive's C# kernel).</summary>
    public static readonly ImmutableArray<string> DefaultImports =
    [
        "System", "System.IO", "System.Collections.Generic", "System.Linq", "System.Text", "System.Threading.Tasks",
        "System.Net.Http", "Microsoft.DotNet.Interactive.Formatting", "Notebooks.NotebookDisplay",
    ];

    private static readonly Lazy<ImmutableArray<MetadataReference>> FrameworkReferences = new(() =>
    {
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var tpa = ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var refs = tpa.Where(p => Path.GetDirectoryName(p) == runtimeDir && IsManaged(p))
            .Select(p => (MetadataReference)MetadataFiles.Reference(p));
        // The engine's own assembly depends on the packages it carries (MathNet, Plotly.NET, …). They are referenced
        // from the first cell on: if a later #r "nuget:" added them, Roslyn would rebind the engine assembly against
        // them, and names imported by earlier cells (display, Notebook) would exist twice (CS0121).
        Assembly[] host = [typeof(ScriptSession).Assembly, typeof(Formatter).Assembly, typeof(Microsoft.AspNetCore.Html.IHtmlContent).Assembly, .. NuGetPackages.HostAssemblies];
        return [.. refs, .. host.Distinct().Select(a => MetadataFiles.Reference(a.Location))];
    });

    private readonly ScriptSessionOptions options;
    private readonly NotebookMetadataResolver resolver;
    private readonly NuGetPackages packages;
    private ScriptOptions scriptOptions; // grows: package assemblies, once added, stay referenced by every later cell
    private readonly InteractiveAssemblyLoader loader = new();
    private readonly ScriptGlobals globals;
    private ScriptState<object>? state;
    private bool plotlyEmbedded;
    private object? lastValue;
    private readonly Lock commitGate = new(); // orders a cell's commit of its state against Interrupt()
    private CellRun? running;
    private readonly Lock lateGate = new();
    private readonly List<(int Cell, JsonObject Output)> late = []; // outputs that arrived after their cell ended
    private OutputCollector? activeCollector; // the running cell, which late outputs go to; guarded by lateGate
    private int lateDropped;

    /// <summary>At most this many outputs that arrive after their cell ended are kept for the next cell; the rest are counted.</summary>
    internal const int MaxLateOutputs = 1000;

    /// <summary>Creates a session; nothing is compiled until the first cell.</summary>
    public ScriptSession(ScriptSessionOptions? options = null)
    {
        this.options = options ?? new ScriptSessionOptions();
        ValueFormatting.EnsureRegistered();
        ConsoleRouter.Install();
        BackgroundExceptions.Install();
        BackgroundExceptions.Track(this);
        var baseDir = Path.GetFullPath(this.options.BaseDirectory);
        globals = new ScriptGlobals { Notebook = new NotebookInfo { Folder = baseDir, Path = this.options.NotebookPath is { } p ? Path.GetFullPath(p) : null } };
        packages = new NuGetPackages(this.options.NuGetCacheDirectory);
        resolver = new NotebookMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(baseDir), packages);
        foreach (var a in NuGetPackages.HostAssemblies) loader.RegisterDependency(a);
        scriptOptions = ScriptOptions.Default
            .WithReferences(FrameworkReferences.Value)
            .WithImports(DefaultImports)
            .WithMetadataResolver(resolver)
            .WithSourceResolver(ScriptSourceResolver.Default.WithBaseDirectory(baseDir))
            .WithEmitDebugInformation(true)
            .WithFileEncoding(Encoding.UTF8)
            .WithLanguageVersion(LanguageVersion.Latest)
            .WithOptimizationLevel(OptimizationLevel.Debug)
            .WithAllowUnsafe(true);
    }

    /// <summary>The session's settings.</summary>
    public ScriptSessionOptions Options => options;

    /// <summary>True after a cell timed out: the state cannot be trusted and later cells are refused.</summary>
    public bool IsStopped { get; private set; }

    /// <summary>
    /// Stops the running cell, if any, and returns true if there was one. Its <see cref="RunCellAsync(string, int, CancellationToken)"/> returns at
    /// once with the outputs so far and an <c>OperationCanceledException</c> error output, and the session stays
    /// usable: the next cell continues from the state before the interrupted one (what that cell defined is not
    /// kept). .NET cannot abort a thread, so the cell's thread is abandoned: its loops stop at their next iteration
    /// (see <see cref="CellInterruption"/>); a call that blocks or computes inside a library runs on until it
    /// returns, and whatever it then writes or displays is dropped.
    /// </summary>
    public bool Interrupt()
    {
        var run = Volatile.Read(ref running);
        if (run is null || !Abandon(run)) return false;
        run.Done.TrySetResult(null);
        return true;
    }

    /// <summary>Marks a run as abandoned (its state will not be committed) unless it already finished.</summary>
    private bool Abandon(CellRun run)
    {
        lock (commitGate)
        {
            if (run.Finished || run.Abandoned) return false;
            run.Abandoned = true;
        }
        CellInterruption.Cancel(run.Id);
        return true;
    }

    /// <summary>One execution of a cell.</summary>
    private sealed class CellRun(int id)
    {
        public int Id { get; } = id;
        public TaskCompletionSource<string?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Abandoned; // guarded by commitGate
        public bool Finished;  // guarded by commitGate
    }

    /// <summary>
    /// Runs one cell's code. Never throws for problems in the cell: they become <c>error</c> outputs.
    /// <paramref name="cellNumber"/> is the execution count the cell runs under and names it in errors
    /// and stack traces (<c>cellN.csx</c>).
    /// </summary>
    public Task<CellResult> RunCellAsync(string code, int cellNumber, CancellationToken cancellationToken = default) =>
        RunCellAsync(code, cellNumber, frontend: null, cancellationToken);

    /// <summary>
    /// Runs one cell's code as <see cref="RunCellAsync(string, int, CancellationToken)"/> does, for a frontend that shows
    /// outputs while the cell runs and can answer <c>Console.ReadLine()</c> (see <see cref="CellFrontend"/>). The result
    /// still lists every output, with console text merged.
    /// </summary>
    public async Task<CellResult> RunCellAsync(string code, int cellNumber, CellFrontend? frontend, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        if (IsStopped)
        {
            var msg = "the session stopped after an earlier cell exceeded its time limit; restart the kernel / rerun the notebook.";
            return new CellResult(cellNumber, [Outputs.Error("SessionStopped", msg, [$"cell {cellNumber}: {msg}"])], false, false, clock.Elapsed, $"cell {cellNumber}: {msg}");
        }
        var collector = new OutputCollector(this, cellNumber, frontend);
        var lateError = BeginLateOutputs(collector);
        var run = new CellRun(CellInterruption.NewRun());
        var done = run.Done;
        var thread = new Thread(() =>
        {
            OutputCollector.Current = collector;
            string? result;
            try { result = Execute(code, cellNumber, collector, run); }
            catch (Exception e)
            {
                result = $"cell {cellNumber}: the engine failed: {e.GetType().FullName}: {e.Message}";
                collector.Add(Outputs.Error("EngineError", e.Message, [result, .. (e.StackTrace ?? "").Split('\n')]));
            }
            finally { OutputCollector.Current = null; }
            lock (commitGate) run.Finished = true;
            done.TrySetResult(result);
        }, 16 * 1024 * 1024)
        {
            IsBackground = true,
            Name = $"notebook cell {cellNumber}",
        };
        Volatile.Write(ref running, run);
        thread.Start();
        string? error;
        try
        {
            error = await done.Task.WaitAsync(options.CellTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Abandon(run);
            IsStopped = true;
            var msg = $"cell {cellNumber} exceeded the {options.CellTimeout.TotalSeconds:0.###} s time limit; the run stopped there because the notebook's state can no longer be trusted (raise the limit with --cell-timeout SECONDS).";
            var outputs = collector.Close(Outputs.Error("TimeoutError", msg, [msg]));
            return new CellResult(cellNumber, outputs, false, true, clock.Elapsed, msg);
        }
        catch (OperationCanceledException)
        {
            Abandon(run);
            IsStopped = true;
            var msg = $"cell {cellNumber} was cancelled; the session stopped.";
            var outputs = collector.Close(Outputs.Error("OperationCanceledException", msg, [msg]));
            return new CellResult(cellNumber, outputs, false, true, clock.Elapsed, msg);
        }
        finally
        {
            Interlocked.CompareExchange(ref running, null, run);
            EndLateOutputs(collector);
        }
        bool interrupted;
        lock (commitGate) interrupted = run.Abandoned;
        if (interrupted)
        {
            var msg = $"cell {cellNumber} was interrupted; the next cell continues from the state before it.";
            var outputs = collector.Close(Outputs.Error(nameof(OperationCanceledException), msg, [msg]));
            return new CellResult(cellNumber, outputs, false, false, clock.Elapsed, msg, Interrupted: true);
        }
        EndLateOutputs(collector);
        error ??= collector.BackgroundError ?? lateError;
        var all = collector.Close();
        return new CellResult(cellNumber, all, error is null, false, clock.Elapsed, error, error is null ? lastValue : null);
    }

    /// <summary>
    /// Takes an output that a cell's thread, task or timer produced after the cell ended (console text, a display, an
    /// exception): it goes into the cell running now, under a note that names the cell it came from, or, between cells,
    /// waits for the next cell (<see cref="TakeLateOutputs"/>). Consecutive text of one stream from one cell is merged.
    /// </summary>
    internal void AddLateOutput(int cell, JsonObject output)
    {
        OutputCollector? active;
        lock (lateGate) active = activeCollector;
        // Outside lateGate: the collector takes its own lock, and a closed collector calls back into this method.
        if (active is not null && active.CellNumber != cell && active.TryAddLate(cell, output)) return;
        lock (lateGate)
        {
            if (late.Count > 0 && late[^1].Cell == cell && Outputs.TryAppendStream(late[^1].Output, output)) return;
            if (late.Count >= MaxLateOutputs) { lateDropped++; return; }
            late.Add((cell, output));
        }
    }

    private readonly HashSet<string> submissionAssemblies = new(StringComparer.Ordinal); // guarded by lateGate

    /// <summary>True when <paramref name="assembly"/> holds a cell compiled by this session.</summary>
    internal bool OwnsSubmission(Assembly assembly)
    {
        var name = assembly.GetName().Name;
        lock (lateGate) return name is not null && submissionAssemblies.Contains(name);
    }

    /// <summary>Reports an exception from background work of cell <paramref name="cell"/> (0: not known) found by its stack.</summary>
    internal void ReportBackgroundException(int cell, Exception ex)
    {
        OutputCollector? active;
        lock (lateGate) active = activeCollector;
        if (active is not null && active.CellNumber == cell) active.ReportBackgroundException(ex);
        else AddLateOutput(cell, OutputCollector.BackgroundErrorOutput(cell, ex).Output);
    }

    /// <summary>How many outputs of earlier cells' background work wait for the next cell.</summary>
    internal int PendingLateOutputs
    {
        get { lock (lateGate) return late.Count; }
    }

    /// <summary>The note that heads outputs a cell's background work produced after the cell ended.</summary>
    internal static JsonObject LateNote(int cell) =>
        Outputs.Stream("stderr", cell > 0
            ? $"[from cell {cell}, after it had finished: a thread, task or timer it started]\n"
            : "[from an earlier cell, after it had finished: a thread, task or timer it started]\n");

    /// <summary>The one-line summary of an error output (its first traceback line).</summary>
    internal static string ErrorSummary(JsonObject error) =>
        error["traceback"] is JsonArray { Count: > 0 } t ? (string?)t[0] ?? "" : $"{(string?)error["ename"]}: {(string?)error["evalue"]}";

    /// <summary>
    /// Takes the outputs that arrived between cells (see <see cref="AddLateOutput"/>), each group headed by a note that
    /// says which cell produced it. Returns the summary of the first error among them, or null.
    /// </summary>
    public (List<JsonObject> Outputs, string? Error) TakeLateOutputs()
    {
        List<(int Cell, JsonObject Output)> taken;
        int dropped;
        lock (lateGate)
        {
            taken = [.. late];
            dropped = lateDropped;
            late.Clear();
            lateDropped = 0;
        }
        var result = new List<JsonObject>();
        string? error = null;
        int? group = null;
        foreach (var (cell, output) in taken)
        {
            if (group != cell)
            {
                group = cell;
                result.Add(LateNote(cell));
            }
            result.Add(output);
            if (error is null && (string?)output["output_type"] == "error") error = ErrorSummary(output);
        }
        if (dropped > 0)
            result.Add(Outputs.Stream("stderr", $"[{dropped} more outputs of earlier cells' background work were dropped: at most {MaxLateOutputs} are kept]\n"));
        return (result, error);
    }

    /// <summary>Makes <paramref name="collector"/> the cell that late outputs go to, after giving it those that waited.</summary>
    private string? BeginLateOutputs(OutputCollector collector)
    {
        var (outputs, error) = TakeLateOutputs();
        foreach (var o in outputs) collector.Add(o);
        lock (lateGate) activeCollector = collector;
        return error;
    }

    private void EndLateOutputs(OutputCollector collector)
    {
        lock (lateGate)
            if (ReferenceEquals(activeCollector, collector)) activeCollector = null;
    }

    /// <summary>File name the code compiled by <see cref="CompileForTooling"/> goes under.</summary>
    internal const string ToolingFile = "edited.csx";

    /// <summary>
    /// Compiles <paramref name="code"/> as if it were the next cell, without running it, so that completion and
    /// inspection see the session's variables, usings and references. The caller blanks out directive lines
    /// (<c>#r</c>, <c>#load</c>) first: tooling must not restore packages or load files.
    /// </summary>
    internal (Compilation Compilation, SyntaxTree Tree) CompileForTooling(string code)
    {
        ScriptOptions toolingOptions;
        ScriptState<object>? previous;
        lock (commitGate)
        {
            toolingOptions = scriptOptions.WithFilePath(ToolingFile);
            previous = state;
        }
        var script = previous is null
            ? CSharpScript.Create<object>(code, toolingOptions, typeof(ScriptGlobals), loader)
            : previous.Script.ContinueWith<object>(code, toolingOptions);
        var compilation = script.GetCompilation();
        return (compilation, compilation.SyntaxTrees.Last(t => t.FilePath == ToolingFile));
    }

    /// <summary>Formats a value to a mime bundle (text/html and text/plain, charts to text/html with plotly.js once per session).</summary>
    public IReadOnlyDictionary<string, string> Format(object? value, string? mimeType = null)
    {
        if (value is null) return new Dictionary<string, string> { ["text/plain"] = "<null>" };
        if (value is GenericChart chart)
        {
            var html = ValueFormatting.ChartHtml(chart);
            lock (loader)
            {
                if (!plotlyEmbedded)
                {
                    plotlyEmbedded = true;
                    html = ValueFormatting.PlotlyJsScriptTag + html;
                }
            }
            return new Dictionary<string, string> { ["text/html"] = html };
        }
        if (mimeType is not null) return new Dictionary<string, string> { [mimeType] = value.ToDisplayString(mimeType) };
        if (value is string s) return new Dictionary<string, string> { ["text/plain"] = s };
        return new Dictionary<string, string>
        {
            ["text/html"] = value.ToDisplayString("text/html"),
            ["text/plain"] = value.ToDisplayString("text/plain"),
        };
    }

    /// <summary>Runs on the cell's own thread. Returns a one-line error summary, or null on success.</summary>
    private string? Execute(string code, int cellNumber, OutputCollector collector, CellRun run)
    {
        var file = $"cell{cellNumber}.csx";
        var prepared = Prepare(code, out var magicError);
        if (magicError is not null)
        {
            collector.Add(Outputs.Error("UnsupportedMagicCommand", magicError, [$"cell {cellNumber}: {magicError}"]));
            return $"cell {cellNumber}: {magicError}";
        }

        var nuget = ResolvePackages(prepared, cellNumber, out var nugetError);
        if (nugetError is not null)
        {
            collector.Add(nugetError.Value.Output);
            return nugetError.Value.Summary;
        }
        // Later cells must see the same reference list as this one: a cell compiled with fewer references binds its
        // own copies of the shared assemblies, and usings carried over from this cell then clash with them (CS0121).
        ScriptOptions cellOptions;
        ScriptState<object>? previous;
        lock (commitGate)
        {
            if (run.Abandoned) return null; // interrupted while restoring packages
            var added = nuget.Select(MetadataFiles.Reference).Where(r => !scriptOptions.MetadataReferences.Contains(r)).ToList();
            if (added.Count > 0) scriptOptions = scriptOptions.AddReferences(added);
            previous = state;
            // The default imports go on the first cell only: Roslyn carries a submission's usings into every later one,
            // and importing them again in each cell would give two bindings of the same names whenever a later cell's
            // references make Roslyn bind the engine's assembly afresh (display() ambiguous, CS0121).
            cellOptions = (previous is null ? scriptOptions : scriptOptions.WithImports()).WithFilePath(file);
        }
        Script<object> Create(string text) => previous is null
            ? CSharpScript.Create<object>(text, cellOptions, typeof(ScriptGlobals), loader)
            : previous.Script.ContinueWith<object>(text, cellOptions);
        // Loops get an interruption check (same lines, see CellInterruption). Compile errors are reported from
        // the cell as written, so their columns are right; if only the instrumented code failed, run the cell as written.
        prepared = CommentOutPackageDirectives(prepared);
        var instrumented = CellInterruption.Instrument(prepared, run.Id, ScriptParse);
        var script = Create(instrumented);
        var errors = script.Compile().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0 && !ReferenceEquals(instrumented, prepared))
        {
            script = Create(prepared);
            errors = [.. script.Compile().Where(d => d.Severity == DiagnosticSeverity.Error)];
        }
        if (errors.Count > 0) return ReportCompileErrors(errors, cellNumber, collector);
        lock (lateGate) submissionAssemblies.Add(script.GetCompilation().AssemblyName ?? "");

        ScriptState<object> next;
        try
        {
            next = previous is null
                ? script.RunAsync(globals, _ => true).GetAwaiter().GetResult()
                : script.RunFromAsync(previous, _ => true).GetAwaiter().GetResult();
        }
        catch (CompilationErrorException e)
        {
            return ReportCompileErrors([.. e.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)], cellNumber, collector);
        }
        lock (commitGate)
        {
            if (run.Abandoned) return null; // an interrupted cell's state is dropped; the next cell continues from the one before
            // After an exception this keeps the variables the cell managed to define before it threw, as .NET Interactive does.
            state = next;
        }
        if (next.Exception is { } ex) return ReportException(ex, cellNumber, file, collector);
        lastValue = null;
        if (HasTrailingValue(script, file))
        {
            lastValue = next.ReturnValue;
            collector.Add(Outputs.ExecuteResult(Format(next.ReturnValue), cellNumber));
        }
        return null;
    }

    private static bool HasTrailingValue(Script script, string file)
    {
        var compilation = script.GetCompilation();
        var tree = compilation.SyntaxTrees.LastOrDefault(t => t.FilePath == file);
        if (tree?.GetRoot() is not CompilationUnitSyntax root) return false;
        if (root.Members.LastOrDefault() is not GlobalStatementSyntax { Statement: ExpressionStatementSyntax { SemicolonToken.IsMissing: true } statement })
            return false;
        var type = compilation.GetSemanticModel(tree).GetTypeInfo(statement.Expression).Type;
        return type is null || type.SpecialType != SpecialType.System_Void;
    }

    private static string ReportCompileErrors(List<Diagnostic> errors, int cellNumber, OutputCollector collector)
    {
        var lines = errors.Select(d => Describe(d, cellNumber)).ToList();
        collector.Add(Outputs.Error("CompilationError", lines[0], lines));
        return lines[0];
    }

    /// <summary>
    /// Finds the <c>#r "nuget: …"</c> directives of a cell and of the files it <c>#load</c>s, and
    /// resolves (restores) them before compiling. Returns the assemblies to add to the submission.
    /// </summary>
    private List<string> ResolvePackages(string code, int cellNumber, out (JsonObject Output, string Summary)? error)
    {
        error = null;
        var files = new List<string>();
        var directives = new List<(string Reference, string Where)>();
        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(code, ScriptParse).GetRoot();
        foreach (var r in root.GetReferenceDirectives())
            directives.Add((r.File.ValueText, $"line {r.GetLocation().GetLineSpan().StartLinePosition.Line + 1}"));
        var visited = new HashSet<string>(StringComparer.Ordinal);
        foreach (var load in root.GetLoadDirectives())
            CollectLoaded(load.File.ValueText, options.BaseDirectory, visited, (tree, path) =>
            {
                foreach (var r in tree.GetReferenceDirectives())
                    directives.Add((r.File.ValueText, $"{Path.GetFileName(path)} line {r.GetLocation().GetLineSpan().StartLinePosition.Line + 1}"));
            });
        foreach (var (reference, where) in directives)
        {
            if (NuGetPackages.Parse(reference) is not { } package) continue;
            try
            {
                files.AddRange(packages.Resolve(package.Id, package.Version));
            }
            catch (NuGetDirectiveException e)
            {
                var head = $"cell {cellNumber}, {where}: {e.Message}";
                var trace = new List<string> { head };
                if (e.Details is not null) trace.AddRange(e.Details.Split('\n'));
                error = (Outputs.Error("NuGetRestoreError", e.Message, trace), head);
                return files;
            }
        }
        return [.. files.Distinct()];
    }

    private static string Describe(Diagnostic d, int cellNumber)
    {
        var span = d.Location.GetMappedLineSpan();
        var own = span.Path == $"cell{cellNumber}.csx";
        var where = own
            ? $"cell {cellNumber}, line {span.StartLinePosition.Line + 1}, column {span.StartLinePosition.Character + 1}"
            : span.IsValid ? $"cell {cellNumber}, in {span.Path} line {span.StartLinePosition.Line + 1}" : $"cell {cellNumber}";
        return $"{where}: error {d.Id}: {d.GetMessage()}";
    }

    private static string ReportException(Exception ex, int cellNumber, string file, OutputCollector collector)
    {
        var trace = new StackTrace(ex, fNeedFileInfo: true);
        int? line = trace.GetFrames().Where(f => f.GetFileName() is { } n && Path.GetFileName(n) == file).Select(f => (int?)f.GetFileLineNumber()).FirstOrDefault();
        var where = line is { } l && l > 0 ? $"cell {cellNumber}, line {l}" : $"cell {cellNumber}";
        var head = $"{where}: {ex.GetType().FullName}: {ex.Message}";
        var lines = new List<string> { head };
        lines.AddRange((ex.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(s => !s.Contains("Microsoft.CodeAnalysis.Scripting", StringComparison.Ordinal) && !s.Contains("System.Runtime.CompilerServices", StringComparison.Ordinal) && !s.StartsWith("--- End of stack trace", StringComparison.Ordinal)));
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
            lines.Add($" ---> {inner.GetType().FullName}: {inner.Message}");
        collector.Add(Outputs.Error(ex.GetType().Name, ex.Message, lines));
        return head;
    }

    /// <summary>Handles .NET Interactive magic lines and exports the usings of <c>#load</c>-ed files, keeping line numbers.</summary>
    private string Prepare(string code, out string? error)
    {
        error = null;
        var lines = code.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var t = lines[i].TrimStart();
            if (!t.StartsWith("#!", StringComparison.Ordinal)) continue;
            var magic = t.TrimEnd('\r').Split(' ', 2)[0];
            if (magic is "#!csharp" or "#!c#" or "#!C#")
                lines[i] = "//" + lines[i];
            else if (magic is "#!fsharp" or "#!f#" or "#!pwsh" or "#!javascript" or "#!js" or "#!html" or "#!markdown" or "#!sql" or "#!kql" or "#!value" or "#!mermaid")
            {
                error = $"this cell switches to another kernel ({magic}); this engine runs C# only. Move that code to a C# cell or drop it.";
                return code;
            }
            else
            {
                error = $"the magic command {magic} is not supported by this engine; remove it (C# code, #r and #load work).";
                return code;
            }
        }
        code = string.Join('\n', lines);
        if (!options.ExportUsingsFromLoadedScripts || !code.Contains("#load", StringComparison.Ordinal)) return code;
        return ExportLoadedUsings(code);
    }

    /// <summary>
    /// The session resolves <c>#r "nuget: …"</c> itself and adds the package's assemblies to every later cell, so the
    /// directive is turned into a comment (same line count) before compiling: left in, it would give the submission a
    /// reference directive of its own, and Roslyn would bind that submission's assemblies afresh, which can make the
    /// names earlier cells imported (display, Notebook) exist twice (CS0121).
    /// </summary>
    private static string CommentOutPackageDirectives(string code)
    {
        if (!code.Contains("nuget:", StringComparison.OrdinalIgnoreCase)) return code;
        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(code, ScriptParse).GetRoot();
        var spans = root.GetReferenceDirectives().Where(r => NuGetPackages.Parse(r.File.ValueText) is not null)
            .Select(r => r.SpanStart).OrderDescending();
        foreach (var at in spans) code = code[..at] + "//" + code[at..];
        return code;
    }

    private static readonly CSharpParseOptions ScriptParse = CSharpParseOptions.Default.WithKind(SourceCodeKind.Script).WithLanguageVersion(LanguageVersion.Latest);

    private string ExportLoadedUsings(string code)
    {
        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(code, ScriptParse).GetRoot();
        var own = root.Usings.Select(u => u.ToString().Trim()).ToHashSet(StringComparer.Ordinal);
        var found = new List<string>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        foreach (var load in root.GetLoadDirectives())
            CollectLoaded(load.File.ValueText, options.BaseDirectory, visited, (tree, _) => found.AddRange(tree.Usings.Select(u => u.ToString().Trim())));
        var extra = found.Where(own.Add).ToList();
        if (extra.Count == 0) return code;
        var text = string.Join(" ", extra);
        var first = root.GetFirstToken(includeZeroWidth: false);
        if (first.IsKind(SyntaxKind.None) || first.IsKind(SyntaxKind.EndOfFileToken))
            return code + "\n" + text; // only directives: the usings go on a new last line
        var at = first.SpanStart;
        return code[..at] + text + " " + code[at..];
    }

    /// <summary>Visits a #load-ed file and, depth first, the files it #loads (each once).</summary>
    private static void CollectLoaded(string file, string baseDir, HashSet<string> visited, Action<CompilationUnitSyntax, string> visit)
    {
        var path = Path.GetFullPath(Path.IsPathRooted(file) ? file : Path.Combine(baseDir, file));
        if (!visited.Add(path) || !File.Exists(path)) return; // a missing file is reported by the compiler
        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(File.ReadAllText(path), ScriptParse).GetRoot();
        foreach (var load in root.GetLoadDirectives())
            CollectLoaded(load.File.ValueText, Path.GetDirectoryName(path)!, visited, visit);
        visit(root, path);
    }

    private static bool IsManaged(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
            return pe.HasMetadata;
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or UnauthorizedAccessException)
        {
            return false;
        }
    }

}

/// <summary>
/// One metadata reference per assembly file for the whole process. Roslyn gives each
/// <c>CreateFromFile</c> its own assembly symbol, so the same file referenced twice in a chain of
/// submissions (say by a <c>#r "nuget:"</c> that the host satisfies and by the session's own
/// references) would make every type in it ambiguous (CS0121, CS0433). Reusing the object avoids that.
/// </summary>
internal static class MetadataFiles
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, PortableExecutableReference> Cache = new(StringComparer.Ordinal);

    /// <summary>The shared reference to <paramref name="path"/>.</summary>
    public static PortableExecutableReference Reference(string path) =>
        Cache.GetOrAdd(Path.GetFullPath(path), p => MetadataReference.CreateFromFile(p));

    /// <summary>The shared reference to <paramref name="path"/> with <paramref name="properties"/> (aliases, embedding).</summary>
    public static PortableExecutableReference Reference(string path, MetadataReferenceProperties properties)
    {
        var r = Reference(path);
        return properties.Equals(r.Properties) ? r : r.WithProperties(properties);
    }
}

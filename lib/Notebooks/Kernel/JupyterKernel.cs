using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis.CSharp;
using NetMQ;
using NetMQ.Sockets;

namespace Notebooks.Kernel;

/// <summary>Settings of a <see cref="JupyterKernel"/>.</summary>
public sealed class KernelOptions
{
    /// <summary>Serve a connection file whose ip is not a loopback address (off: such a file is refused).</summary>
    public bool AllowRemote { get; init; }

    /// <summary>Time limit of one cell; past it the session stops (restart the kernel). Default: none (interrupt instead).</summary>
    public TimeSpan CellTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Folder relative <c>#r</c>/<c>#load</c> paths resolve against: the notebook's folder (Jupyter starts kernels there).</summary>
    public string BaseDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary>Where <c>#r "nuget: …"</c> restore projects are cached.</summary>
    public string NuGetCacheDirectory { get; init; } = NuGetPackages.DefaultCacheDirectory;

    /// <summary>Where the kernel logs what it rejects or fails at (standard error in the kernel process).</summary>
    public TextWriter Log { get; init; } = TextWriter.Null;
}

/// <summary>
/// A Jupyter kernel (messaging protocol 5.3 over ZeroMQ) that runs C# cells in one
/// <see cref="ScriptSession"/>, so Jupyter, VS Code and nbconvert get the runner's cell semantics.
/// <para>
/// Threads: the shell socket is served by one thread that handles requests in order (an execute
/// request blocks it, as in IPython; the cell itself runs on its own thread inside the session);
/// control (interrupt, shutdown) has its own thread so it is answered while a cell runs; heartbeat
/// echoes on a third. No NetMQPoller is used, so no SynchronizationContext is installed around cells.
/// iopub (outputs, status) is shared behind a lock; stdin is used by the running cell's thread when the cell calls
/// <c>Console.ReadLine()</c> and the client allows stdin (otherwise the cell reads end of input).
/// </para>
/// Every incoming message must carry a valid HMAC-SHA256 signature made with the connection file's key, and one not
/// seen before (a <see cref="SignatureHistory"/> of the last 65 536); anything else is dropped unanswered and logged.
/// </summary>
public sealed class JupyterKernel : IDisposable
{
    /// <summary>The name this kernel reports as its implementation.</summary>
    public const string ImplementationName = "notebooks-csharp";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ReplyLinger = TimeSpan.FromSeconds(1);

    private readonly KernelOptions options;
    private readonly MessageCodec codec;
    private readonly string kernelSession = Guid.NewGuid().ToString("N");
    private readonly ScriptSession session;
    private readonly Lock iopubGate = new();
    private readonly Lock stdinGate = new();
    private readonly Lock stateGate = new();
    private readonly TaskCompletionSource stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Thread> threads = [];
    private RouterSocket? shell, control, stdin;
    private PublisherSocket? iopub;
    private ResponseSocket? heartbeat;
    private volatile bool stopping;
    private int stopRequested;
    private volatile bool executing; // the shell thread is inside an execute request
    private int interruptPending;    // an interrupt came while a cell was being set up
    private int executionCount;
    private bool started;

    /// <summary>
    /// Checks <paramref name="connection"/> (transport, key, loopback unless <see cref="KernelOptions.AllowRemote"/>)
    /// and prepares a session; sockets are bound by <see cref="Start"/>. Throws <see cref="KernelConfigurationException"/>.
    /// </summary>
    public JupyterKernel(ConnectionInfo connection, KernelOptions? options = null)
    {
        this.options = options ?? new KernelOptions();
        connection.Validate(this.options.AllowRemote);
        Connection = connection;
        codec = new MessageCodec(new MessageSigner(connection.Key), new SignatureHistory());
        session = NewSession();
    }

    /// <summary>The connection served: after <see cref="Start"/>, with the actual ports (a port of 0 becomes a free one).</summary>
    public ConnectionInfo Connection { get; private set; }

    /// <summary>Completes when the kernel has stopped (after a shutdown request or <see cref="Stop"/>).</summary>
    public Task Completion => stopped.Task;

    /// <summary>The number of the last cell run with store_history.</summary>
    public int ExecutionCount { get { lock (stateGate) return executionCount; } }

    /// <summary>Binds the five sockets and starts serving. Throws <see cref="KernelConfigurationException"/> when a port cannot be bound.</summary>
    public void Start()
    {
        lock (stateGate)
        {
            if (started) throw new InvalidOperationException("the kernel was already started");
            started = true;
        }
        var c = Connection;
        try
        {
            shell = new RouterSocket();
            control = new RouterSocket();
            stdin = new RouterSocket();
            iopub = new PublisherSocket();
            heartbeat = new ResponseSocket();
            Connection = c with
            {
                ShellPort = Bind(shell, c, c.ShellPort, "shell"),
                IOPubPort = Bind(iopub, c, c.IOPubPort, "iopub"),
                StdinPort = Bind(stdin, c, c.StdinPort, "stdin"),
                ControlPort = Bind(control, c, c.ControlPort, "control"),
                HeartbeatPort = Bind(heartbeat, c, c.HeartbeatPort, "heartbeat"),
            };
        }
        catch
        {
            foreach (var s in new NetMQSocket?[] { shell, control, stdin, iopub, heartbeat }) s?.Dispose();
            stopped.TrySetResult();
            throw;
        }
        Publish(null, "status", new JsonObject { ["execution_state"] = "starting" });
        StartThread("jupyter heartbeat", HeartbeatLoop);
        StartThread("jupyter control", () => ServeLoop(control, "control"));
        StartThread("jupyter shell", () => ServeLoop(shell, "shell"));
        options.Log.WriteLine($"kernel: listening on {c.Ip} (shell {Connection.ShellPort}, iopub {Connection.IOPubPort}, stdin {Connection.StdinPort}, control {Connection.ControlPort}, heartbeat {Connection.HeartbeatPort})");
    }

    /// <summary>Stops serving: interrupts a running cell, ends the socket threads and closes the sockets. <see cref="Completion"/> completes when done.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref stopRequested, 1) == 1) return;
        stopping = true;
        session.Interrupt();
        _ = Task.Run(() =>
        {
            foreach (var t in threads)
                if (t != Thread.CurrentThread && !t.Join(TimeSpan.FromSeconds(10)))
                    options.Log.WriteLine($"kernel: thread '{t.Name}' did not stop within 10 s");
            lock (iopubGate)
            {
                iopub?.Dispose();
                iopub = null;
            }
            lock (stdinGate)
            {
                stdin?.Dispose();
                stdin = null;
            }
            stopped.TrySetResult();
        });
    }

    /// <summary>Interrupts the running cell, as an interrupt_request does; true if a cell was running.</summary>
    public bool InterruptCell()
    {
        if (session.Interrupt()) return true;
        if (!executing) return false;
        // The shell thread is between receiving the request and starting the cell: leave a note it checks once the
        // cell has started, and try again in case the cell started just now (then the note is cleared by the next cell).
        Volatile.Write(ref interruptPending, 1);
        return session.Interrupt() || executing;
    }

    /// <summary>Same as <see cref="Stop"/>.</summary>
    public void Dispose() => Stop();

    private ScriptSession NewSession() => new(new ScriptSessionOptions
    {
        BaseDirectory = options.BaseDirectory,
        CellTimeout = options.CellTimeout,
        NuGetCacheDirectory = options.NuGetCacheDirectory,
    });

    private static int Bind(NetMQSocket socket, ConnectionInfo c, int port, string name)
    {
        socket.Options.Linger = ReplyLinger;
        if (c.IsIPv6) socket.Options.IPv4Only = false;
        try
        {
            if (port == 0) return socket.BindRandomPort($"tcp://{c.BindAddress}");
            socket.Bind(c.Endpoint(port));
            return port;
        }
        catch (Exception e) when (e is NetMQException or System.Net.Sockets.SocketException)
        {
            throw new KernelConfigurationException($"cannot listen for the {name} socket on {c.Ip} port {port}: {e.Message}. Another program may use the port; let Jupyter start the kernel again (it picks free ports).");
        }
    }

    private void StartThread(string name, Action loop)
    {
        var t = new Thread(() =>
        {
            try { loop(); }
            catch (Exception e) { options.Log.WriteLine($"kernel: the {name} thread failed: {e}"); }
        })
        { IsBackground = true, Name = name };
        threads.Add(t);
        t.Start();
    }

    private void HeartbeatLoop()
    {
        using var socket = heartbeat!;
        var frames = new List<byte[]>();
        while (!stopping)
            if (socket.TryReceiveMultipartBytes(PollInterval, ref frames))
                socket.SendMultipartBytes(frames);
    }

    /// <summary>Receives, checks and answers requests on shell or control until the kernel stops.</summary>
    private void ServeLoop(RouterSocket? socket, string channel)
    {
        using var s = socket!;
        NetMQMessage? frames = null;
        while (!stopping)
        {
            if (!s.TryReceiveMultipartMessage(PollInterval, ref frames)) continue;
            if (Receive(frames!, channel) is { } request) Handle(request, s, channel);
        }
    }

    private JupyterMessage? Receive(NetMQMessage frames, string channel)
    {
        var message = codec.Decode(frames, out var problem);
        if (message is null) options.Log.WriteLine($"kernel: dropped a message on {channel}: {problem}");
        return message;
    }

    private void Handle(JupyterMessage request, RouterSocket socket, string channel)
    {
        var type = request.Type;
        Publish(request, "status", new JsonObject { ["execution_state"] = "busy" });
        try
        {
            switch (type)
            {
                case "execute_request" when channel == "shell":
                    Execute(request, socket);
                    break;
                case "kernel_info_request":
                    Reply(socket, request, "kernel_info_reply", KernelInfo());
                    break;
                case "complete_request":
                    Reply(socket, request, "complete_reply", Complete(request.Content));
                    break;
                case "inspect_request":
                    Reply(socket, request, "inspect_reply", Inspect(request.Content));
                    break;
                case "is_complete_request":
                    Reply(socket, request, "is_complete_reply", IsComplete(request.Content));
                    break;
                case "comm_info_request":
                    Reply(socket, request, "comm_info_reply", new JsonObject { ["status"] = "ok", ["comms"] = new JsonObject() });
                    break;
                case "history_request":
                    Reply(socket, request, "history_reply", new JsonObject { ["status"] = "ok", ["history"] = new JsonArray() });
                    break;
                case "interrupt_request":
                    if (InterruptCell()) options.Log.WriteLine("kernel: interrupted the running cell");
                    Reply(socket, request, "interrupt_reply", new JsonObject { ["status"] = "ok" });
                    break;
                case "shutdown_request":
                    var restart = Bool(request.Content, "restart", false);
                    Reply(socket, request, "shutdown_reply", new JsonObject { ["status"] = "ok", ["restart"] = restart });
                    // Jupyter restarts a kernel by starting a new process, so both cases end this one.
                    options.Log.WriteLine($"kernel: shutting down (restart={restart.ToString().ToLowerInvariant()})");
                    Stop();
                    break;
                default:
                    // comm_open and the like: this kernel has no comms or widgets; IPython ignores unknown types the same way.
                    options.Log.WriteLine($"kernel: ignored a {type} on {channel}");
                    break;
            }
        }
        catch (Exception e)
        {
            options.Log.WriteLine($"kernel: failed to handle {type}: {e}");
            if (type.EndsWith("_request", StringComparison.Ordinal))
                Reply(socket, request, type[..^"_request".Length] + "_reply", new JsonObject
                {
                    ["status"] = "error",
                    ["ename"] = e.GetType().Name,
                    ["evalue"] = e.Message,
                    ["traceback"] = new JsonArray([.. (e.ToString()).Split('\n').Select(l => (JsonNode)l)]),
                });
        }
        finally
        {
            Publish(request, "status", new JsonObject { ["execution_state"] = "idle" });
        }
    }

    private void Execute(JupyterMessage request, RouterSocket socket)
    {
        options.Log.WriteLine($"kernel: execute_request {request.Id} starts");
        var code = String(request.Content, "code");
        var silent = Bool(request.Content, "silent", false);
        var storeHistory = Bool(request.Content, "store_history", !silent) && !silent;
        var stopOnError = Bool(request.Content, "stop_on_error", true);
        int count, cellNumber;
        lock (stateGate)
        {
            if (storeHistory) executionCount++;
            count = executionCount;
            cellNumber = storeHistory ? count : count + 1;
        }
        if (!silent) Publish(request, "execute_input", new JsonObject { ["code"] = code, ["execution_count"] = count });

        CellResult result;
        using var asking = new CancellationTokenSource();
        Volatile.Write(ref interruptPending, 0);
        executing = true;
        try
        {
            // Outputs are published as the cell produces them, so long cells (training runs) show their progress.
            // Console.ReadLine() asks the client when it allows stdin, and reads end of input when it does not.
            var frontend = new CellFrontend
            {
                Live = silent ? null : output =>
                {
                    if (ToMessage(output, count) is var (type, content)) Publish(request, type, content);
                },
                ReadLine = Bool(request.Content, "allow_stdin", false) && !silent ? prompt => AskForInput(request, prompt, asking) : _ => null,
            };
            var run = session.RunCellAsync(code, cellNumber, frontend); // the cell is running (interruptible) when this returns
            if (Interlocked.Exchange(ref interruptPending, 0) == 1) session.Interrupt();
            result = run.GetAwaiter().GetResult();
        }
        finally
        {
            executing = false;
            asking.Cancel(); // an abandoned cell still waiting for input stops waiting
        }

        var error = result.Outputs.LastOrDefault(o => o["output_type"]?.GetValue<string>() == "error");
        var reply = new JsonObject { ["execution_count"] = count };
        if (result.Succeeded)
        {
            reply["status"] = "ok";
            reply["user_expressions"] = new JsonObject();
            reply["payload"] = new JsonArray();
        }
        else
        {
            reply["status"] = "error";
            reply["ename"] = error?["ename"]?.DeepClone() ?? "Error";
            reply["evalue"] = error?["evalue"]?.DeepClone() ?? result.ErrorSummary ?? "";
            reply["traceback"] = error?["traceback"]?.DeepClone() ?? new JsonArray();
        }
        Reply(socket, request, "execute_reply", reply);
        if (!result.Succeeded && stopOnError) AbortQueuedExecutions(socket);
    }

    /// <summary>
    /// After a failed cell, execute requests already waiting (a front end's "run all") are answered "aborted"
    /// instead of run, as IPython does; other waiting requests are handled normally.
    /// </summary>
    private void AbortQueuedExecutions(RouterSocket socket)
    {
        NetMQMessage? frames = null;
        while (!stopping && socket.TryReceiveMultipartMessage(TimeSpan.Zero, ref frames))
        {
            if (Receive(frames, "shell") is not { } queued) continue;
            if (queued.Type != "execute_request")
            {
                Handle(queued, socket, "shell");
                continue;
            }
            Publish(queued, "status", new JsonObject { ["execution_state"] = "busy" });
            Reply(socket, queued, "execute_reply", new JsonObject { ["status"] = "aborted", ["execution_count"] = ExecutionCount });
            Publish(queued, "status", new JsonObject { ["execution_state"] = "idle" });
        }
    }

    /// <summary>An nbformat output as an iopub message (type, content).</summary>
    internal static (string Type, JsonObject Content)? ToMessage(JsonObject output, int executionCount)
    {
        switch (output["output_type"]?.GetValue<string>())
        {
            case "stream":
                return ("stream", new JsonObject { ["name"] = output["name"]?.DeepClone(), ["text"] = Joined(output["text"]) });
            case "display_data":
                return ("display_data", new JsonObject { ["data"] = Bundle(output["data"]), ["metadata"] = output["metadata"]?.DeepClone() ?? new JsonObject(), ["transient"] = new JsonObject() });
            case "execute_result":
                return ("execute_result", new JsonObject { ["execution_count"] = executionCount, ["data"] = Bundle(output["data"]), ["metadata"] = output["metadata"]?.DeepClone() ?? new JsonObject() });
            case "error":
                return ("error", new JsonObject { ["ename"] = output["ename"]?.DeepClone(), ["evalue"] = output["evalue"]?.DeepClone(), ["traceback"] = output["traceback"]?.DeepClone() ?? new JsonArray() });
            default:
                return null;
        }
    }

    private static JsonObject Bundle(JsonNode? data)
    {
        var bundle = new JsonObject();
        if (data is JsonObject o)
            foreach (var (mime, value) in o)
                bundle[mime] = value is JsonArray ? Joined(value) : value?.DeepClone();
        return bundle;
    }

    private static string Joined(JsonNode? text) => text switch
    {
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>())),
        JsonValue v => v.GetValue<string>(),
        _ => "",
    };

    /// <summary>
    /// The <c>language_info</c> the kernel reports. Jupyter copies it into a notebook's metadata when the notebook opens,
    /// so the tutorial's notebooks carry exactly this (a test keeps them equal), and opening one does not mark it modified.
    /// </summary>
    internal static JsonObject LanguageInfo() => new()
    {
        ["codemirror_mode"] = "text/x-csharp",
        ["file_extension"] = ".cs",
        ["mimetype"] = "text/x-csharp",
        ["name"] = "C#",
        ["pygments_lexer"] = "csharp",
        ["version"] = LanguageVersion.Latest.MapSpecifiedToEffectiveVersion().ToDisplayString(),
    };

    private static JsonObject KernelInfo()
    {
        var version = typeof(JupyterKernel).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "1.0";
        return new JsonObject
        {
            ["status"] = "ok",
            ["protocol_version"] = JupyterMessage.ProtocolVersion,
            ["implementation"] = ImplementationName,
            ["implementation_version"] = version,
            ["language_info"] = LanguageInfo(),
            ["banner"] = $"C# notebooks kernel {version} (Roslyn scripting, .NET {Environment.Version}): the cell semantics of the tutorial's runner.",
            ["help_links"] = new JsonArray(),
            ["debugger"] = false,
        };
    }

    private JsonObject Complete(JsonObject content)
    {
        var code = String(content, "code");
        var cursor = CodePoints.ToUtf16(code, Int(content, "cursor_pos", CodePoints.Count(code)));
        var completions = CodeIntelligence.Complete(session, code, cursor);
        var start = CodePoints.FromUtf16(code, completions.Start);
        var end = CodePoints.FromUtf16(code, completions.End);
        return new JsonObject
        {
            ["status"] = "ok",
            ["matches"] = new JsonArray([.. completions.Items.Select(i => (JsonNode)i.Text)]),
            ["cursor_start"] = start,
            ["cursor_end"] = end,
            ["metadata"] = new JsonObject
            {
                ["_jupyter_types_experimental"] = new JsonArray([.. completions.Items.Select(i => (JsonNode)new JsonObject
                {
                    ["start"] = start, ["end"] = end, ["text"] = i.Text, ["type"] = i.Kind,
                })]),
            },
        };
    }

    private JsonObject Inspect(JsonObject content)
    {
        var code = String(content, "code");
        var cursor = CodePoints.ToUtf16(code, Int(content, "cursor_pos", CodePoints.Count(code)));
        var text = CodeIntelligence.Inspect(session, code, cursor);
        return new JsonObject
        {
            ["status"] = "ok",
            ["found"] = text is not null,
            ["data"] = text is null ? new JsonObject() : new JsonObject { ["text/plain"] = text },
            ["metadata"] = new JsonObject(),
        };
    }

    private static JsonObject IsComplete(JsonObject content)
    {
        var (status, indent) = CodeIntelligence.IsComplete(String(content, "code"));
        var reply = new JsonObject { ["status"] = status };
        if (status == "incomplete") reply["indent"] = indent;
        return reply;
    }

    /// <summary>
    /// Sends an input_request on stdin to the client that sent <paramref name="request"/> and waits for its input_reply
    /// (the cell's thread blocks here). Messages left over from earlier questions are dropped first, and so is a reply
    /// whose parent header names another question (jupyter_client sends none, as IPython expects); the wait ends with
    /// <see cref="OperationCanceledException"/> when the cell is stopped or the kernel shuts down.
    /// </summary>
    private string? AskForInput(JupyterMessage request, string prompt, CancellationTokenSource asking)
    {
        var token = asking.Token;
        var ask = new JupyterMessage
        {
            Identities = request.Identities,
            Header = JupyterMessage.NewHeader("input_request", kernelSession),
            ParentHeader = request.Header,
            Content = new JsonObject { ["prompt"] = prompt, ["password"] = false },
        };
        lock (stdinGate)
        {
            if (stdin is null || stopping) throw new OperationCanceledException("the kernel is shutting down.");
            NetMQMessage? frames = null;
            while (stdin.TryReceiveMultipartMessage(TimeSpan.Zero, ref frames)) // answers that came too late for an earlier question
                options.Log.WriteLine("kernel: dropped a stale message on stdin");
            stdin.SendMultipartMessage(codec.Encode(ask));
            options.Log.WriteLine($"kernel: input_request {ask.Id} sent for {request.Id}");
            while (true)
            {
                if (stopping || token.IsCancellationRequested)
                {
                    options.Log.WriteLine($"kernel: input_request {ask.Id} abandoned (the cell was stopped)");
                    throw new OperationCanceledException("the cell was stopped while it waited for input.");
                }
                if (!stdin.TryReceiveMultipartMessage(PollInterval, ref frames)) continue;
                var reply = Receive(frames!, "stdin");
                if (reply is null) continue;
                // jupyter_client sends input_reply without a parent header; one that names a parent must name this question.
                var parent = reply.ParentHeader["msg_id"]?.GetValue<string>();
                if (reply.Type == "input_reply" && (string.IsNullOrEmpty(parent) || parent == ask.Id))
                {
                    options.Log.WriteLine($"kernel: input_request {ask.Id} answered");
                    return reply.Content["value"] is JsonValue v && v.TryGetValue<string>(out var line) ? line : "";
                }
                options.Log.WriteLine($"kernel: dropped a {reply.Type} on stdin that does not answer the open input request");
            }
        }
    }

    private void Reply(RouterSocket socket, JupyterMessage request, string type, JsonObject content) =>
        socket.SendMultipartMessage(codec.Encode(new JupyterMessage
        {
            Identities = request.Identities,
            Header = JupyterMessage.NewHeader(type, kernelSession),
            ParentHeader = request.Header,
            Content = content,
        }));

    private void Publish(JupyterMessage? parent, string type, JsonObject content)
    {
        var message = codec.Encode(new JupyterMessage
        {
            Identities = [Encoding.UTF8.GetBytes($"kernel.{kernelSession}.{type}")],
            Header = JupyterMessage.NewHeader(type, kernelSession),
            ParentHeader = parent?.Header ?? [],
            Content = content,
        });
        lock (iopubGate) iopub?.SendMultipartMessage(message);
    }

    private static string String(JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    private static bool Bool(JsonObject o, string name, bool fallback) =>
        o[name] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : fallback;

    private static int Int(JsonObject o, string name, int fallback) =>
        o[name] is JsonValue v && v.TryGetValue<int>(out var i) ? i : fallback;
}

/// <summary>
/// Jupyter counts cursor positions in Unicode code points (protocol 5.2 on); .NET strings index UTF-16 units.
/// They differ only past characters outside the Basic Multilingual Plane (emoji, some CJK).
/// </summary>
internal static class CodePoints
{
    /// <summary>The number of code points in <paramref name="s"/>.</summary>
    public static int Count(string s) => FromUtf16(s, s.Length);

    /// <summary>The UTF-16 offset of code point <paramref name="codePoints"/> (clamped to the string).</summary>
    public static int ToUtf16(string s, int codePoints)
    {
        var i = 0;
        for (var n = 0; n < codePoints && i < s.Length; n++)
            i += char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
        return i;
    }

    /// <summary>The code point count of the first <paramref name="utf16"/> UTF-16 units.</summary>
    public static int FromUtf16(string s, int utf16)
    {
        var n = 0;
        for (var i = 0; i < utf16 && i < s.Length; i++, n++)
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
        return n;
    }
}

using System.Text;
using System.Text.Json.Nodes;
using NetMQ;
using NetMQ.Sockets;
using Notebooks.Kernel;

namespace Notebooks.Tests;

/// <summary>A kernel started in-process on free loopback ports, with a fresh random key.</summary>
internal sealed class TestKernel : IAsyncDisposable
{
    public TestKernel()
    {
        Log = new SyncLog();
        Kernel = new JupyterKernel(new ConnectionInfo { Ip = "127.0.0.1", Key = Guid.NewGuid().ToString() },
            new KernelOptions { Log = Log, NuGetCacheDirectory = TestNotebooks.NuGetCache, BaseDirectory = TestNotebooks.TempDir("kernel") });
        Kernel.Start();
        Client = new KernelTestClient(Kernel.Connection);
        Client.WaitUntilReady();
    }

    public JupyterKernel Kernel { get; }

    public KernelTestClient Client { get; }

    public SyncLog Log { get; }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Kernel.Stop();
        await Kernel.Completion.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>A log the kernel's threads can write to while the test reads it.</summary>
    internal sealed class SyncLog : StringWriter
    {
        private readonly Lock gate = new();

        public override void Write(char value) { lock (gate) base.Write(value); }

        public override void Write(string? value) { lock (gate) base.Write(value); }

        public override void WriteLine(string? value) { lock (gate) base.WriteLine(value); }

        public override string ToString() { lock (gate) return base.ToString(); }
    }
}

/// <summary>
/// A minimal Jupyter client for the protocol tests: DEALER sockets on shell and control, a SUB socket on
/// iopub, a REQ socket on heartbeat, messages signed with the connection's key (or deliberately not).
/// </summary>
internal sealed class KernelTestClient : IDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly DealerSocket shell = new(), control = new(), stdin = new();
    private readonly SubscriberSocket iopub = new();
    private readonly RequestSocket heartbeat = new();
    private readonly MessageCodec codec;
    private readonly string session = Guid.NewGuid().ToString("N");
    private readonly List<JupyterMessage> published = [];

    public KernelTestClient(ConnectionInfo c)
    {
        codec = new MessageCodec(new MessageSigner(c.Key));
        // stdin shares shell's routing identity, as in jupyter_client: the kernel addresses input requests to the client
        // by the identity its execute request came from.
        shell.Options.Identity = stdin.Options.Identity = Encoding.UTF8.GetBytes(session);
        shell.Connect(c.Endpoint(c.ShellPort));
        stdin.Connect(c.Endpoint(c.StdinPort));
        control.Connect(c.Endpoint(c.ControlPort));
        iopub.Connect(c.Endpoint(c.IOPubPort));
        iopub.SubscribeToAnyTopic();
        heartbeat.Connect(c.Endpoint(c.HeartbeatPort));
    }

    /// <summary>Sends kernel_info requests until an iopub message arrives (the subscription is then live), as jupyter_client does.</summary>
    public void WaitUntilReady()
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var request = Request("shell", "kernel_info_request", []);
            if (TryIOPub(m => m.ParentHeader["msg_id"]?.GetValue<string>() == request.Request.Id, TimeSpan.FromSeconds(1)) is not null) return;
        }
        throw new TimeoutException("the kernel's iopub never delivered a message");
    }

    /// <summary>A signed message from this client.</summary>
    public JupyterMessage NewMessage(string type, JsonObject content) => new()
    {
        Header = JupyterMessage.NewHeader(type, session),
        Content = content,
    };

    /// <summary>
    /// Answers an input_request on stdin with <paramref name="value"/>, as a frontend does when the user presses Enter:
    /// with the request as parent header, or without one, as jupyter_client sends it.
    /// </summary>
    public void AnswerInput(JupyterMessage inputRequest, string value, bool withParent = true) => SendFrames("stdin", Encode(new JupyterMessage
    {
        Header = JupyterMessage.NewHeader("input_reply", session),
        ParentHeader = withParent ? inputRequest.Header : [],
        Content = new JsonObject { ["value"] = value },
    }));

    /// <summary>The frames of <paramref name="message"/> as a client sends them (no routing identity: DEALER).</summary>
    public NetMQMessage Encode(JupyterMessage message) => codec.Encode(message);

    public void SendFrames(string channel, NetMQMessage frames) => Socket(channel).SendMultipartMessage(frames);

    public JupyterMessage Send(string channel, string type, JsonObject content)
    {
        var message = NewMessage(type, content);
        SendFrames(channel, Encode(message));
        return message;
    }

    /// <summary>The next reply on <paramref name="channel"/>, or null if none comes within <paramref name="wait"/>.</summary>
    public JupyterMessage? TryReply(string channel, TimeSpan wait)
    {
        NetMQMessage? frames = null;
        if (!Socket(channel).TryReceiveMultipartMessage(wait, ref frames)) return null;
        return codec.Decode(frames!, out var problem) ?? throw new InvalidOperationException($"the kernel sent a bad reply: {problem}");
    }

    public JupyterMessage Reply(string channel) => TryReply(channel, Patience) ?? throw new TimeoutException($"no reply on {channel}");

    /// <summary>Sends a request and waits for its reply.</summary>
    public (JupyterMessage Request, JupyterMessage Reply) Request(string channel, string type, JsonObject content)
    {
        var request = Send(channel, type, content);
        var reply = Reply(channel);
        Assert.Equal(request.Id, reply.ParentHeader["msg_id"]?.GetValue<string>());
        return (request, reply);
    }

    /// <summary>The first iopub message (received now or earlier and not yet taken) that matches, or null after <paramref name="wait"/>.</summary>
    public JupyterMessage? TryIOPub(Func<JupyterMessage, bool> match, TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var found = published.FirstOrDefault(match);
            if (found is not null)
            {
                published.Remove(found);
                return found;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            NetMQMessage? frames = null;
            // Whole milliseconds: NetMQ 4.0.4.5 spins forever on a timeout between 0 and 1 ms (it truncates it to 0
            // and then never sees it expire).
            if (iopub.TryReceiveMultipartMessage(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), ref frames))
                published.Add(codec.Decode(frames!, out var problem) ?? throw new InvalidOperationException($"the kernel published a bad message: {problem}"));
        }
    }

    /// <summary>Every iopub message whose parent is <paramref name="request"/>, in order, up to and including its status idle.</summary>
    public List<JupyterMessage> IOPubFor(JupyterMessage request)
    {
        var list = new List<JupyterMessage>();
        while (true)
        {
            var m = TryIOPub(x => x.ParentHeader["msg_id"]?.GetValue<string>() == request.Id, Patience)
                ?? throw new TimeoutException($"iopub went quiet before status idle for {request.Type}; got: {string.Join(", ", list.Select(x => x.Type))}");
            list.Add(m);
            if (m.Type == "status" && m.Content["execution_state"]?.GetValue<string>() == "idle") return list;
        }
    }

    /// <summary>Runs code and returns the execute_reply and the iopub messages of the request.</summary>
    public (JupyterMessage Reply, List<JupyterMessage> IOPub) Execute(string code)
    {
        var (request, reply) = Request("shell", "execute_request", new JsonObject { ["code"] = code, ["silent"] = false, ["store_history"] = true, ["stop_on_error"] = false });
        return (reply, IOPubFor(request));
    }

    public byte[]? Ping(byte[] payload, TimeSpan wait)
    {
        heartbeat.SendFrame(payload);
        return heartbeat.TryReceiveFrameBytes(wait, out var echo) ? echo : null;
    }

    private NetMQSocket Socket(string channel) => channel switch
    {
        "shell" => shell,
        "control" => control,
        "stdin" => stdin,
        _ => throw new ArgumentException(channel),
    };

    public void Dispose()
    {
        foreach (var s in new NetMQSocket[] { shell, control, stdin, iopub, heartbeat })
        {
            s.Options.Linger = TimeSpan.Zero;
            s.Dispose();
        }
    }

    public static string Text(JsonNode? n) => n is null ? "" : TestNotebooks.CellText(n);

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}

/// <summary>
/// The kernel tests start kernels, Jupyter and extra processes: they run on their own, after the parallel tests,
/// so they do not slow down tests that measure a cell against a time limit.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelCollection
{
    public const string Name = "Jupyter kernel";
}

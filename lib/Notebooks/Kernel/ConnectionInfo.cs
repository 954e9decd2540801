using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Notebooks.Kernel;

/// <summary>A connection file or command line the kernel cannot work with; the message says what to change.</summary>
public sealed class KernelConfigurationException(string message) : Exception(message);

/// <summary>
/// A Jupyter connection file: the transport and address the kernel's five sockets bind to, their ports,
/// and the key that signs every message. Jupyter writes one per kernel it starts and passes its path
/// as <c>{connection_file}</c>.
/// </summary>
public sealed record ConnectionInfo
{
    /// <summary>"tcp" (the only transport this kernel supports).</summary>
    public string Transport { get; init; } = "tcp";

    /// <summary>Address to bind to, normally 127.0.0.1.</summary>
    public string Ip { get; init; } = "127.0.0.1";

    /// <summary>Port of the shell socket (requests: execute, complete, inspect, kernel_info…); 0 picks a free port.</summary>
    public int ShellPort { get; init; }

    /// <summary>Port of the iopub socket (outputs and status, published to every client); 0 picks a free port.</summary>
    public int IOPubPort { get; init; }

    /// <summary>Port of the stdin socket (input requests; this kernel never asks for input); 0 picks a free port.</summary>
    public int StdinPort { get; init; }

    /// <summary>Port of the control socket (interrupt, shutdown); 0 picks a free port.</summary>
    public int ControlPort { get; init; }

    /// <summary>Port of the heartbeat socket (echo); 0 picks a free port.</summary>
    public int HeartbeatPort { get; init; }

    /// <summary>The HMAC key every message is signed with.</summary>
    public string Key { get; init; } = "";

    /// <summary>"hmac-sha256" (the only scheme this kernel supports).</summary>
    public string SignatureScheme { get; init; } = "hmac-sha256";

    /// <summary>True when <see cref="Ip"/> is 127.0.0.1, ::1 or localhost: only this machine can connect.</summary>
    public bool IsLoopback => Ip is "127.0.0.1" or "::1" or "localhost";

    /// <summary>Reads a connection file; throws <see cref="KernelConfigurationException"/> saying what is wrong with it.</summary>
    public static ConnectionInfo Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KernelConfigurationException($"cannot read the connection file {path}: {e.Message}. Jupyter passes it as --connection-file {{connection_file}}; check the path.");
        }
        return Parse(text, path);
    }

    /// <summary>Parses a connection file's JSON; <paramref name="source"/> names it in error messages.</summary>
    public static ConnectionInfo Parse(string json, string source = "the connection file")
    {
        JsonObject o;
        try
        {
            o = JsonNode.Parse(json) as JsonObject ?? throw new KernelConfigurationException($"{source} is not a JSON object; a Jupyter connection file looks like {{\"transport\": \"tcp\", \"ip\": \"127.0.0.1\", \"shell_port\": …, \"key\": …}}.");
        }
        catch (JsonException e)
        {
            throw new KernelConfigurationException($"{source} is not valid JSON ({e.Message}); a Jupyter connection file looks like {{\"transport\": \"tcp\", \"ip\": \"127.0.0.1\", \"shell_port\": …, \"key\": …}}.");
        }
        var info = new ConnectionInfo
        {
            Transport = String(o, "transport", source, "tcp"),
            Ip = String(o, "ip", source, null),
            ShellPort = Port(o, "shell_port", source),
            IOPubPort = Port(o, "iopub_port", source),
            StdinPort = Port(o, "stdin_port", source),
            ControlPort = Port(o, "control_port", source),
            HeartbeatPort = Port(o, "hb_port", source),
            Key = String(o, "key", source, ""),
            SignatureScheme = String(o, "signature_scheme", source, "hmac-sha256"),
        };
        return info;
    }

    /// <summary>
    /// Checks that the kernel can serve this connection safely; throws <see cref="KernelConfigurationException"/> if not.
    /// A non-loopback address is refused unless <paramref name="allowRemote"/>: anyone who can reach the port and
    /// knows the key can run code as this user.
    /// </summary>
    public void Validate(bool allowRemote)
    {
        if (Transport != "tcp")
            throw new KernelConfigurationException($"transport \"{Transport}\" is not supported; this kernel listens on TCP only. Set \"transport\": \"tcp\" in the connection file (Jupyter's default).");
        if (SignatureScheme != "hmac-sha256")
            throw new KernelConfigurationException($"signature scheme \"{SignatureScheme}\" is not supported; use \"signature_scheme\": \"hmac-sha256\" (Jupyter's default).");
        if (Key.Length == 0)
            throw new KernelConfigurationException("the connection file has an empty \"key\", which would let any local process run code in this kernel without signing its messages. Let Jupyter generate a key (its default) or put a random one in the file.");
        if (!IsLoopback && !IPAddress.TryParse(Ip, out _))
            throw new KernelConfigurationException($"\"ip\": \"{Ip}\" is not an IP address; use 127.0.0.1 (this machine only).");
        if (!IsLoopback && !allowRemote)
            throw new KernelConfigurationException($"the connection file asks the kernel to listen on {Ip}, which other machines may reach; anyone who can reach it and has the key can run code as you. Use \"ip\": \"127.0.0.1\", or pass --allow-remote if you really mean it (and keep the key secret).");
    }

    /// <summary>The ZeroMQ endpoint for <paramref name="port"/> (<c>tcp://127.0.0.1:5555</c>; IPv6 in brackets).</summary>
    public string Endpoint(int port) => $"tcp://{BindAddress}:{port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The address part of an endpoint (no port).</summary>
    internal string BindAddress => Ip switch
    {
        "localhost" => "127.0.0.1",
        _ when Ip.Contains(':', StringComparison.Ordinal) => $"[{Ip}]",
        _ => Ip,
    };

    /// <summary>True for an IPv6 address (the socket needs IPv6 enabled).</summary>
    internal bool IsIPv6 => Ip.Contains(':', StringComparison.Ordinal);

    /// <summary>The connection file's JSON, for writing one (tests, tools).</summary>
    public JsonObject ToJson() => new()
    {
        ["transport"] = Transport,
        ["ip"] = Ip,
        ["shell_port"] = ShellPort,
        ["iopub_port"] = IOPubPort,
        ["stdin_port"] = StdinPort,
        ["control_port"] = ControlPort,
        ["hb_port"] = HeartbeatPort,
        ["key"] = Key,
        ["signature_scheme"] = SignatureScheme,
    };

    private static string String(JsonObject o, string name, string source, string? fallback)
    {
        var node = o[name];
        if (node is null)
            return fallback ?? throw new KernelConfigurationException($"{source} has no \"{name}\"; Jupyter's connection files always have it (for example \"{name}\": \"127.0.0.1\").");
        if (node is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        throw new KernelConfigurationException($"{source}: \"{name}\" must be a string, not {node.ToJsonString()}.");
    }

    private static int Port(JsonObject o, string name, string source)
    {
        var node = o[name] ?? throw new KernelConfigurationException($"{source} has no \"{name}\"; Jupyter's connection files name all five ports (shell_port, iopub_port, stdin_port, control_port, hb_port).");
        if (node is JsonValue v && v.TryGetValue<int>(out var p) && p is >= 0 and <= 65535) return p;
        throw new KernelConfigurationException($"{source}: \"{name}\" must be a port number from 0 to 65535, not {node.ToJsonString()}.");
    }
}

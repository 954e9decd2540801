using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NetMQ;

namespace Notebooks.Kernel;

/// <summary>
/// One Jupyter message (messaging protocol 5.3). On the wire it is the routing identities, the
/// delimiter <c>&lt;IDS|MSG&gt;</c>, the HMAC signature (hex), then four JSON frames (header,
/// parent header, metadata, content) and optional binary buffers.
/// </summary>
public sealed class JupyterMessage
{
    /// <summary>Protocol version this kernel speaks.</summary>
    public const string ProtocolVersion = "5.3";

    /// <summary>The frame between the routing identities and the signature.</summary>
    public const string Delimiter = "<IDS|MSG>";

    /// <summary>Routing identities (ZeroMQ ROUTER prefixes, or the iopub topic).</summary>
    public IReadOnlyList<byte[]> Identities { get; init; } = [];

    /// <summary>The header: msg_id, session, username, date, msg_type, version.</summary>
    public required JsonObject Header { get; init; }

    /// <summary>The header of the message this one answers, or empty.</summary>
    public JsonObject ParentHeader { get; init; } = [];

    /// <summary>Metadata (free-form).</summary>
    public JsonObject Metadata { get; init; } = [];

    /// <summary>The message's content.</summary>
    public JsonObject Content { get; init; } = [];

    /// <summary>Binary buffers after the content (unused by this kernel, kept when received).</summary>
    public IReadOnlyList<byte[]> Buffers { get; init; } = [];

    /// <summary>The header's msg_type.</summary>
    public string Type => Header["msg_type"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    /// <summary>The header's msg_id.</summary>
    public string Id => Header["msg_id"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    /// <summary>A new header for a message of <paramref name="type"/> from session <paramref name="session"/>.</summary>
    public static JsonObject NewHeader(string type, string session) => new()
    {
        ["msg_id"] = Guid.NewGuid().ToString("N"),
        ["session"] = session,
        ["username"] = "kernel",
        ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        ["msg_type"] = type,
        ["version"] = ProtocolVersion,
    };
}

/// <summary>Signs and checks messages with HMAC-SHA256 over the four JSON frames, as Jupyter does.</summary>
public sealed class MessageSigner(string key)
{
    private readonly byte[] key = Encoding.UTF8.GetBytes(key);

    /// <summary>The lowercase hex signature of the four frames.</summary>
    public string Sign(byte[] header, byte[] parent, byte[] metadata, byte[] content) =>
        Convert.ToHexStringLower(Mac(header, parent, metadata, content));

    /// <summary>
    /// True when <paramref name="signature"/> (hex) is the HMAC of the four frames. The comparison takes the same
    /// time wherever the first difference is, so a forger learns nothing from timing.
    /// </summary>
    public bool Verify(byte[] signature, byte[] header, byte[] parent, byte[] metadata, byte[] content)
    {
        if (signature.Length != 64) return false;
        byte[] claimed;
        try
        {
            claimed = Convert.FromHexString(Encoding.ASCII.GetString(signature));
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(claimed, Mac(header, parent, metadata, content));
    }

    private byte[] Mac(byte[] header, byte[] parent, byte[] metadata, byte[] content)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(header);
        hmac.AppendData(parent);
        hmac.AppendData(metadata);
        hmac.AppendData(content);
        return hmac.GetHashAndReset();
    }
}

/// <summary>
/// The signatures of the messages received lately, so that the same signed frames received a second time (a replay by
/// someone who saw the traffic, or a client that resends) are recognised and dropped, as jupyter_client's Session does
/// with its <c>digest_history</c>. Every genuine message has its own signature (its header carries a fresh msg_id and
/// date), so only a copy repeats one. Only signatures that verified are recorded, so nobody without the key can push
/// genuine ones out; once <see cref="Capacity"/> are held, the oldest is forgotten. Thread-safe.
/// </summary>
public sealed class SignatureHistory
{
    /// <summary>Signatures kept by default: 65 536, as jupyter_client keeps (about 5 MB when full).</summary>
    public const int DefaultCapacity = 1 << 16;

    private readonly HashSet<(UInt128, UInt128)> seen = [];
    private readonly Queue<(UInt128, UInt128)> order = new();
    private readonly Lock gate = new();

    /// <summary>A history that remembers the last <paramref name="capacity"/> signatures.</summary>
    public SignatureHistory(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>How many signatures are remembered at most.</summary>
    public int Capacity { get; }

    /// <summary>How many signatures are remembered now.</summary>
    public int Count { get { lock (gate) return seen.Count; } }

    /// <summary>
    /// Records <paramref name="mac"/> (the 32 bytes of an HMAC-SHA256, not its hex text: upper- and lower-case hex name
    /// the same signature); false when it was recorded before, that is, the message is a repeat.
    /// </summary>
    public bool TryAdd(ReadOnlySpan<byte> mac)
    {
        if (mac.Length != 32) throw new ArgumentException($"an HMAC-SHA256 has 32 bytes, not {mac.Length}", nameof(mac));
        var key = (MemoryMarshal.Read<UInt128>(mac[..16]), MemoryMarshal.Read<UInt128>(mac[16..]));
        lock (gate)
        {
            if (!seen.Add(key)) return false;
            order.Enqueue(key);
            if (order.Count > Capacity) seen.Remove(order.Dequeue());
            return true;
        }
    }
}

/// <summary>
/// Turns ZeroMQ multipart messages into <see cref="JupyterMessage"/>s and back. With a <see cref="SignatureHistory"/>,
/// a received message whose signature was seen before is refused as a replay.
/// </summary>
public sealed class MessageCodec(MessageSigner signer, SignatureHistory? history = null)
{
    private static readonly byte[] DelimiterBytes = Encoding.ASCII.GetBytes(JupyterMessage.Delimiter);

    /// <summary>Frames of a message, signed.</summary>
    public NetMQMessage Encode(JupyterMessage message)
    {
        var header = Json(message.Header);
        var parent = Json(message.ParentHeader);
        var metadata = Json(message.Metadata);
        var content = Json(message.Content);
        var m = new NetMQMessage();
        foreach (var id in message.Identities) m.Append(id);
        m.Append(DelimiterBytes);
        m.Append(Encoding.ASCII.GetBytes(signer.Sign(header, parent, metadata, content)));
        m.Append(header);
        m.Append(parent);
        m.Append(metadata);
        m.Append(content);
        foreach (var b in message.Buffers) m.Append(b);
        return m;
    }

    /// <summary>
    /// Reads and checks a received message. Returns null, with the reason in <paramref name="problem"/>, when
    /// it is malformed or its signature is missing or wrong: such a message must be dropped unanswered.
    /// </summary>
    public JupyterMessage? Decode(NetMQMessage frames, out string? problem)
    {
        problem = null;
        var all = frames.Select(f => f.ToByteArray()).ToList();
        var delimiter = all.FindIndex(f => f.AsSpan().SequenceEqual(DelimiterBytes));
        if (delimiter < 0)
        {
            problem = $"no {JupyterMessage.Delimiter} delimiter among its {all.Count} frames";
            return null;
        }
        if (all.Count < delimiter + 6)
        {
            problem = $"only {all.Count - delimiter - 1} frames after the delimiter (signature, header, parent header, metadata and content are required)";
            return null;
        }
        var signature = all[delimiter + 1];
        var header = all[delimiter + 2];
        var parent = all[delimiter + 3];
        var metadata = all[delimiter + 4];
        var content = all[delimiter + 5];
        if (signature.Length == 0)
        {
            problem = "it is not signed (empty signature)";
            return null;
        }
        if (!signer.Verify(signature, header, parent, metadata, content))
        {
            problem = "its HMAC-SHA256 signature does not match the connection file's key";
            return null;
        }
        if (history is not null && !history.TryAdd(Convert.FromHexString(Encoding.ASCII.GetString(signature))))
        {
            problem = "it repeats a message already received (the same signature): a replayed message is not handled twice";
            return null;
        }
        try
        {
            var h = Object(header, "header");
            if (h["msg_type"] is not JsonValue) throw new JsonException("the header has no msg_type");
            return new JupyterMessage
            {
                Identities = all[..delimiter],
                Header = h,
                ParentHeader = Object(parent, "parent header"),
                Metadata = Object(metadata, "metadata"),
                Content = Object(content, "content"),
                Buffers = all[(delimiter + 6)..],
            };
        }
        catch (JsonException e)
        {
            problem = $"signed but not valid: {e.Message}";
            return null;
        }
    }

    private static JsonObject Object(byte[] utf8, string what) =>
        JsonNode.Parse(utf8) as JsonObject ?? throw new JsonException($"the {what} is not a JSON object");

    private static byte[] Json(JsonObject o) => Encoding.UTF8.GetBytes(o.ToJsonString());
}

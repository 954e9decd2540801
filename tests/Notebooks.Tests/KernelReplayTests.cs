using System.Text.Json.Nodes;
using NetMQ;
using Notebooks.Kernel;

namespace Notebooks.Tests;

/// <summary>The same signed frames received twice are handled once: the kernel keeps a history of signatures.</summary>
[Collection(KernelCollection.Name)]
public class KernelReplayTests
{
    private static string S(JsonNode? n) => n?.GetValue<string>() ?? "";

    private static NetMQMessage Copy(NetMQMessage frames)
    {
        var copy = new NetMQMessage();
        foreach (var f in frames) copy.Append(f.ToByteArray());
        return copy;
    }

    private static int Replays(TestKernel k) =>
        k.Log.ToString().Split('\n').Count(l => l.Contains("it repeats a message already received", StringComparison.Ordinal));

    [Fact]
    public async Task Execute_request_frames_sent_twice_run_once_with_one_reply_and_the_replay_is_logged()
    {
        await using var k = new TestKernel();
        k.Client.Execute("var counter = 0;");
        var request = k.Client.NewMessage("execute_request", new JsonObject { ["code"] = "counter++;", ["silent"] = false, ["store_history"] = true });
        var frames = k.Client.Encode(request);
        k.Client.SendFrames("shell", Copy(frames));
        k.Client.SendFrames("shell", Copy(frames));

        var reply = k.Client.Reply("shell");
        Assert.Equal(request.Id, S(reply.ParentHeader["msg_id"]));
        Assert.Equal("ok", S(reply.Content["status"]));
        Assert.Single(k.Client.IOPubFor(request), m => m.Type == "execute_input");

        // The shell is served in order: had the copy run, its reply would come before this one, and counter would be 2.
        var (check, checkReply) = k.Client.Request("shell", "execute_request", new JsonObject { ["code"] = "counter", ["silent"] = false, ["store_history"] = true });
        Assert.Equal(check.Id, S(checkReply.ParentHeader["msg_id"]));
        Assert.Equal("1", S(k.Client.IOPubFor(check).Single(m => m.Type == "execute_result").Content["data"]!["text/plain"]));
        Assert.Null(k.Client.TryIOPub(m => S(m.ParentHeader["msg_id"]) == request.Id, TimeSpan.FromMilliseconds(300)));
        Assert.Equal(3, k.Kernel.ExecutionCount);
        Assert.Equal(1, Replays(k));

        // The same code in a new message (its own msg_id and date, so its own signature) is not a replay: it runs.
        k.Client.Execute("counter++;");
        var (_, again) = k.Client.Execute("counter");
        Assert.Equal("2", S(again.Single(m => m.Type == "execute_result").Content["data"]!["text/plain"]));
        Assert.Equal(1, Replays(k));
    }

    [Fact]
    public async Task A_replay_is_dropped_on_control_too_and_upper_case_hex_does_not_disguise_it()
    {
        await using var k = new TestKernel();
        var request = k.Client.NewMessage("kernel_info_request", []);
        var frames = k.Client.Encode(request);
        k.Client.SendFrames("control", Copy(frames));
        Assert.Equal(request.Id, S(k.Client.Reply("control").ParentHeader["msg_id"]));

        // The same signature written in upper case is the same HMAC: the kernel accepts it as valid hex, so it must
        // recognise it as the same message.
        var shouted = Copy(frames);
        var upper = new NetMQMessage();
        for (var i = 0; i < shouted.FrameCount; i++)
            upper.Append(i == 1 ? KernelTestClient.Utf8(shouted[i].ConvertToString().ToUpperInvariant()) : shouted[i].ToByteArray());
        k.Client.SendFrames("control", upper);
        k.Client.SendFrames("control", Copy(frames));
        Assert.Null(k.Client.TryReply("control", TimeSpan.FromMilliseconds(500)));
        Assert.Equal(2, Replays(k));

        var (fresh, reply) = k.Client.Request("control", "kernel_info_request", []);
        Assert.Equal(fresh.Id, S(reply.ParentHeader["msg_id"]));
    }

    [Fact]
    public void The_history_recognises_repeats_and_forgets_the_oldest_beyond_its_capacity()
    {
        static byte[] Mac(int n)
        {
            var mac = new byte[32];
            mac[0] = (byte)n;
            mac[31] = (byte)(n >> 8);
            return mac;
        }
        var history = new SignatureHistory(capacity: 3);
        Assert.True(history.TryAdd(Mac(1)));
        Assert.True(history.TryAdd(Mac(2)));
        Assert.False(history.TryAdd(Mac(1)));
        Assert.True(history.TryAdd(Mac(3)));
        Assert.True(history.TryAdd(Mac(4))); // the fourth pushes out the first
        Assert.Equal(3, history.Count);
        Assert.False(history.TryAdd(Mac(2)));
        Assert.False(history.TryAdd(Mac(4)));
        Assert.True(history.TryAdd(Mac(1)));
        Assert.Equal(3, history.Count);
        // Bytes that differ only in the last half are different signatures.
        Assert.True(history.TryAdd(Mac(1 + 256)));
        Assert.Throws<ArgumentException>(() => history.TryAdd(new byte[31]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SignatureHistory(0));
        Assert.Equal(65536, new SignatureHistory().Capacity);
    }
}

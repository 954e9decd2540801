using System.Text.Json.Nodes;
using NetMQ;
using Notebooks.Kernel;

namespace Notebooks.Tests;

/// <summary>The Jupyter kernel, driven in-process over real ZeroMQ sockets by a small client.</summary>
[Collection(KernelCollection.Name)]
public class KernelProtocolTests
{
    private static string S(JsonNode? n) => n?.GetValue<string>() ?? "";

    private static string ParentId(JupyterMessage m) => S(m.ParentHeader["msg_id"]);

    [Fact]
    public async Task Kernel_info_reply_describes_a_csharp_kernel_and_is_wrapped_in_busy_and_idle()
    {
        await using var k = new TestKernel();
        var (request, reply) = k.Client.Request("shell", "kernel_info_request", []);
        Assert.Equal("kernel_info_reply", reply.Type);
        Assert.Equal("ok", S(reply.Content["status"]));
        Assert.Equal("5.3", S(reply.Content["protocol_version"]));
        Assert.Equal(JupyterKernel.ImplementationName, S(reply.Content["implementation"]));
        Assert.Equal("C#", S(reply.Content["language_info"]!["name"]));
        Assert.Equal(".cs", S(reply.Content["language_info"]!["file_extension"]));
        Assert.Contains("C#", S(reply.Content["banner"]));
        Assert.Equal("5.3", S(reply.Header["version"]));

        var iopub = k.Client.IOPubFor(request);
        Assert.Equal(["busy", "idle"], iopub.Select(m => S(m.Content["execution_state"])));
        Assert.All(iopub, m => Assert.Equal("status", m.Type));
    }

    [Fact]
    public async Task Execute_publishes_input_streams_displays_and_result_in_order_with_the_request_as_parent()
    {
        await using var k = new TestKernel();
        var (request, reply) = k.Client.Request("shell", "execute_request", new JsonObject
        {
            ["code"] = "var answer = 6;\nConsole.WriteLine(\"out\");\ndisplay(\"shown\");\nConsole.Error.WriteLine(\"err\");\nanswer * 7",
            ["silent"] = false,
            ["store_history"] = true,
        });
        Assert.Equal("execute_reply", reply.Type);
        Assert.Equal("ok", S(reply.Content["status"]));
        Assert.Equal(1, reply.Content["execution_count"]!.GetValue<int>());

        var iopub = k.Client.IOPubFor(request);
        Assert.Equal(["status", "execute_input", "stream", "display_data", "stream", "execute_result", "status"], iopub.Select(m => m.Type));
        Assert.All(iopub, m => Assert.Equal(request.Id, ParentId(m)));
        Assert.Equal("busy", S(iopub[0].Content["execution_state"]));
        Assert.Equal(1, iopub[1].Content["execution_count"]!.GetValue<int>());
        Assert.StartsWith("var answer", S(iopub[1].Content["code"]));
        Assert.Equal(("stdout", "out\n"), (S(iopub[2].Content["name"]), S(iopub[2].Content["text"])));
        Assert.Equal("shown", S(iopub[3].Content["data"]!["text/plain"]));
        Assert.Equal(("stderr", "err\n"), (S(iopub[4].Content["name"]), S(iopub[4].Content["text"])));
        Assert.Equal("42", S(iopub[5].Content["data"]!["text/plain"]));
        Assert.Contains("42", S(iopub[5].Content["data"]!["text/html"]));
        Assert.Equal(1, iopub[5].Content["execution_count"]!.GetValue<int>());
        Assert.Equal("idle", S(iopub[6].Content["execution_state"]));

        // The next cell sees the first one's variable and gets the next execution count.
        var (second, more) = k.Client.Execute("answer + 1");
        Assert.Equal(2, second.Content["execution_count"]!.GetValue<int>());
        Assert.Equal("7", S(more.Single(m => m.Type == "execute_result").Content["data"]!["text/plain"]));
    }

    [Fact]
    public async Task A_throwing_cell_publishes_an_error_and_replies_error_with_name_value_and_traceback()
    {
        await using var k = new TestKernel();
        k.Client.Execute("var before = 1;");
        var (reply, iopub) = k.Client.Execute("Console.WriteLine(\"first\");\nthrow new InvalidOperationException(\"boom\");");
        Assert.Equal("error", S(reply.Content["status"]));
        Assert.Equal(2, reply.Content["execution_count"]!.GetValue<int>());
        Assert.Equal("InvalidOperationException", S(reply.Content["ename"]));
        Assert.Equal("boom", S(reply.Content["evalue"]));
        Assert.StartsWith("cell 2, line 2: System.InvalidOperationException: boom", S(reply.Content["traceback"]![0]));

        Assert.Equal(["status", "execute_input", "stream", "error", "status"], iopub.Select(m => m.Type));
        var error = iopub[3].Content;
        Assert.Equal("InvalidOperationException", S(error["ename"]));
        Assert.Equal(reply.Content["traceback"]!.ToJsonString(), error["traceback"]!.ToJsonString());

        var (compile, _) = k.Client.Execute("var x = notDefinedAnywhere;");
        Assert.Equal("CompilationError", S(compile.Content["ename"]));
        Assert.Contains("CS0103", S(compile.Content["evalue"]));
        var (after, _) = k.Client.Execute("before + 1");
        Assert.Equal("ok", S(after.Content["status"]));
    }

    [Fact]
    public async Task A_message_with_a_wrong_signature_is_dropped_unanswered_and_logged_and_the_kernel_goes_on()
    {
        await using var k = new TestKernel();
        var forged = k.Client.NewMessage("kernel_info_request", []);
        var frames = k.Client.Encode(forged);
        var tampered = new NetMQMessage();
        for (var i = 0; i < frames.FrameCount; i++)
            tampered.Append(i == 1 ? KernelTestClient.Utf8(new string('0', 64)) : frames[i].ToByteArray());
        k.Client.SendFrames("shell", tampered);

        // Also a correctly signed header with tampered content: the signature covers all four frames.
        var altered = new NetMQMessage();
        var original = k.Client.Encode(k.Client.NewMessage("execute_request", new JsonObject { ["code"] = "1" }));
        for (var i = 0; i < original.FrameCount; i++)
            altered.Append(i == 5 ? KernelTestClient.Utf8("{\"code\":\"System.IO.File.Delete(\\\"x\\\")\"}") : original[i].ToByteArray());
        k.Client.SendFrames("shell", altered);

        // The shell is served in order, so if either had been answered its reply would come first.
        var (good, reply) = k.Client.Request("shell", "kernel_info_request", []);
        Assert.Equal(good.Id, ParentId(reply));
        Assert.Null(k.Client.TryIOPub(m => ParentId(m) == forged.Id, TimeSpan.FromMilliseconds(500)));
        Assert.Equal(2, k.Log.ToString().Split('\n').Count(l => l.Contains("HMAC-SHA256 signature does not match", StringComparison.Ordinal)));
        Assert.Equal(0, k.Kernel.ExecutionCount);
    }

    [Fact]
    public async Task An_unsigned_message_is_dropped_and_logged_on_shell_and_control()
    {
        await using var k = new TestKernel();
        foreach (var channel in new[] { "shell", "control" })
        {
            var frames = k.Client.Encode(k.Client.NewMessage("shutdown_request", new JsonObject { ["restart"] = false }));
            var unsigned = new NetMQMessage();
            for (var i = 0; i < frames.FrameCount; i++) unsigned.Append(i == 1 ? [] : frames[i].ToByteArray());
            k.Client.SendFrames(channel, unsigned);
            var (good, reply) = k.Client.Request(channel, "kernel_info_request", []);
            Assert.Equal("kernel_info_reply", reply.Type);
        }
        Assert.False(k.Kernel.Completion.IsCompleted); // the unsigned shutdown requests did nothing
        Assert.Equal(2, k.Log.ToString().Split('\n').Count(l => l.Contains("not signed", StringComparison.Ordinal)));
        // Frames without the delimiter are dropped too.
        k.Client.SendFrames("shell", new NetMQMessage([new NetMQFrame("hello")]));
        Assert.Equal("kernel_info_reply", k.Client.Request("shell", "kernel_info_request", []).Reply.Type);
        Assert.Contains("no <IDS|MSG> delimiter", k.Log.ToString());
    }

    [Fact]
    public async Task Interrupt_stops_an_endless_cell_with_an_error_reply_and_the_next_cell_runs()
    {
        await using var k = new TestKernel();
        k.Client.Execute("var kept = 5;\nvar spins = new long[1];");
        var endless = k.Client.Send("shell", "execute_request", new JsonObject { ["code"] = "Console.WriteLine(\"spinning\");\nwhile (true) { spins[0]++; }", ["store_history"] = true });
        Assert.NotNull(k.Client.TryIOPub(m => ParentId(m) == endless.Id && m.Type == "execute_input", KernelTestClient.Patience));
        // The cell's own output proves it is inside the loop (a fixed pause did not on a loaded machine: the interrupt
        // could land before the cell printed).
        var spinning = k.Client.TryIOPub(m => ParentId(m) == endless.Id && m.Type == "stream", KernelTestClient.Patience);
        Assert.Equal("spinning\n", KernelTestClient.Text(spinning!.Content["text"]));
        Assert.Null(k.Client.TryReply("shell", TimeSpan.FromMilliseconds(300))); // still running

        var (_, interruptReply) = k.Client.Request("control", "interrupt_request", []);
        Assert.Equal("interrupt_reply", interruptReply.Type);
        Assert.Equal("ok", S(interruptReply.Content["status"]));

        var reply = k.Client.Reply("shell");
        Assert.Equal(endless.Id, ParentId(reply));
        Assert.Equal("error", S(reply.Content["status"]));
        Assert.Equal(nameof(OperationCanceledException), S(reply.Content["ename"]));
        var iopub = k.Client.IOPubFor(endless); // execute_input and the stream were taken above
        Assert.Equal(["status", "error", "status"], iopub.Select(m => m.Type));

        var (next, outputs) = k.Client.Execute("kept * 2");
        Assert.Equal("ok", S(next.Content["status"]));
        Assert.Equal("10", S(outputs.Single(m => m.Type == "execute_result").Content["data"]!["text/plain"]));
        // The abandoned loop stopped at its next check: its counter moves at most once more (an iteration already past it).
        long Spins() => long.Parse(S(k.Client.Execute("spins[0]").IOPub.Single(m => m.Type == "execute_result").Content["data"]!["text/plain"]), System.Globalization.CultureInfo.InvariantCulture);
        var first = Spins();
        Thread.Sleep(300);
        Assert.InRange(Spins() - first, 0, 1);
    }

    [Fact]
    public async Task Outputs_are_published_while_the_cell_runs_and_never_twice()
    {
        await using var k = new TestKernel();
        var flag = Path.Combine(Path.GetTempPath(), $"kernel-live-{Guid.NewGuid():N}");
        try
        {
            // The cell cannot finish before the test creates the flag file, so whatever arrives before that was sent live.
            var code = $"Console.WriteLine(\"first\");\ndisplay(\"shown\");\nConsole.Write(\"step 1 of 2…\");\n" +
                       $"while (!File.Exists(@\"{flag}\")) System.Threading.Thread.Sleep(10);\nConsole.WriteLine(\" done\");\n42";
            var request = k.Client.Send("shell", "execute_request", new JsonObject { ["code"] = code, ["store_history"] = true });
            JupyterMessage Next(string type) => k.Client.TryIOPub(m => ParentId(m) == request.Id && m.Type == type, KernelTestClient.Patience)
                ?? throw new TimeoutException($"no {type} while the cell was running");
            Assert.Equal("first\n", KernelTestClient.Text(Next("stream").Content["text"]));
            Assert.Equal("shown", S(Next("display_data").Content["data"]!["text/plain"]));
            Assert.Equal("step 1 of 2…", KernelTestClient.Text(Next("stream").Content["text"])); // a partial line, after a short wait
            Assert.Null(k.Client.TryReply("shell", TimeSpan.FromMilliseconds(100))); // still running
            File.WriteAllText(flag, "");

            var reply = k.Client.Reply("shell");
            Assert.Equal("ok", S(reply.Content["status"]));
            var rest = k.Client.IOPubFor(request);
            // What was sent live is not sent again at the end: only the last line and the result are left.
            Assert.Equal(["status", "execute_input", "stream", "execute_result", "status"], rest.Select(m => m.Type));
            Assert.Equal(" done\n", KernelTestClient.Text(rest.Single(m => m.Type == "stream").Content["text"]));
            Assert.Equal("42", S(rest.Single(m => m.Type == "execute_result").Content["data"]!["text/plain"]));
        }
        finally
        {
            File.Delete(flag);
        }
    }

    [Fact]
    public async Task Console_ReadLine_asks_the_client_when_it_allows_stdin_and_reads_end_of_input_otherwise()
    {
        await using var k = new TestKernel();
        var code = "Console.Write(\"Your name: \");\nvar name = Console.ReadLine();\nConsole.WriteLine($\"Hello, {name}!\");\nname.Length";
        var request = k.Client.Send("shell", "execute_request", new JsonObject { ["code"] = code, ["store_history"] = true, ["allow_stdin"] = true });
        var ask = k.Client.Reply("stdin");
        Assert.Equal("input_request", ask.Type);
        Assert.Equal(request.Id, ParentId(ask));
        Assert.False(ask.Content["password"]!.GetValue<bool>());
        // The prompt the cell wrote is published before the kernel asks, so the client shows it above the input box.
        Assert.Equal("Your name: ", KernelTestClient.Text(k.Client.TryIOPub(m => ParentId(m) == request.Id && m.Type == "stream", KernelTestClient.Patience)!.Content["text"]));
        k.Client.AnswerInput(ask, "Ada", withParent: false); // as jupyter_client answers

        var reply = k.Client.Reply("shell");
        Assert.Equal("ok", S(reply.Content["status"]));
        var iopub = k.Client.IOPubFor(request);
        Assert.Equal("Hello, Ada!\n", KernelTestClient.Text(iopub.Single(m => m.Type == "stream").Content["text"]));
        Assert.Equal("3", S(iopub.Single(m => m.Type == "execute_result").Content["data"]!["text/plain"]));

        // A client that does not allow stdin (nbconvert) gets end of input at once.
        var (_, outputs) = k.Client.Execute("Console.ReadLine() is null");
        Assert.Equal("True", S(outputs.Single(m => m.Type == "execute_result").Content["data"]!["text/plain"]));
    }

    [Fact]
    public async Task A_cell_waiting_for_input_can_be_interrupted_and_the_next_question_is_answered()
    {
        await using var k = new TestKernel();
        var waiting = k.Client.Send("shell", "execute_request", new JsonObject { ["code"] = "Console.ReadLine()", ["store_history"] = true, ["allow_stdin"] = true });
        var firstAsk = k.Client.Reply("stdin");
        Assert.Equal(waiting.Id, ParentId(firstAsk));
        Assert.Equal("ok", S(k.Client.Request("control", "interrupt_request", []).Reply.Content["status"]));
        var interrupted = k.Client.Reply("shell");
        Assert.Equal("error", S(interrupted.Content["status"]));
        Assert.Equal(nameof(OperationCanceledException), S(interrupted.Content["ename"]));

        // A late answer to the abandoned question must not be taken as the answer to the next one.
        k.Client.AnswerInput(firstAsk, "too late");
        var next = k.Client.Send("shell", "execute_request", new JsonObject { ["code"] = "Console.ReadLine()", ["store_history"] = true, ["allow_stdin"] = true });
        // This wait has timed out twice in CI on a loaded machine; the kernel's log says what it was doing.
        var secondAsk = k.Client.TryReply("stdin", KernelTestClient.Patience)
            ?? throw new TimeoutException($"no input_request for the second cell; kernel log:\n{k.Log}");
        Assert.Equal(next.Id, ParentId(secondAsk));
        k.Client.AnswerInput(secondAsk, "in time");
        Assert.Equal("ok", S(k.Client.Reply("shell").Content["status"]));
        Assert.Equal("in time", S(k.Client.IOPubFor(next).Single(m => m.Type == "execute_result").Content["data"]!["text/plain"]));
    }

    [Fact]
    public async Task Completion_offers_members_after_a_dot_and_variables_from_earlier_cells()
    {
        await using var k = new TestKernel();
        var (_, members) = k.Client.Request("shell", "complete_request", new JsonObject { ["code"] = "\"abc\".", ["cursor_pos"] = 6 });
        var matches = members.Content["matches"]!.AsArray().Select(S).ToList();
        Assert.Contains("Length", matches);
        Assert.Contains("ToUpperInvariant", matches);
        Assert.Contains("Select", matches); // an extension method (System.Linq is imported)
        Assert.DoesNotContain("IsNullOrEmpty", matches); // static: not offered on an instance
        Assert.DoesNotContain("Format", matches);
        Assert.Equal(6, members.Content["cursor_start"]!.GetValue<int>());
        Assert.Equal(6, members.Content["cursor_end"]!.GetValue<int>());

        k.Client.Execute("var learningRate = 0.1;\nint Twice(int x) => 2 * x;");
        var (_, names) = k.Client.Request("shell", "complete_request", new JsonObject { ["code"] = "var y = learn", ["cursor_pos"] = 13 });
        Assert.Contains("learningRate", names.Content["matches"]!.AsArray().Select(S));
        Assert.Equal(8, names.Content["cursor_start"]!.GetValue<int>());
        var types = names.Content["metadata"]!["_jupyter_types_experimental"]!.AsArray();
        Assert.Equal("variable", S(types.First(t => S(t!["text"]) == "learningRate")!["type"]));

        var (_, statics) = k.Client.Request("shell", "complete_request", new JsonObject { ["code"] = "Math.Ma", ["cursor_pos"] = 7 });
        Assert.Equal(["Max", "MaxMagnitude"], statics.Content["matches"]!.AsArray().Select(S));
        Assert.Equal(5, statics.Content["cursor_start"]!.GetValue<int>());

        List<string> Matches(string code) => k.Client.Request("shell", "complete_request", new JsonObject { ["code"] = code, ["cursor_pos"] = code.Length })
            .Reply.Content["matches"]!.AsArray().Select(S).ToList();
        Assert.Contains("Generic", Matches("using System.Collections.Gen"));
        Assert.Contains("Length", Matches("string? maybe = null;\nvar n = maybe?.Len"));
        Assert.Empty(Matches("var s = \"Math.Ma")); // inside a string literal
        Assert.Empty(Matches("// learn"));

        // Cursor counts code points: an emoji before the cursor is one position, not two UTF-16 units.
        var (_, emoji) = k.Client.Request("shell", "complete_request", new JsonObject { ["code"] = "var s = \"😀\"; Twi", ["cursor_pos"] = 16 });
        Assert.Contains("Twice", emoji.Content["matches"]!.AsArray().Select(S));
        Assert.Equal(13, emoji.Content["cursor_start"]!.GetValue<int>());
    }

    [Fact]
    public async Task Inspect_shows_the_signature_and_documentation_and_is_complete_judges_open_blocks()
    {
        await using var k = new TestKernel();
        var (_, inspect) = k.Client.Request("shell", "inspect_request", new JsonObject { ["code"] = "Math.Sqrt(2)", ["cursor_pos"] = 7, ["detail_level"] = 0 });
        Assert.True(inspect.Content["found"]!.GetValue<bool>());
        var text = S(inspect.Content["data"]!["text/plain"]);
        Assert.Contains("double Math.Sqrt(double d)", text);
        Assert.Contains("square root", text); // the summary from the SDK's reference documentation

        k.Client.Execute("/// <summary>Doubles a number.</summary>\nint Twice(int x) => 2 * x;\nvar factor = 3;");
        var (_, own) = k.Client.Request("shell", "inspect_request", new JsonObject { ["code"] = "Twice(", ["cursor_pos"] = 6 });
        Assert.Equal("int Twice(int x)\n\nDoubles a number.", S(own.Content["data"]!["text/plain"])); // in the call's parentheses: the method
        var (_, variable) = k.Client.Request("shell", "inspect_request", new JsonObject { ["code"] = "Twice(factor)", ["cursor_pos"] = 8 });
        Assert.Equal("(variable) int factor", S(variable.Content["data"]!["text/plain"]));

        var (_, nothing) = k.Client.Request("shell", "inspect_request", new JsonObject { ["code"] = "1 + 2", ["cursor_pos"] = 2 });
        Assert.False(nothing.Content["found"]!.GetValue<bool>());

        var (_, open) = k.Client.Request("shell", "is_complete_request", new JsonObject { ["code"] = "for (var i = 0; i < 3; i++) {" });
        Assert.Equal("incomplete", S(open.Content["status"]));
        Assert.Equal("    ", S(open.Content["indent"]));
        var (_, done) = k.Client.Request("shell", "is_complete_request", new JsonObject { ["code"] = "var x = 1;" });
        Assert.Equal("complete", S(done.Content["status"]));
        var (_, comms) = k.Client.Request("shell", "comm_info_request", []);
        Assert.Empty(comms.Content["comms"]!.AsObject());
    }

    [Fact]
    public async Task Shutdown_replies_and_the_kernel_stops_and_heartbeat_echoes_until_then()
    {
        await using var k = new TestKernel();
        Assert.Equal("ping"u8.ToArray(), k.Client.Ping("ping"u8.ToArray(), KernelTestClient.Patience));
        var (_, reply) = k.Client.Request("control", "shutdown_request", new JsonObject { ["restart"] = false });
        Assert.Equal("shutdown_reply", reply.Type);
        Assert.Equal("ok", S(reply.Content["status"]));
        Assert.False(reply.Content["restart"]!.GetValue<bool>());
        await k.Kernel.Completion.WaitAsync(KernelTestClient.Patience);
    }

    [Fact]
    public void A_connection_file_with_a_non_loopback_ip_is_refused_unless_remote_is_allowed()
    {
        var remote = new ConnectionInfo { Ip = "0.0.0.0", Key = "k" };
        var e = Assert.Throws<KernelConfigurationException>(() => new JupyterKernel(remote));
        Assert.Contains("--allow-remote", e.Message);
        Assert.Contains("0.0.0.0", e.Message);
        using var allowed = new JupyterKernel(remote, new KernelOptions { AllowRemote = true }); // accepted (not started)

        Assert.Contains("empty \"key\"", Assert.Throws<KernelConfigurationException>(() => new JupyterKernel(new ConnectionInfo { Key = "" })).Message);
        Assert.Contains("ipc", Assert.Throws<KernelConfigurationException>(() => new JupyterKernel(new ConnectionInfo { Transport = "ipc", Key = "k" })).Message);
        foreach (var local in new[] { "127.0.0.1", "localhost", "::1" })
            using (new JupyterKernel(new ConnectionInfo { Ip = local, Key = "k" })) { }
    }

    [Fact]
    public async Task The_kernel_command_refuses_a_remote_connection_file_with_a_clear_error()
    {
        var dir = TestNotebooks.TempDir("conn");
        var file = Path.Combine(dir, "kernel-1.json");
        File.WriteAllText(file, new ConnectionInfo { Ip = "192.168.1.20", Key = "secret", ShellPort = 50001, IOPubPort = 50002, StdinPort = 50003, ControlPort = 50004, HeartbeatPort = 50005 }.ToJson().ToJsonString());
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(2, await KernelCommand.RunKernelAsync(["--connection-file", file], stdout, stderr));
        Assert.Contains("192.168.1.20", stderr.ToString());
        Assert.Contains("--allow-remote", stderr.ToString());

        File.WriteAllText(file, "{\"ip\": \"127.0.0.1\"}");
        Assert.Equal(2, await KernelCommand.RunKernelAsync(["--connection-file", file], stdout, stderr));
        Assert.Contains("has no \"shell_port\"", stderr.ToString());
        Assert.Equal(2, await KernelCommand.RunKernelAsync([], stdout, stderr));
        Assert.Contains("needs --connection-file", stderr.ToString());
    }
}

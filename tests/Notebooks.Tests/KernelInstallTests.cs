using System.Diagnostics;
using System.Text.Json.Nodes;
using Notebooks.Kernel;

namespace Notebooks.Tests;

/// <summary><c>install-kernel</c>, and the installed kernel driven by Debian's real <c>jupyter nbconvert --execute</c>.</summary>
[Collection(KernelCollection.Name)]
public class KernelInstallTests
{
    private static readonly string Engine = typeof(JupyterKernel).Assembly.Location;

    private static JsonObject Spec(string dir) => JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "kernel.json")))!.AsObject();

    private static (int Code, string Out, string Err) Install(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = KernelCommand.Install(args, o, e, Engine);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Install_writes_a_kernelspec_named_net_csharp_into_JUPYTER_DATA_DIR()
    {
        var data = TestNotebooks.TempDir("jdata");
        var before = Environment.GetEnvironmentVariable("JUPYTER_DATA_DIR");
        Environment.SetEnvironmentVariable("JUPYTER_DATA_DIR", data);
        try
        {
            var (code, stdout, stderr) = Install();
            Assert.True(code == 0, stderr);
            var dir = Path.Combine(data, "kernels", ".net-csharp");
            Assert.Contains(dir, stdout);
            var spec = Spec(dir);
            Assert.Equal(["dotnet", Path.GetFullPath(Engine), "kernel", "--connection-file", "{connection_file}"], spec["argv"]!.AsArray().Select(a => a!.GetValue<string>()));
            Assert.Equal(".NET (C#)", spec["display_name"]!.GetValue<string>());
            Assert.Equal("C#", spec["language"]!.GetValue<string>());
            Assert.Equal("message", spec["interrupt_mode"]!.GetValue<string>());
            Assert.True(KernelInstaller.IsOurs(dir));
            Assert.Equal(["kernel.json"], Directory.GetFiles(dir).Select(Path.GetFileName));
            Assert.Equal(["kernels"], Directory.GetFileSystemEntries(data).Select(Path.GetFileName)); // no staging folder left behind

            // Installing again updates our own kernelspec in place, keeping files a user added.
            File.WriteAllText(Path.Combine(dir, "logo-64x64.png"), "user's logo");
            var (again, updated, _) = Install("--user");
            Assert.Equal(0, again);
            Assert.StartsWith("updated", updated);
            Assert.Equal("user's logo", File.ReadAllText(Path.Combine(dir, "logo-64x64.png")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("JUPYTER_DATA_DIR", before);
        }
    }

    [Fact]
    public void Install_refuses_to_replace_a_foreign_kernel_without_force_and_keeps_a_backup_with_force()
    {
        var prefix = TestNotebooks.TempDir("jprefix");
        var kernels = Path.Combine(prefix, "share", "jupyter", "kernels");
        var legacy = Path.Combine(kernels, ".net-csharp");
        Directory.CreateDirectory(legacy);
        const string legacySpec = """{"argv": ["dotnet", "interactive", "jupyter", "--default-kernel", "csharp", "{connection_file}"], "display_name": ".NET (C#)", "language": "C#"}""";
        File.WriteAllText(Path.Combine(legacy, "kernel.json"), legacySpec);

        var (code, _, stderr) = Install("--prefix", prefix);
        Assert.Equal(2, code);
        Assert.Contains("already installed", stderr);
        Assert.Contains("--force", stderr);
        Assert.Contains("--name", stderr);
        Assert.Equal(legacySpec, File.ReadAllText(Path.Combine(legacy, "kernel.json")));

        var (named, namedOut, namedErr) = Install("--prefix", prefix, "--name", "csharp-tutorial");
        Assert.True(named == 0, namedErr);
        Assert.Contains("csharp-tutorial", namedOut);
        Assert.Equal(".NET (C#, csharp-tutorial)", Spec(Path.Combine(kernels, "csharp-tutorial"))["display_name"]!.GetValue<string>());
        Assert.Equal(legacySpec, File.ReadAllText(Path.Combine(legacy, "kernel.json")));

        var (forced, forcedOut, _) = Install("--prefix", prefix, "--force");
        Assert.Equal(0, forced);
        Assert.True(KernelInstaller.IsOurs(legacy));
        var backup = Directory.GetDirectories(Path.Combine(prefix, "share", "jupyter", "kernel-backups")).Single();
        Assert.Equal(legacySpec, File.ReadAllText(Path.Combine(backup, "kernel.json")));
        Assert.Contains(backup, forcedOut);

        Assert.Equal(2, Install("--prefix", prefix, "--name", "../escape").Code);
        Assert.Equal(2, Install("--prefix", prefix, "--user").Code);
        Assert.Equal(2, Install("--bogus").Code);
    }

    [Fact]
    public async Task Real_jupyter_nbconvert_executes_a_notebook_with_the_installed_kernel()
    {
        var root = TestNotebooks.TempDir("jreal");
        var env = new Dictionary<string, string>();
        foreach (var (name, sub) in new[] { ("JUPYTER_PATH", "data"), ("JUPYTER_DATA_DIR", "data"), ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTER_CONFIG_DIR", "config"), ("IPYTHONDIR", "ipython") })
        {
            env[name] = Path.Combine(root, sub);
            Directory.CreateDirectory(env[name]);
        }
        KernelInstaller.Install(Path.Combine(env["JUPYTER_DATA_DIR"], "kernels"), KernelInstaller.DefaultName, force: false, Engine);
        var nb = TestSupport.NotebookFiles.Write(root, "tiny.ipynb",
            TestSupport.NotebookFiles.Markdown("# Tiny"),
            TestSupport.NotebookFiles.Code("var greeting = \"hello from C#\";\nConsole.WriteLine(greeting);\ndisplay(greeting.Length);", "csharp"),
            TestSupport.NotebookFiles.Code("Enumerable.Range(1, 4).Sum() * 2", "csharp"));
        var outDir = Path.Combine(root, "out");

        var psi = new ProcessStartInfo("/usr/bin/jupyter") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var a in new[] { "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=300", "--output-dir", outDir, nb }) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        Assert.True(p.ExitCode == 0, $"nbconvert failed ({p.ExitCode}):\n{stdout}\n{await stderr}");

        var executed = TestNotebooks.Read(Path.Combine(outDir, "tiny.ipynb"));
        var cells = executed["cells"]!.AsArray().Where(c => c!["cell_type"]!.GetValue<string>() == "code").ToList();
        Assert.Equal([1, 2], cells.Select(c => c!["execution_count"]!.GetValue<int>()));
        var first = cells[0]!["outputs"]!.AsArray();
        Assert.Equal(["stream", "display_data"], first.Select(o => o!["output_type"]!.GetValue<string>()));
        Assert.Equal("hello from C#\n", KernelTestClient.Text(first[0]!["text"]));
        Assert.Equal("13", KernelTestClient.Text(first[1]!["data"]!["text/plain"]));
        var result = cells[1]!["outputs"]!.AsArray().Single()!;
        Assert.Equal("execute_result", result["output_type"]!.GetValue<string>());
        Assert.Equal("20", KernelTestClient.Text(result["data"]!["text/plain"]));
        Assert.Equal(".net-csharp", executed["metadata"]!["kernelspec"]!["name"]!.GetValue<string>());
    }
}

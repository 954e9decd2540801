using static Notebooks.Tests.TestNotebooks;
using static TestSupport.NotebookFiles;

namespace Notebooks.Tests;

/// <summary>
/// Bad options and dangerous output folders are refused before any cell runs (exit code 2, one line), and no route,
/// symbolic links included, writes over a source notebook or a file the runner did not write.
/// </summary>
public class RunnerSafetyTests
{
    private static async Task<(int Code, string Out, string Err)> Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = await Notebooks.Cli.MainAsync(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>Runs the command line and checks that every file under <paramref name="dir"/> that existed is byte-identical afterwards.</summary>
    private static async Task<(int Code, string Out, string Err)> CliKeepingFiles(string dir, params string[] args)
    {
        var before = Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => new FileInfo(f).LinkTarget is null)
            .ToDictionary(f => f, File.ReadAllBytes);
        var result = await Cli(args);
        foreach (var (path, bytes) in before)
            Assert.True(File.Exists(path) && bytes.AsSpan().SequenceEqual(File.ReadAllBytes(path)), $"{path} changed or vanished");
        return result;
    }

    private static void AssertRefused((int Code, string Out, string Err) r, string expected)
    {
        Assert.Equal(2, r.Code);
        Assert.Equal("", r.Out); // nothing ran
        var line = Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1e300")]
    [InlineData("ten")]
    public async Task A_bad_cell_timeout_is_refused_with_one_line(string value)
    {
        var dir = TempDir("timeout");
        var src = Write(dir, "n.ipynb", Code("1"));
        AssertRefused(await CliKeepingFiles(dir, src, "--cell-timeout", value, "--out", Path.Combine(dir, "out")), "--cell-timeout needs a number of seconds");
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("0")]
    public async Task The_kernel_refuses_a_bad_cell_timeout_the_same_way(string value)
    {
        var e = new StringWriter();
        int code = await global::Notebooks.Kernel.KernelCommand.RunKernelAsync(["-f", "missing.json", "--cell-timeout", value, "--no-parent-watch"], new StringWriter(), e);
        Assert.Equal(2, code);
        Assert.Contains("--cell-timeout needs a number of seconds", e.ToString());
    }

    [Fact]
    public async Task Options_given_twice_or_without_their_value_are_refused()
    {
        var dir = TempDir("twice");
        var src = Write(dir, "n.ipynb", Code("1"));
        AssertRefused(await CliKeepingFiles(dir, src, "--out", Path.Combine(dir, "a"), "--out", Path.Combine(dir, "b")), "--out is given twice");
        AssertRefused(await CliKeepingFiles(dir, src, "--cell-timeout", "5", "--cell-timeout", "6"), "--cell-timeout is given twice");
        AssertRefused(await CliKeepingFiles(dir, src, "--out", "--times"), "--out needs a folder");
        AssertRefused(await CliKeepingFiles(dir, src, "--out", ""), "--out needs a folder");
    }

    [Fact]
    public async Task An_out_folder_that_is_an_existing_file_is_refused_before_running()
    {
        var dir = TempDir("outfile");
        var src = Write(dir, "n.ipynb", Code("Console.WriteLine(\"ran\");"));
        var file = Path.Combine(dir, "not-a-folder.txt");
        File.WriteAllText(file, "the user's text");
        AssertRefused(await CliKeepingFiles(dir, src, "--out", file), "is a file");
    }

    [Fact]
    public async Task An_out_folder_that_is_a_symlink_to_the_notebooks_folder_is_refused()
    {
        var dir = TempDir("symlink");
        var notebooks = Directory.CreateDirectory(Path.Combine(dir, "notebooks")).FullName;
        var src = Write(notebooks, "n.ipynb", Code("1"));
        var link = Path.Combine(dir, "looks-elsewhere");
        Directory.CreateSymbolicLink(link, notebooks);
        AssertRefused(await CliKeepingFiles(dir, src, "--out", link), "would be written over the notebook itself");
        // A folder reached through a symlinked parent is caught the same way.
        var parentLink = Path.Combine(dir, "up");
        Directory.CreateSymbolicLink(parentLink, dir);
        AssertRefused(await CliKeepingFiles(dir, src, "--out", Path.Combine(parentLink, "notebooks")), "would be written over the notebook itself");
        // And so is the same folder named by a relative path with "..".
        AssertRefused(await CliKeepingFiles(dir, src, "--out", Path.Combine(notebooks, "..", "notebooks")), "would be written over the notebook itself");
    }

    [Fact]
    public async Task A_symlink_in_the_out_folder_with_an_executed_copys_name_is_not_written_through()
    {
        var dir = TempDir("plant");
        var notebooks = Directory.CreateDirectory(Path.Combine(dir, "notebooks")).FullName;
        var src = Write(notebooks, "n.ipynb", Code("1"));
        var outDir = Directory.CreateDirectory(Path.Combine(dir, "out")).FullName;
        File.CreateSymbolicLink(Path.Combine(outDir, "n.ipynb"), src);
        AssertRefused(await CliKeepingFiles(dir, src, "--out", outDir), "would be written over the notebook itself");
        var other = Path.Combine(dir, "elsewhere.txt");
        File.WriteAllText(other, "keep me");
        var outDir2 = Directory.CreateDirectory(Path.Combine(dir, "out2")).FullName;
        File.CreateSymbolicLink(Path.Combine(outDir2, "n.ipynb"), other);
        AssertRefused(await CliKeepingFiles(dir, src, "--out", outDir2), "is a symbolic link");
    }

    [Fact]
    public async Task A_users_file_with_an_executed_copys_name_is_left_alone_and_the_runners_own_copy_is_replaced()
    {
        var dir = TempDir("userfile");
        var src = Write(Directory.CreateDirectory(Path.Combine(dir, "nb")).FullName, "n.ipynb", Code("40 + 2"));
        var outDir = Directory.CreateDirectory(Path.Combine(dir, "out")).FullName;
        File.WriteAllText(Path.Combine(outDir, "n.ipynb"), "my own notes");
        AssertRefused(await CliKeepingFiles(dir, src, "--out", outDir), "exists and was not written by this runner");

        var fresh = Path.Combine(dir, "fresh");
        Assert.Equal(0, (await Cli(src, "--out", fresh)).Code);
        Assert.Contains("n.ipynb", File.ReadAllText(Path.Combine(fresh, OutputFolder.Manifest)));
        // The runner's own copy is replaced on the next run.
        File.SetLastWriteTimeUtc(Path.Combine(fresh, "n.ipynb"), new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(0, (await Cli(src, "--out", fresh)).Code);
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(fresh, "n.ipynb")).Year > 2000);
    }

    [Fact]
    public async Task Two_notebooks_with_the_same_file_name_are_refused_and_the_same_notebook_twice_runs_once()
    {
        var dir = TempDir("samename");
        var a = Write(Directory.CreateDirectory(Path.Combine(dir, "a")).FullName, "x.ipynb", Code("1"));
        var b = Write(Directory.CreateDirectory(Path.Combine(dir, "b")).FullName, "x.ipynb", Code("2"));
        AssertRefused(await CliKeepingFiles(dir, a, b, "--out", Path.Combine(dir, "out")), "have the same file name");
        var twice = await CliKeepingFiles(dir, a, Path.Combine(dir, "a"), "--out", Path.Combine(dir, "out"));
        Assert.Equal(0, twice.Code);
        Assert.Contains("total: 1 notebooks", twice.Out);
    }

    [Fact]
    public async Task An_nbformat_3_notebook_is_named_as_such_with_the_command_that_converts_it()
    {
        var dir = TempDir("v3");
        var src = Path.Combine(dir, "old.ipynb");
        File.WriteAllText(src, """{"metadata": {}, "nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": [{"cell_type": "code", "input": "1", "language": "python", "outputs": []}]}]}""");
        var (code, stdout, _) = await CliKeepingFiles(dir, src, "--out", Path.Combine(dir, "out"));
        Assert.Equal(1, code);
        Assert.Contains("is an nbformat 3 notebook", stdout);
        Assert.Contains("jupyter nbconvert --to notebook --nbformat 4", stdout);
    }

    [Fact]
    public async Task A_python_notebook_is_reported_as_not_csharp_and_the_others_still_run()
    {
        var dir = TempDir("python");
        var py = Path.Combine(dir, "a-python.ipynb");
        File.WriteAllText(py, """
            {"cells": [{"cell_type": "code", "execution_count": null, "id": "c1", "metadata": {}, "outputs": [], "source": ["print('hi')"]}],
             "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}, "language_info": {"name": "python"}},
             "nbformat": 4, "nbformat_minor": 5}
            """);
        var cs = Write(dir, "b-csharp.ipynb", Code("1 + 1"));
        var (code, stdout, _) = await CliKeepingFiles(dir, py, cs, "--out", Path.Combine(dir, "out"));
        Assert.Equal(1, code);
        Assert.Contains("a-python.ipynb  not run: ", stdout);
        Assert.Contains("is a python notebook", stdout);
        Assert.Contains("not a C# notebook", stdout);
        Assert.DoesNotContain("CS1003", stdout);
        Assert.Contains("b-csharp.ipynb  1 cells  0 errors", stdout);
    }

    [Fact]
    public void RealPath_resolves_links_in_every_part_and_stops_on_a_loop()
    {
        var dir = TempDir("realpath");
        var target = Directory.CreateDirectory(Path.Combine(dir, "target", "inner")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(dir, "l1"), Path.Combine(dir, "target"));
        Directory.CreateSymbolicLink(Path.Combine(dir, "l2"), "l1"); // relative link to a link
        Assert.Equal(Path.Combine(OutputFolder.RealPath(dir), "target", "inner", "missing.txt"),
            OutputFolder.RealPath(Path.Combine(dir, "l2", "inner", "missing.txt")));
        Assert.True(OutputFolder.Same(target, Path.Combine(dir, "l2", "inner")));
        File.CreateSymbolicLink(Path.Combine(dir, "loop-a"), Path.Combine(dir, "loop-b"));
        File.CreateSymbolicLink(Path.Combine(dir, "loop-b"), Path.Combine(dir, "loop-a"));
        Assert.Throws<IOException>(() => OutputFolder.RealPath(Path.Combine(dir, "loop-a", "x")));
    }
}

using System.Text.Json.Nodes;
using MathNet.Numerics.LinearAlgebra;
using Plotly.NET;

namespace Notebooks.Tests;

/// <summary>Cell semantics of <see cref="ScriptSession"/> (those of the .NET Interactive C# kernel), on one shared session.</summary>
public class SessionTests(SessionFixture fx) : IClassFixture<SessionFixture>
{
    private static string Type(JsonObject o) => o["output_type"]!.GetValue<string>();

    private static string Data(JsonObject o, string mime) => string.Concat(o["data"]![mime]!.AsArray().Select(l => l!.GetValue<string>()));

    [Fact]
    public async Task Later_cells_see_earlier_variables_usings_and_methods()
    {
        Assert.True((await fx.Run("using System.Text.RegularExpressions;\nvar seen = 41;\nint AddOne(int x) => x + 1;")).Succeeded);
        var r = await fx.Run("AddOne(seen) + (Regex.IsMatch(\"ab\", \"^a\") ? 0 : 100)");
        Assert.True(r.Succeeded, r.ErrorSummary);
        Assert.Equal(42, r.ReturnValue);
    }

    [Fact]
    public async Task Console_input_comes_from_the_frontend_line_by_line_for_ReadLine_Read_and_Peek()
    {
        var answers = new Queue<string?>(["42", "second line", null]);
        var prompts = new List<string>();
        var live = new List<JsonObject>();
        var frontend = new CellFrontend
        {
            Live = o => { lock (live) live.Add(o); },
            ReadLine = prompt => { prompts.Add(prompt); return answers.Dequeue(); },
        };
        var r = await fx.Session.RunCellAsync(
            "Console.Write(\"number? \");\nvar first = (char)Console.Read();\nvar peeked = (char)Console.In.Peek();\nvar rest = Console.ReadLine();\n" +
            "var next = Console.ReadLine();\nvar end = Console.ReadLine();\n$\"{first}|{peeked}|{rest}|{next}|{end is null}\"", fx.NextNumber(), frontend);
        Assert.True(r.Succeeded, r.ErrorSummary);
        Assert.Equal("4|2|2|second line|True", r.ReturnValue);
        Assert.Equal(3, prompts.Count); // one question per line: Read and Peek took their characters from the first line
        // The prompt went out before the first question, so a frontend shows it above its input box.
        Assert.Equal("number? ", string.Concat(live.First()["text"]!.AsArray().Select(l => l!.GetValue<string>())));
    }

    [Fact]
    public async Task Display_and_console_writes_become_outputs_in_order_and_a_trailing_expression_the_result()
    {
        var n = fx.NextNumber();
        var r = await fx.Session.RunCellAsync("Console.WriteLine(\"one\");\ndisplay(\"two\");\nConsole.Error.WriteLine(\"three\");\n\"four\".Display();\nConsole.Write(\"five\");\nConsole.WriteLine(\"!\");\n6 * 7", n);
        Assert.True(r.Succeeded, r.ErrorSummary);
        Assert.Equal(["stream", "display_data", "stream", "display_data", "stream", "execute_result"], r.Outputs.Select(Type));
        Assert.Equal("stdout", r.Outputs[0]["name"]!.GetValue<string>());
        Assert.Equal("stderr", r.Outputs[2]["name"]!.GetValue<string>());
        Assert.Equal("two", Data(r.Outputs[1], "text/plain"));
        Assert.Equal("five!\n", string.Concat(r.Outputs[4]["text"]!.AsArray().Select(l => l!.GetValue<string>())));
        Assert.Equal(n, r.Outputs[5]["execution_count"]!.GetValue<int>());
        Assert.Equal("42", Data(r.Outputs[5], "text/plain"));
        Assert.Contains("42", Data(r.Outputs[5], "text/html"));
    }

    [Fact]
    public async Task A_statement_with_a_semicolon_or_a_void_call_produces_no_result()
    {
        Assert.Empty((await fx.Run("var quiet = 3;")).Outputs);
        Assert.Empty((await fx.Run("quiet.ToString();")).Outputs);
        Assert.Empty((await fx.Run("Console.Out.Flush()")).Outputs);
        var r = await fx.Run("string? nothing = null;\nnothing");
        Assert.Equal("<null>", Data(r.Outputs.Single(), "text/plain"));
    }

    [Fact]
    public async Task An_exception_becomes_an_error_output_naming_cell_and_line_and_the_session_goes_on()
    {
        var n = fx.NextNumber();
        var r = await fx.Session.RunCellAsync("var before = 5;\n\nthrow new InvalidOperationException(\"boom\");", n);
        Assert.False(r.Succeeded);
        var e = r.Outputs.Single();
        Assert.Equal("error", Type(e));
        Assert.Equal("InvalidOperationException", e["ename"]!.GetValue<string>());
        Assert.Equal("boom", e["evalue"]!.GetValue<string>());
        Assert.StartsWith($"cell {n}, line 3: System.InvalidOperationException: boom", e["traceback"]![0]!.GetValue<string>());
        Assert.Equal($"cell {n}, line 3: System.InvalidOperationException: boom", r.ErrorSummary);
        var after = await fx.Run("before + 1");
        Assert.True(after.Succeeded, after.ErrorSummary);
        Assert.Equal(6, after.ReturnValue);
    }

    [Fact]
    public async Task A_compile_error_becomes_an_error_output_with_cell_and_line_and_later_cells_run()
    {
        var n = fx.NextNumber();
        var r = await fx.Session.RunCellAsync("var fine = 1;\nvar bad = fine + notDefinedAnywhere;", n);
        Assert.False(r.Succeeded);
        var e = r.Outputs.Single();
        Assert.Equal("CompilationError", e["ename"]!.GetValue<string>());
        Assert.Contains($"cell {n}, line 2, column 18: error CS0103", e["evalue"]!.GetValue<string>());
        Assert.True((await fx.Run("1 + 1")).Succeeded);
    }

    [Fact]
    public async Task Matrices_and_charts_made_in_cells_are_the_host_types_and_get_the_engine_formatters()
    {
        var r = await fx.Run("#r \"nuget: MathNet.Numerics, 5.0.0\"\nusing MathNet.Numerics.LinearAlgebra;\nMatrix<double>.Build.DenseOfArray(new double[,] { { Math.PI, 2 }, { 3, 4 } })");
        Assert.True(r.Succeeded, r.ErrorSummary);
        Assert.IsAssignableFrom<Matrix<double>>(r.ReturnValue);
        Assert.Equal("Matrix<double> 2×2\n3.142  2\n    3  4", Data(r.Outputs.Single(), "text/plain"));
        Assert.Contains("3.142", Data(r.Outputs.Single(), "text/html"));

        var c = await fx.Run("#r \"nuget: Plotly.NET, 6.0.0\"\n#r \"nuget: Plotly.NET.Interactive, 6.0.0-whatever\"\n#r \"nuget: Microsoft.DotNet.Interactive.Formatting, *-*\"\nusing Plotly.NET;\nvar tr = new Trace2D(\"scatter\");\ntr.SetProperty(\"y\", new[] { 1, 3, 2 });\nGenericChart.ofTraceObject(true, tr)");
        Assert.True(c.Succeeded, c.ErrorSummary);
        Assert.IsAssignableFrom<GenericChart>(c.ReturnValue);
        Assert.Contains("Plotly.newPlot", Data(c.Outputs.Single(), "text/html"));
    }

    [Fact]
    public async Task A_host_package_asked_for_with_another_major_version_gets_a_clear_error()
    {
        var r = await fx.Run("#r \"nuget: Plotly.NET, 4.2.0\"\n1");
        Assert.False(r.Succeeded);
        Assert.Contains("the engine carries Plotly.NET 6.0.0", r.ErrorSummary);
        Assert.Equal("NuGetRestoreError", r.Outputs.Single()["ename"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_nuget_reference_without_a_version_asks_for_one()
    {
        var r = await fx.Run("#r \"nuget:Humanizer.Core\"\n1");
        Assert.False(r.Succeeded);
        Assert.Contains("has no version", r.ErrorSummary);
        Assert.Contains("#r \"nuget: Humanizer.Core, <version>\"", r.ErrorSummary);
    }

    [Fact]
    public async Task The_notebook_global_names_the_session_folder()
    {
        var r = await fx.Run("Notebook.Folder");
        Assert.Equal(Path.GetFullPath(fx.Folder), r.ReturnValue);
    }

    [Fact]
    public async Task Other_kernels_magic_commands_are_refused_clearly()
    {
        var r = await fx.Run("#!fsharp\nlet x = 1");
        Assert.False(r.Succeeded);
        Assert.Contains("C# only", r.ErrorSummary);
        var ok = await fx.Run("#!csharp\n1 + 2");
        Assert.Equal(3, ok.ReturnValue);
    }
}

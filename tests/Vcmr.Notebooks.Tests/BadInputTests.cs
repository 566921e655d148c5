namespace Vcmr.Notebooks.Tests;

/// <summary>Bad input gives a one-line message naming the notebook, the cell when there is one, and the cause.</summary>
public class BadInputTests
{
    private static async Task<(int Code, string Message)> RunText(string name, string json)
    {
        string dir = TestNotebooks.TempFolder();
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, json);
        var (code, console, _) = await TestNotebooks.Run([path]);
        return (code, console.Trim());
    }

    [Fact]
    public async Task InvalidJson()
    {
        var (code, message) = await RunText("broken.ipynb", "{ \"cells\": [ ");
        Assert.Equal(1, code);
        Assert.StartsWith("error: broken.ipynb: invalid JSON at line 1", message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public async Task MissingCells()
    {
        var (code, message) = await RunText("nocells.ipynb", """{ "nbformat": 4, "nbformat_minor": 5, "metadata": {} }""");
        Assert.Equal(1, code);
        Assert.Equal("error: nocells.ipynb: missing 'cells' array", message);
    }

    [Fact]
    public async Task WrongMajorVersion()
    {
        var (code, message) = await RunText("old.ipynb", """{ "nbformat": 3, "nbformat_minor": 0, "worksheets": [] }""");
        Assert.Equal(1, code);
        Assert.Equal("error: old.ipynb: nbformat 3 is not supported (need 4)", message);
    }

    [Fact]
    public async Task CellWithoutSource()
    {
        var (code, message) = await RunText("nosrc.ipynb", """{ "nbformat": 4, "nbformat_minor": 5, "cells": [ { "cell_type": "code" } ] }""");
        Assert.Equal(1, code);
        Assert.Equal("error: nosrc.ipynb: cell 1: missing 'source'", message);
    }

    [Fact]
    public async Task UnsupportedKernelCellFailsBeforeAnythingRuns()
    {
        var (code, console, _) = await TestNotebooks.Run([TestNotebooks.Fixture("unsupported.ipynb")]);
        Assert.Equal(1, code);
        Assert.StartsWith("error: unsupported.ipynb: cell 2: unknown magic command '#!fsharp' (this runner hosts the C# and markdown kernels; known: ", console.Trim());
        Assert.Contains(" #!csharp ", console);                         // the list is the real kernel's
        Assert.DoesNotContain('\n', console.Trim());
    }

    [Fact]
    public async Task AnUnhostedKernelInTheCellMetadataFailsBeforeAnythingRuns()
    {
        var cell = Document.Cell.NewCode("let x = 1", 1);
        cell.Json["metadata"]!["polyglot_notebook"]!["kernelName"] = "fsharp";
        string path = TestNotebooks.Write(TestNotebooks.TempFolder(), "fsharp.ipynb", cell);
        var (code, console, _) = await TestNotebooks.Run([path]);
        Assert.Equal(1, code);
        Assert.Equal("error: fsharp.ipynb: cell 1: unsupported kernel 'fsharp' (this runner hosts the C# and markdown kernels)", console.Trim());
    }

    [Fact]
    public async Task UnknownParameterAndUnparsableValue()
    {
        var (code, console, _) = await TestNotebooks.Run([TestNotebooks.Fixture("parameters.ipynb")], ["nope=1"]);
        Assert.Equal(1, code);
        Assert.Equal("error: parameters.ipynb: cell 1: unknown parameter 'nope' (declared: seed, name, rate, flag)", console.Trim());

        (code, console, _) = await TestNotebooks.Run([TestNotebooks.Fixture("parameters.ipynb")], ["seed=abc"]);
        Assert.Equal(1, code);
        Assert.Equal("error: parameters.ipynb: cell 1: parameter 'seed': 'abc' is not a valid int", console.Trim());
    }

    [Fact]
    public async Task MissingReferencedAssembly()
    {
        string path = TestNotebooks.Write(TestNotebooks.TempFolder(), "missing.ipynb", "int a = 1;", "#r \"lib/missing.dll\"\na");
        var (code, console, _) = await TestNotebooks.Run([path]);
        Assert.Equal(2, code);
        Assert.Contains("failed: missing.ipynb: cell 2: (1,1): error CS0006: Metadata file 'lib/missing.dll' could not be found", console);
    }

    [Fact]
    public async Task MissingNotebookPath()
    {
        var (code, console, _) = await TestNotebooks.Run(["/no/such/dir/x.ipynb"]);
        Assert.Equal(1, code);
        Assert.Equal("error: /no/such/dir/x.ipynb: no such notebook or folder", console.Trim());
    }

    private const string Ok = """{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": ["int seed = 1;"], "outputs": []}]}""";

    private static string WithCell(string cellJson) => $$"""{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{{cellJson}}]}""";

    // name -> (notebook files to write under nbs/, arguments with {d} for the folder, what the message must contain besides "error: ")
    private static readonly Dictionary<string, (Dictionary<string, string> Files, string Args, string Expected)> Cases = new()
    {
        ["timeout-negative"] = (new() { ["ok.ipynb"] = Ok }, "run {d}/nbs --output {d}/out --timeout -1",
            "--timeout -1: must be a number of seconds above 0 and at most 1000000; leave it out for no limit"),
        ["timeout-nan"] = (new() { ["ok.ipynb"] = Ok }, "run {d}/nbs --output {d}/out --timeout NaN", "--timeout NaN: must be a number of seconds above 0"),
        ["timeout-zero"] = (new() { ["ok.ipynb"] = Ok }, "run {d}/nbs --output {d}/out --timeout 0", "--timeout 0: must be a number of seconds above 0"),
        ["timeout-huge"] = (new() { ["ok.ipynb"] = Ok }, "run {d}/nbs --output {d}/out --timeout 1e300", "--timeout 1e300: must be a number of seconds above 0"),
        ["timeout-text"] = (new() { ["ok.ipynb"] = Ok }, "run {d}/nbs --output {d}/out --timeout soon", "--timeout soon: must be a number of seconds above 0"),
        ["param-twice"] = (new() { ["ok.ipynb"] = Ok }, "run {d}/nbs --output {d}/out --param seed=1 --param seed=2", "--param seed is given 2 times (1, 2); give it once"),
        ["no-notebooks"] = (new() { ["ok.ipynb"] = Ok }, "run --output {d}/out", "Required argument missing for command: 'run'"),
        ["unknown-option"] = (new() { ["ok.ipynb"] = Ok }, "run {d}/nbs --outptu {d}/out", "--outptu: no such notebook or folder (a misspelt option? see run --help)"),
        ["nuget-config-is-a-folder"] = (new() { ["ok.ipynb"] = Ok }, "run {d}/nbs --output {d}/out --nuget-config {d}/nbs", "--nuget-config {d}/nbs: is a folder, not a file"),
        ["output-is-a-file"] = (new() { ["ok.ipynb"] = Ok }, "run {d}/nbs --output {d}/nbs/ok.ipynb", "--output {d}/nbs/ok.ipynb: is a file, not a folder"),
        ["output-below-a-file"] = (new() { ["ok.ipynb"] = Ok }, "run {d}/nbs --output {d}/nbs/ok.ipynb/out", "--output {d}/nbs/ok.ipynb/out: {d}/nbs/ok.ipynb is a file, not a folder"),
        ["output-is-the-sources"] = (new() { ["ok.ipynb"] = Ok }, "run {d}/nbs --output {d}/nbs",
            "--output {d}/nbs: writing ok.ipynb there would overwrite the source notebook {d}/nbs/ok.ipynb"),
        ["output-links-to-the-sources"] = (new() { ["ok.ipynb"] = Ok, ["->link"] = "nbs" }, "run {d}/nbs --output {d}/link",
            "--output {d}/link: writing ok.ipynb there would overwrite the source notebook {d}/nbs/ok.ipynb"),
        ["notebook-named-index"] = (new() { ["index.ipynb"] = Ok }, "run {d}/nbs --output {d}/out",
            "{d}/nbs/index.ipynb: its report page index.html would overwrite the report's index.html; rename the notebook"),
        ["folder-without-notebooks"] = (new() { ["notes.txt"] = "x" }, "run {d}/nbs --output {d}/out", "{d}/nbs: the folder has no *.ipynb notebooks"),
        ["empty-notebook"] = (new() { ["e.ipynb"] = "" }, "run {d}/nbs --output {d}/out", "e.ipynb: the file is empty"),
        ["nbformat-is-a-string"] = (new() { ["n.ipynb"] = """{"nbformat": "4", "cells": []}""" }, "run {d}/nbs --output {d}/out", "n.ipynb: 'nbformat' must be an integer, got a string \"4\""),
        ["cells-is-an-object"] = (new() { ["n.ipynb"] = """{"nbformat": 4, "cells": {}}""" }, "run {d}/nbs --output {d}/out", "n.ipynb: 'cells' must be a list, got an object {}"),
        ["source-is-a-number"] = (new() { ["n.ipynb"] = WithCell("""{"cell_type": "code", "source": 42}""") }, "run {d}/nbs --output {d}/out",
            "n.ipynb: cell 1: 'source' must be a string or a list of strings, got a number 42"),
        ["tags-is-a-string"] = (new() { ["n.ipynb"] = WithCell("""{"cell_type": "code", "source": "1", "metadata": {"tags": "parameters"}}""") }, "run {d}/nbs --output {d}/out",
            "n.ipynb: cell 1: 'metadata.tags' must be a list of strings, got a string \"parameters\""),
        ["kernel-name-is-a-number"] = (new() { ["n.ipynb"] = WithCell("""{"cell_type": "code", "source": "1", "metadata": {"polyglot_notebook": {"kernelName": 5}}}""") },
            "run {d}/nbs --output {d}/out", "n.ipynb: cell 1: 'metadata.polyglot_notebook.kernelName' must be a string, got a number 5"),
        ["cell-metadata-is-a-list"] = (new() { ["n.ipynb"] = WithCell("""{"cell_type": "code", "source": "1", "metadata": [1]}""") }, "run {d}/nbs --output {d}/out",
            "n.ipynb: cell 1: 'metadata' must be an object, got a list [1]"),
        ["unsupported-kernel-leaves-no-output-folder"] = (new() { ["f.ipynb"] = WithCell("""{"cell_type": "code", "source": "#!fsharp\n1"}""") },
            "run {d}/nbs --output {d}/out", "f.ipynb: cell 1: unknown magic command '#!fsharp'"),
        ["cell-type-is-a-number"] = (new() { ["n.ipynb"] = WithCell("""{"cell_type": 3, "source": "1"}""") }, "run {d}/nbs --output {d}/out",
            "n.ipynb: cell 1: 'cell_type' must be \"code\", \"markdown\" or \"raw\", got a number 3"),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task BadInputIsOneErrorLineWithExitCodeOneBeforeAnyCellRuns(string name)
    {
        var (files, args, expected) = Cases[name];
        string dir = TestNotebooks.TempFolder();
        Directory.CreateDirectory(Path.Combine(dir, "nbs"));
        foreach (var (file, text) in files)
            if (file.StartsWith("->", StringComparison.Ordinal)) Directory.CreateSymbolicLink(Path.Combine(dir, file[2..]), Path.Combine(dir, text));
            else File.WriteAllText(Path.Combine(dir, "nbs", file), text);
        var before = FolderSnapshot.Take(dir);
        var console = new StringWriter();

        int code = await CommandLine.RunAsync(args.Replace("{d}", dir).Split(' '), console);

        var lines = console.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(code == Suite.UsageError, $"exit {code}: {console}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.All(lines, l => Assert.True(l.StartsWith("error: ") || l.StartsWith("usage: "), l)); // nothing ran, no stack trace
        Assert.Contains(expected.Replace("{d}", dir), console.ToString());
        before.AssertUnchanged();
    }
}

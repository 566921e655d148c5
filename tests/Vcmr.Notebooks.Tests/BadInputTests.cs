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
}

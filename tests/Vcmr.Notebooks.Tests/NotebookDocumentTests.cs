using Vcmr.Notebooks.Document;

namespace Vcmr.Notebooks.Tests;

/// <summary>Reading and writing the .ipynb format: round trip and the Polyglot layout.</summary>
public class NotebookDocumentTests
{
    [Fact]
    public async Task AnExecutedNotebookRoundTripsAndHasThePolyglotLayout()
    {
        var (_, _, output) = await TestNotebooks.Run([TestNotebooks.Fixture("success.ipynb")]);
        string written = File.ReadAllText(Path.Combine(output, "success.ipynb"));
        var first = Notebook.Parse("success.ipynb", written);
        Assert.Equal(written, first.ToJson());
        Assert.Equal(first.ToJson(), Notebook.Parse("again", first.ToJson()).ToJson());

        var root = first.Root;
        Assert.Equal(4, (int)root["nbformat"]!);
        Assert.Equal(5, (int)root["nbformat_minor"]!);
        Assert.Equal(".net-csharp", (string?)root["metadata"]!["kernelspec"]!["name"]);
        Assert.Equal("polyglot-notebook", (string?)root["metadata"]!["language_info"]!["name"]);
        Assert.Equal("csharp", (string?)root["metadata"]!["polyglot_notebook"]!["kernelInfo"]!["defaultKernelName"]);
        Assert.All(first.Cells, c => Assert.Matches("^[a-zA-Z0-9-_]{1,64}$", (string?)c.Json["id"]));
        Assert.All(first.Cells.Where(c => c.Type == "code"), c =>
        {
            Assert.Equal("csharp", (string?)c.Json["metadata"]!["dotnet_interactive"]!["language"]);
            Assert.Equal("csharp", (string?)c.Json["metadata"]!["polyglot_notebook"]!["kernelName"]);
            Assert.NotNull(c.Json["metadata"]!["dotnet_repl_cellExecutionStartTime"]);
        });
        Assert.False(first.Cells[0].Json.ContainsKey("outputs"));        // markdown cells keep their shape
    }

    [Fact]
    public void MissingIdsAreAddedUniquelyAndOldLayoutsAreUpgraded()
    {
        const string old = """
            {"cells":[{"cell_type":"code","source":"1","metadata":{"dotnet_interactive":{"language":"csharp"}}},
                      {"cell_type":"markdown","source":["# a\n","b"],"metadata":{}, "id":"cell-1"}],
             "metadata":{"language_info":{"name":"C#","file_extension":".cs"}},"nbformat":4,"nbformat_minor":2}
            """;
        var nb = Notebook.Parse("old.ipynb", old);
        string json = nb.ToJson();
        var again = Notebook.Parse("old.ipynb", json);
        Assert.Equal(["cell-1-2", "cell-1"], again.Cells.Select(c => (string)c.Json["id"]!));
        Assert.Equal("# a\nb", again.Cells[1].Source);
        Assert.Equal("polyglot-notebook", (string?)again.Root["metadata"]!["language_info"]!["name"]);
        Assert.EndsWith("\n", json);
        Assert.DoesNotContain("\r", json);
    }

    [Theory]
    [InlineData("a\nb\n", new[] { "a\n", "b\n" })]
    [InlineData("a\nb", new[] { "a\n", "b" })]
    [InlineData("", new string[0])]
    public void SourceLinesSplitAndJoinBack(string text, string[] lines)
    {
        var split = Cell.SplitLines(text);
        Assert.Equal(lines, split.Select(l => (string)l!));
        Assert.Equal(text, Cell.JoinText(split));
    }

}

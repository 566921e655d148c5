using System.Text.RegularExpressions;
using Vcmr.Notebooks.Document;

namespace Vcmr.Notebooks.Tests;

/// <summary>One setup-cell convention: every notebook starts with the block notebooks/README.md documents.</summary>
public class SetupCellTests
{
    private static string Documented()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "notebooks", "README.md"));
        var block = Regex.Match(readme, "## Setup cell\n.*?```csharp\n(?<code>.*?)\n```", RegexOptions.Singleline);
        Assert.True(block.Success, "notebooks/README.md has no csharp block under '## Setup cell'");
        return block.Groups["code"].Value;
    }

    public static TheoryData<string> Notebooks() =>
        [.. Directory.GetFiles(Path.Combine(RepoPaths.Root, "notebooks"), "*.ipynb").Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void EveryNotebookStartsWithTheDocumentedSetupCell(string name)
    {
        var notebook = Notebook.Load(Path.Combine(RepoPaths.Root, "notebooks", name));
        Assert.Equal(Documented(), notebook.Cells.First(c => c.Type == "code").Source);
    }

    [Fact]
    public void TheKernelTestNotebookUsesTheSameSetupCellFromItsFolder()
    {
        var notebook = Notebook.Load(TestNotebooks.Fixture("model.ipynb"));
        Assert.Equal(Documented().Replace("\"../artifacts/", "\"../../../artifacts/"), notebook.Cells.First(c => c.Type == "code").Source);
    }
}

using Vcmr.Notebooks.Document;

namespace Vcmr.Notebooks.Execution;

/// <summary>An executed notebook: the document with outputs, what each code cell did, and the total time.</summary>
public sealed record NotebookResult(string SourcePath, Notebook Notebook, IReadOnlyList<(Cell Cell, CellResult? Result)> Cells, TimeSpan Elapsed)
{
    /// <summary>True when every code cell ran and succeeded.</summary>
    public bool Succeeded => Cells.All(c => c.Result is { Succeeded: true });

    /// <summary>The failed cells' one-line causes, naming notebook and cell.</summary>
    public IEnumerable<string> Failures => Cells.Where(c => c.Result is { Succeeded: false })
        .Select(c => $"{Notebook.Name}: cell {c.Cell.Number}: {c.Result!.Error}");
}

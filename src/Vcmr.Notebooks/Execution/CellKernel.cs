using Vcmr.Notebooks.Document;

namespace Vcmr.Notebooks.Execution;

/// <summary>Which kernel a code cell targets: a first-line `#!name` selector wins over the cell metadata.</summary>
public static class CellKernel
{
    private static readonly HashSet<string> CSharp = new(["csharp", "c#", "C#"], StringComparer.Ordinal);

    /// <summary>"csharp" or "markdown" and the code without the selector line; throws naming any other kernel or magic.</summary>
    public static (string Kernel, string Code) Resolve(string notebook, Cell cell)
    {
        string source = cell.Source;
        string first = source.Split('\n')[0].Trim();
        string kernel = cell.KernelName ?? "csharp";
        string code = source;
        if (first.StartsWith("#!", StringComparison.Ordinal))
        {
            kernel = first[2..].Split(' ', 2)[0];
            code = source.Contains('\n') ? "\n" + source[(source.IndexOf('\n') + 1)..] : "";
        }
        if (CSharp.Contains(kernel)) kernel = "csharp";
        if (kernel is not ("csharp" or "markdown"))
            throw new NotebookFormatException(
                $"{notebook}: cell {cell.Number}: unsupported kernel or magic '{(first.StartsWith("#!", StringComparison.Ordinal) ? first : kernel)}' (this runner runs C# and markdown cells)");
        foreach (var line in code.Split('\n').Skip(1).Select(l => l.Trim()))
            if (line.StartsWith("#!", StringComparison.Ordinal))
                throw new NotebookFormatException($"{notebook}: cell {cell.Number}: unsupported magic '{line}' (only a first-line #!csharp or #!markdown)");
        return (kernel, code);
    }
}

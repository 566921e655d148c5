using Vcmr.Notebooks.Document;

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// A code cell's kernel and magic commands, checked before anything runs: the cell metadata must name a kernel the
/// runner hosts (C# or markdown) and every `#!` line must be a magic command or kernel selector of that kernel.
/// </summary>
public static class CellKernel
{
    private static readonly Lazy<IReadOnlySet<string>> Known = new(() =>
    {
        using var kernel = NotebookKernel.Create();
        return NotebookKernel.MagicCommands(kernel);
    });

    /// <summary>The magic commands and kernel selectors the runner's kernel understands.</summary>
    public static IReadOnlySet<string> MagicCommands => Known.Value;

    /// <summary>The kernel the cell metadata names (null: the default, C#); throws naming a kernel or magic the runner does not host.</summary>
    public static string? Resolve(string notebook, Cell cell)
    {
        string? kernel = cell.KernelName;
        if (kernel is not null && !MagicCommands.Contains("#!" + kernel))
            throw new NotebookFormatException($"{notebook}: cell {cell.Number}: unsupported kernel '{kernel}' (this runner hosts the C# and markdown kernels)");
        foreach (var line in cell.Source.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("#!", StringComparison.Ordinal)))
        {
            string magic = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0];
            if (!MagicCommands.Contains(magic))
                throw new NotebookFormatException(
                    $"{notebook}: cell {cell.Number}: unknown magic command '{magic}' (this runner hosts the C# and markdown kernels; known: {string.Join(" ", MagicCommands)})");
        }
        return kernel;
    }
}

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// The kernel globals notebooks use, brought in by a hidden `using static` submission as the real C# kernel does
/// with Microsoft.DotNet.Interactive.Kernel. Notebooks never name this type.
/// </summary>
public static class Kernel
{
    /// <summary>Displays a value below the cell and returns a handle to update it.</summary>
    public static DisplayedValue display(object? value, params string[] mimeTypes)
    {
        var outputs = CellOutputs.Current ?? throw new InvalidOperationException("display() called outside a running cell");
        string? mime = mimeTypes.Length > 0 ? mimeTypes[0] : null;
        return new DisplayedValue(outputs, outputs.Display(value, mime), mime);
    }

    /// <summary>Raw HTML for display or as a cell's value.</summary>
    public static RawHtml HTML(string html) => new(html);
}

using Vcmr.Notebooks.Execution;

namespace System;

/// <summary>x.Display() and s.DisplayAs(mime), in namespace System as in Microsoft.DotNet.Interactive (the Formatting package lacks them).</summary>
public static class DisplayExtensions
{
    /// <summary>Displays the value below the running cell.</summary>
    public static DisplayedValue Display(this object? value, params string[] mimeTypes) => Kernel.display(value, mimeTypes);

    /// <summary>Displays <paramref name="value"/> as already-formatted content of the given mime types (e.g. "text/markdown").</summary>
    public static DisplayedValue DisplayAs(this string value, string mimeType, params string[] additionalMimeTypes)
    {
        var outputs = CellOutputs.Current ?? throw new InvalidOperationException("DisplayAs() called outside a running cell");
        return new DisplayedValue(outputs, outputs.DisplayRaw(value, [mimeType, .. additionalMimeTypes]), []);
    }
}

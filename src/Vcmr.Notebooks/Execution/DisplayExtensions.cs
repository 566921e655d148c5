using Vcmr.Notebooks.Execution;

namespace System;

/// <summary>x.Display(), in namespace System as in Microsoft.DotNet.Interactive (the Formatting package lacks it).</summary>
public static class DisplayExtensions
{
    /// <summary>Displays the value below the running cell.</summary>
    public static DisplayedValue Display(this object? value, params string[] mimeTypes) => Kernel.display(value, mimeTypes);
}

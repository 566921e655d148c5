namespace Vcmr.Notebooks.Execution;

/// <summary>
/// The kernel globals notebooks use, brought in by a hidden `using static` submission as the real C# kernel does
/// with Microsoft.DotNet.Interactive.Kernel. Notebooks never name this type.
/// </summary>
public static class Kernel
{
    /// <summary>Displays a value below the cell (one representation per mime type, default: the preferred ones) and returns a handle to update it.</summary>
    public static DisplayedValue display(object? value, params string[] mimeTypes)
    {
        var outputs = CellOutputs.Current ?? throw new InvalidOperationException("display() called outside a running cell");
        return new DisplayedValue(outputs, outputs.Display(value, mimeTypes), mimeTypes);
    }

    /// <summary>Raw HTML for display or as a cell's value.</summary>
    public static RawHtml HTML(string html) => new(html);

    /// <summary>Displays a script element, as the kernel's Javascript(...) does (browsers and VS Code run it).</summary>
    public static void Javascript(string scriptContent) => display(HTML($"<script type=\"text/javascript\">{scriptContent}</script>"));

    /// <summary>Adds a style sheet to the page through a script, as the kernel's CSS(...) does.</summary>
    public static void CSS(string content) => Javascript(
        $"(function(){{var s=document.createElement('style');s.appendChild(document.createTextNode({System.Text.Json.JsonSerializer.Serialize(content)}));(document.head||document.getElementsByTagName('head')[0]).appendChild(s);}})();");
}

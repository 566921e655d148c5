using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Formatting;

namespace Vcmr.Notebooks.Execution;

/// <summary>The outputs of the running cell, in nbformat shape. Console text is merged into stream outputs as it comes.</summary>
public sealed class CellOutputs
{
    private readonly object gate = new();

    /// <summary>The outputs so far.</summary>
    public JsonArray Items { get; } = new();

    /// <summary>The cell that display(...) currently writes to (cells run one at a time).</summary>
    public static CellOutputs? Current { get; internal set; }

    /// <summary>Appends console text to the trailing stream output of that name, or starts one.</summary>
    public void Stream(string name, string text)
    {
        lock (gate)
        {
            if (Items.Count > 0 && Items[^1] is JsonObject last && (string?)last["output_type"] == "stream" && (string?)last["name"] == name)
                last["text"] = (string?)last["text"] + text;
            else
                Items.Add(new JsonObject { ["name"] = name, ["output_type"] = "stream", ["text"] = text });
        }
    }

    /// <summary>Adds a display_data output and returns its index for later updates.</summary>
    public int Display(object? value, string? mimeType = null)
    {
        lock (gate)
        {
            Items.Add(DisplayData(value, mimeType));
            return Items.Count - 1;
        }
    }

    /// <summary>Replaces the output at <paramref name="index"/> (display handle Update).</summary>
    public void Replace(int index, object? value, string? mimeType = null)
    {
        lock (gate) Items[index] = DisplayData(value, mimeType);
    }

    /// <summary>Adds an error output (ename, evalue, traceback) as the kernel does.</summary>
    public void Error(string ename, string evalue, IEnumerable<string> traceback)
    {
        lock (gate)
            Items.Add(new JsonObject
            {
                ["ename"] = ename,
                ["evalue"] = evalue,
                ["output_type"] = "error",
                ["traceback"] = new JsonArray(traceback.Select(l => (JsonNode)l).ToArray()),
            });
    }

    /// <summary>A display_data output in the kernel's preferred mime type (text/plain for strings, text/html otherwise).</summary>
    public static JsonObject DisplayData(object? value, string? mimeType = null)
    {
        var data = new JsonObject();
        if (value is RawHtml html)
            data["text/html"] = html.Html;
        else
        {
            var mimes = mimeType is null
                ? Formatter.GetPreferredMimeTypesFor(value?.GetType() ?? typeof(object)).ToList()
                : [mimeType];
            if (mimes.Count == 0) mimes.Add(HtmlFormatter.MimeType);
            foreach (var mime in mimes) data[mime] = value.ToDisplayString(mime);
        }
        return new JsonObject { ["data"] = data, ["metadata"] = new JsonObject(), ["output_type"] = "display_data" };
    }
}

using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Formatting;

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// The outputs of the running cell, in nbformat shape. Console text is merged into stream outputs as it comes.
/// Plain-text displays and their updates (a long cell's progress) are echoed to <paramref name="echo"/> as they happen.
/// </summary>
public sealed class CellOutputs(TextWriter? echo = null)
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

    /// <summary>Adds a display_data output (formatted in <paramref name="mimeTypes"/>, default the preferred ones) and returns its index for later updates.</summary>
    public int Display(object? value, params string[] mimeTypes) => Add(Echo(DisplayData(value, mimeTypes)));

    /// <summary>Adds a display_data output whose text is already in each of <paramref name="mimeTypes"/>.</summary>
    public int DisplayRaw(string text, IEnumerable<string> mimeTypes)
    {
        var data = new JsonObject();
        foreach (var mime in mimeTypes) data[mime] = text;
        return Add(Wrap(data));
    }

    /// <summary>Replaces the output at <paramref name="index"/> (display handle Update).</summary>
    public void Replace(int index, object? value, params string[] mimeTypes)
    {
        lock (gate) Items[index] = Echo(DisplayData(value, mimeTypes));
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

    /// <summary>A display_data output: one entry per mime type given, else per preferred mime type (text/plain for strings, text/html otherwise).</summary>
    public static JsonObject DisplayData(object? value, params string[] mimeTypes)
    {
        var data = new JsonObject();
        if (value is RawHtml html)
            data[HtmlFormatter.MimeType] = html.Html;
        else
        {
            var mimes = mimeTypes.Length > 0 ? mimeTypes.ToList() : Formatter.GetPreferredMimeTypesFor(value?.GetType() ?? typeof(object)).ToList();
            if (mimes.Count == 0) mimes.Add(HtmlFormatter.MimeType);
            foreach (var mime in mimes) data[mime] = value.ToDisplayString(mime);
        }
        return Wrap(data);
    }

    private JsonObject Echo(JsonObject output)
    {
        if (echo is not null && output["data"] is JsonObject data && data.Count == 1 && (string?)data["text/plain"] is { } text)
            echo.WriteLine(text);
        return output;
    }

    private int Add(JsonObject output)
    {
        lock (gate)
        {
            Items.Add(output);
            return Items.Count - 1;
        }
    }

    private static JsonObject Wrap(JsonObject data) =>
        new() { ["data"] = data, ["metadata"] = new JsonObject(), ["output_type"] = "display_data" };
}

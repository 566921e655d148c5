using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// The outputs of the running cell in nbformat shape, built from the kernel's events as they come: console text is
/// merged into stream outputs, a display updated in place replaces its output. Console text and plain-text displays
/// and their updates (a long cell's progress) are echoed to <paramref name="echo"/> as they happen.
/// </summary>
public sealed class CellOutputs(TextWriter? echo = null)
{
    private readonly object gate = new();
    private readonly Dictionary<string, JsonObject> displays = new(StringComparer.Ordinal);

    /// <summary>The outputs so far.</summary>
    public JsonArray Items { get; } = new();

    /// <summary>Adds what <paramref name="kernelEvent"/> shows below the cell; other events are ignored.</summary>
    public void Add(KernelEvent kernelEvent)
    {
        switch (kernelEvent)
        {
            case StandardOutputValueProduced o: Stream("stdout", PlainText(o.FormattedValues)); break;
            case StandardErrorValueProduced e: Stream("stderr", PlainText(e.FormattedValues)); break;
            case DisplayedValueUpdated u: Update(u.ValueId, u.FormattedValues); break;
            case ReturnValueProduced { Value: DisplayedValue }: break; // display(x) as a cell's value: already shown
            case ErrorProduced error: Error(error.Message, []); break;
            case DisplayEvent d: Display(d.ValueId, d.FormattedValues); break;
            case CommandFailed failed:
                // directive failures arrive as ErrorProduced and CommandFailed with the same text: show it once
                if (!HasError(failed.Message))
                    Error(failed.Message, (failed.Exception?.StackTrace ?? "").Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0));
                break;
        }
    }

    /// <summary>Adds an error output (ename, evalue, traceback) as the kernel's notebooks do.</summary>
    public void Error(string evalue, IEnumerable<string> traceback)
    {
        lock (gate)
            Items.Add(new JsonObject
            {
                ["ename"] = "Error",
                ["evalue"] = evalue,
                ["output_type"] = "error",
                ["traceback"] = new JsonArray(traceback.Select(l => (JsonNode)l).ToArray()),
            });
    }

    private void Stream(string name, string text)
    {
        if (text.Length == 0) return;
        lock (gate)
        {
            if (Items.Count > 0 && Items[^1] is JsonObject last && (string?)last["output_type"] == "stream" && (string?)last["name"] == name)
                last["text"] = (string?)last["text"] + text;
            else
                Items.Add(new JsonObject { ["name"] = name, ["output_type"] = "stream", ["text"] = text });
        }
        echo?.Write(text);
    }

    private void Display(string? valueId, IReadOnlyCollection<FormattedValue> values)
    {
        var output = DisplayData(values);
        if (output is null) return;
        lock (gate)
        {
            Items.Add(output);
            if (valueId is not null) displays[valueId] = output;
        }
        Echo(values);
    }

    private void Update(string? valueId, IReadOnlyCollection<FormattedValue> values)
    {
        lock (gate)
        {
            if (valueId is null || !displays.TryGetValue(valueId, out var shown)) { Display(valueId, values); return; }
            if (DisplayData(values) is not { } output) return;
            Items[Items.IndexOf(shown)] = output;
            displays[valueId] = output;
        }
        Echo(values);
    }

    private bool HasError(string message)
    {
        lock (gate) return Items.OfType<JsonObject>().Any(o => (string?)o["output_type"] == "error" && (string?)o["evalue"] == message);
    }

    private void Echo(IReadOnlyCollection<FormattedValue> values)
    {
        if (echo is not null && values.Where(v => !v.SuppressDisplay).ToList() is [{ MimeType: PlainTextFormatter.MimeType } only])
            echo.WriteLine(only.Value);
    }

    private static JsonObject? DisplayData(IReadOnlyCollection<FormattedValue> values)
    {
        var data = new JsonObject();
        foreach (var value in values.Where(v => !v.SuppressDisplay)) data[value.MimeType] = value.Value;
        return data.Count == 0 ? null : new JsonObject { ["data"] = data, ["metadata"] = new JsonObject(), ["output_type"] = "display_data" };
    }

    private static string PlainText(IReadOnlyCollection<FormattedValue> values) =>
        values.FirstOrDefault(v => v.MimeType == PlainTextFormatter.MimeType)?.Value ?? "";
}

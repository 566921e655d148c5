using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vcmr.Data;

namespace Vcmr.Notebooks.Document;

/// <summary>
/// An nbformat 4 notebook kept as its JSON tree, so that whatever the runner does not understand round-trips.
/// Reading validates what the runner relies on; writing produces nbformat 4.5 in the Polyglot layout.
/// </summary>
public sealed class Notebook
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, IndentSize = 1 };

    private Notebook(string name, JsonObject root, List<Cell> cells)
    {
        Name = name;
        Root = root;
        Cells = cells;
    }

    /// <summary>File name used in messages.</summary>
    public string Name { get; }

    /// <summary>The whole document.</summary>
    public JsonObject Root { get; }

    /// <summary>The cells in order (views over <see cref="Root"/>'s cells array).</summary>
    public List<Cell> Cells { get; }

    /// <summary>Reads and validates a notebook file.</summary>
    public static Notebook Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new NotebookFormatException($"{path}: cannot read: {e.Message}"); }
        return Parse(Path.GetFileName(path), text);
    }

    /// <summary>Parses notebook JSON; <paramref name="name"/> is used in error messages.</summary>
    public static Notebook Parse(string name, string json)
    {
        if (string.IsNullOrWhiteSpace(json)) throw new NotebookFormatException($"{name}: the file is empty (expected an nbformat 4 notebook)");
        JsonNode? node;
        try { node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new NotebookFormatException($"{name}: invalid JSON at line {e.LineNumber + 1}: {e.Message}"); }
        if (node is not JsonObject root) throw new NotebookFormatException($"{name}: the top level must be a JSON object, got {Cell.Shown(node)}");
        if (!root.ContainsKey("nbformat")) throw new NotebookFormatException($"{name}: missing 'nbformat'");
        if (root["nbformat"] is not JsonValue major || major.GetValueKind() != JsonValueKind.Number || !major.TryGetValue(out int nbformat))
            throw new NotebookFormatException($"{name}: 'nbformat' must be an integer, got {Cell.Shown(root["nbformat"])}");
        if (nbformat != 4) throw new NotebookFormatException($"{name}: nbformat {nbformat} is not supported (need 4)");
        if (root.ContainsKey("metadata") && root["metadata"] is not JsonObject)
            throw new NotebookFormatException($"{name}: 'metadata' must be an object, got {Cell.Shown(root["metadata"])}");
        if (!root.ContainsKey("cells")) throw new NotebookFormatException($"{name}: missing 'cells' array");
        if (root["cells"] is not JsonArray array) throw new NotebookFormatException($"{name}: 'cells' must be a list, got {Cell.Shown(root["cells"])}");
        var cells = new List<Cell>();
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject cell) throw new NotebookFormatException($"{name}: cell {i + 1}: must be an object, got {Cell.Shown(array[i])}");
            cells.Add(Cell.From(name, i + 1, cell));
        }
        return new Notebook(name, root, cells);
    }

    /// <summary>The document as nbformat 4.5 JSON in the Polyglot layout (one-space indentation, \n line ends).</summary>
    public string ToJson()
    {
        Normalize();
        return Root.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";
    }

    /// <summary>Writes atomically: a temp file beside the target, then a rename.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    private void Normalize()
    {
        var metadata = Root["metadata"] as JsonObject ?? new JsonObject();
        Root["metadata"] = metadata;
        metadata["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" };
        metadata["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" };
        if (metadata["polyglot_notebook"] is not JsonObject)
            metadata["polyglot_notebook"] = new JsonObject
            {
                ["kernelInfo"] = new JsonObject
                {
                    ["defaultKernelName"] = "csharp",
                    ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = "csharp" }),
                },
            };
        Root["nbformat"] = 4;
        Root["nbformat_minor"] = 5;
        // Valid ids are kept (first one wins on duplicates); missing or invalid ones get fresh unique ids.
        var ids = new HashSet<string>();
        var kept = Cells.Where(c => c.Id is { } id && Cell.IsValidId(id) && ids.Add(id)).ToHashSet();
        foreach (var cell in Cells) cell.Normalize(ids, kept.Contains(cell));
    }
}

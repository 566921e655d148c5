using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Vcmr.Notebooks.Document;

/// <summary>One notebook cell: a view over its JSON object with the fields the runner reads and writes.</summary>
public sealed partial class Cell
{
    private Cell(JsonObject json, int number, string type)
    {
        Json = json;
        Number = number;
        Type = type;
    }

    /// <summary>The cell's JSON object (part of the notebook tree).</summary>
    public JsonObject Json { get; }

    /// <summary>1-based position, for messages.</summary>
    public int Number { get; internal set; }

    /// <summary>code, markdown or raw.</summary>
    public string Type { get; }

    /// <summary>The source joined into one string (nbformat allows a string or a list of lines).</summary>
    public string Source => JoinText(Json["source"]);

    /// <summary>The kernel named by the cell metadata (polyglot_notebook.kernelName wins over dotnet_interactive.language).</summary>
    public string? KernelName =>
        Json["metadata"]?["polyglot_notebook"]?["kernelName"]?.GetValue<string>()
        ?? Json["metadata"]?["dotnet_interactive"]?["language"]?.GetValue<string>();

    /// <summary>metadata.tags.</summary>
    public IReadOnlyList<string> Tags =>
        Json["metadata"]?["tags"] is JsonArray tags ? tags.Select(t => t?.GetValue<string>() ?? "").ToList() : [];

    /// <summary>The outputs array (created for code cells).</summary>
    public JsonArray Outputs => Json["outputs"] as JsonArray ?? (JsonArray)(Json["outputs"] = new JsonArray());

    /// <summary>A new C# code cell with the Polyglot metadata.</summary>
    public static Cell NewCode(string source, int number, params string[] tags)
    {
        var metadata = CodeMetadata();
        if (tags.Length > 0) metadata["tags"] = new JsonArray(tags.Select(t => (JsonNode)t).ToArray());
        var json = new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["metadata"] = metadata,
            ["outputs"] = new JsonArray(),
            ["source"] = SplitLines(source),
        };
        return new Cell(json, number, "code");
    }

    /// <summary>Joins an nbformat multiline string (a string or an array of strings).</summary>
    public static string JoinText(JsonNode? node) => node switch
    {
        null => "",
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>() ?? "")),
        _ => node.GetValue<string>(),
    };

    /// <summary>Splits text into nbformat lines, each keeping its \n (VS Code writes lists).</summary>
    public static JsonArray SplitLines(string text)
    {
        var lines = new JsonArray();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n') { lines.Add(text[start..(i + 1)]); start = i + 1; }
        if (start < text.Length) lines.Add(text[start..]);
        return lines;
    }

    /// <summary>
    /// A view over a cell object after checking the fields the runner reads: cell_type, source (a string or a list of
    /// strings), metadata (an object), metadata.tags (a list of strings) and the kernel name fields (strings).
    /// </summary>
    internal static Cell From(string notebook, int number, JsonObject json)
    {
        string where = $"{notebook}: cell {number}";
        string? type = json["cell_type"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        if (type is not ("code" or "markdown" or "raw"))
            throw new NotebookFormatException($"{where}: 'cell_type' must be \"code\", \"markdown\" or \"raw\", got {Shown(json["cell_type"])}");
        if (!json.ContainsKey("source")) throw new NotebookFormatException($"{where}: missing 'source'");
        CheckText(json["source"], $"{where}: 'source'");
        if (json.ContainsKey("metadata"))
        {
            var metadata = json["metadata"] as JsonObject ?? throw Expected(where, "metadata", "an object", json["metadata"]);
            if (metadata.ContainsKey("tags"))
            {
                if (metadata["tags"] is not JsonArray tags || tags.Any(t => !IsString(t)))
                    throw Expected(where, "metadata.tags", "a list of strings", metadata["tags"]);
            }
            foreach (var (section, key) in new[] { ("polyglot_notebook", "kernelName"), ("dotnet_interactive", "language") })
            {
                if (!metadata.ContainsKey(section)) continue;
                var kernel = metadata[section] as JsonObject ?? throw Expected(where, $"metadata.{section}", "an object", metadata[section]);
                if (kernel.ContainsKey(key) && !IsString(kernel[key])) throw Expected(where, $"metadata.{section}.{key}", "a string", kernel[key]);
            }
        }
        return new Cell(json, number, type);
    }

    /// <summary>Throws unless <paramref name="node"/> is an nbformat multiline string (a string or a list of strings).</summary>
    internal static void CheckText(JsonNode? node, string what)
    {
        if (IsString(node) || node is JsonArray lines && lines.All(IsString)) return;
        throw new NotebookFormatException($"{what} must be a string or a list of strings, got {Shown(node)}");
    }

    private static bool IsString(JsonNode? node) => node is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.String;

    private static NotebookFormatException Expected(string where, string key, string expected, JsonNode? found) =>
        new($"{where}: '{key}' must be {expected}, got {Shown(found)}");

    /// <summary>A JSON value for a message: its kind and its text, cut after 60 characters.</summary>
    internal static string Shown(JsonNode? node)
    {
        if (node is null) return "null";
        string text = node.ToJsonString();
        if (text.Length > 60) text = text[..57] + "...";
        string kind = node.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.Object => "an object",
            System.Text.Json.JsonValueKind.Array => "a list",
            System.Text.Json.JsonValueKind.String => "a string",
            System.Text.Json.JsonValueKind.Number => "a number",
            System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "a boolean",
            _ => "null",
        };
        return $"{kind} {text}";
    }

    /// <summary>The nbformat 4.5 cell id, if any.</summary>
    public string? Id => Json["id"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    internal static bool IsValidId(string id) => IdPattern().IsMatch(id);

    internal void Normalize(HashSet<string> ids, bool keepId)
    {
        if (!keepId)
        {
            string id = $"cell-{Number}";
            for (int k = 2; !ids.Add(id); k++) id = $"cell-{Number}-{k}";
            Json["id"] = id;
        }
        if (Type != "code") return;
        var metadata = Json["metadata"] as JsonObject ?? new JsonObject();
        Json["metadata"] = metadata;
        string kernel = KernelName ?? "csharp";
        metadata["dotnet_interactive"] = new JsonObject { ["language"] = kernel };
        metadata["polyglot_notebook"] = new JsonObject { ["kernelName"] = kernel };
        if (!Json.ContainsKey("execution_count")) Json["execution_count"] = null;
        _ = Outputs;
    }

    private static JsonObject CodeMetadata() => new()
    {
        ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" },
        ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" },
    };

    [GeneratedRegex("^[a-zA-Z0-9-_]{1,64}$")]
    private static partial Regex IdPattern();
}

using System.Text.Json;
using Vcmr.Data;
using Vcmr.Models;

namespace Vcmr.Checkpoints;

/// <summary>
/// Model configs in JSON: the suite's description <c>{"model": kind, "config": {...}}</c> (what checkpoints and
/// config.json hold; read by <see cref="ModelRegistry.Parse"/>, config record property names) or a reference's model_cfg
/// keys (train.py's names: hidden_size, ctx_mode, ...; read by the kind's <see cref="ReferenceMapping"/>). Unknown keys
/// are errors naming them.
/// </summary>
public static class ModelConfigFiles
{
    /// <summary>Reads a config file (<c>--config</c>): a suite description or a reference model_cfg.</summary>
    /// <param name="kind">the model kind, when the user named one: a reference model_cfg is read as that kind's, and a
    /// suite description of another kind is an error.</param>
    public static ModelSpec Read(string path, string? kind = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"config file {path} does not exist", path);
        return Parse(File.ReadAllText(path), path, kind);
    }

    /// <summary>Parses a suite description or a reference model_cfg; <paramref name="source"/> starts every error.</summary>
    public static ModelSpec Parse(string json, string source, string? kind = null)
    {
        var root = JsonFields.ReadObject(json, source, root => root.TryGetProperty("model", out _) && root.TryGetProperty("config", out _)
            ? (PyDict?)null : ToPyDict(root));
        if (root is not null) return ReferenceMappings.Spec(ReferenceFile.Config(source, root), kind);
        ModelKind registered;
        object config;
        try
        {
            (registered, config) = ModelRegistry.Parse(json, source);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(e.Message, e);
        }
        if (kind is not null && kind != registered.Name)
            throw new DataFormatException($"{source} describes a '{registered.Name}' model, not '{kind}'");
        return new ModelSpec(registered.Name, config);
    }

    /// <summary>A JSON object as the Python dict json.loads would give (integers as long, other numbers as double).</summary>
    public static PyDict ToPyDict(JsonElement obj)
    {
        var dict = new PyDict();
        foreach (var p in obj.EnumerateObject()) dict[p.Name] = ToPy(p.Value);
        return dict;
    }

    private static object? ToPy(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number => v.TryGetInt64(out long l) ? (object)l : v.GetDouble(),
        JsonValueKind.Array => v.EnumerateArray().Select(ToPy).ToList(),
        _ => ToPyDict(v),
    };

    /// <summary>A dict of JSON-able Python values (scalars, lists, dicts) as JSON text.</summary>
    public static string ToJson(PyDict dict) => JsonSerializer.Serialize(ToPlain(dict));

    private static object? ToPlain(object? v) => v switch
    {
        PyDict d => d.ToDictionary(kv => kv.Key, kv => ToPlain(kv.Value)),
        List<object?> l => l.Select(ToPlain).ToList(),
        _ => v,
    };
}

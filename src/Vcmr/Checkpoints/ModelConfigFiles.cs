using System.Text.Json;
using System.Text.Json.Serialization;
using Vcmr.Data;
using Vcmr.Models.Xml;

namespace Vcmr.Checkpoints;

/// <summary>
/// Model configs in JSON: the suite's description <c>{"model": "xml", "config": {...}}</c> (what checkpoints and
/// config.json hold, XmlConfig's property names) and the reference's model_cfg keys (train.py's names: hidden_size,
/// ctx_mode, ...). A config file may hold either; unknown keys are errors naming them.
/// </summary>
public static class ModelConfigFiles
{
    private static readonly JsonSerializerOptions Strict = new()
    {
        Converters = { new JsonStringEnumConverter() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads a config file (<c>--config</c>): a suite description or a reference model_cfg.</summary>
    public static XmlConfig Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"config file {path} does not exist", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses a suite description or a reference model_cfg; <paramref name="source"/> starts every error.</summary>
    public static XmlConfig Parse(string json, string source)
    {
        return JsonFields.ReadObject(json, source, root =>
            root.TryGetProperty("model", out var kind) && root.TryGetProperty("config", out var config)
                ? ParseSuite(kind, config, source)
                : XmlReference.FromModelCfg(ToPyDict(root), source));
    }

    private static XmlConfig ParseSuite(JsonElement kind, JsonElement config, string source)
    {
        if (kind.ValueKind != JsonValueKind.String || kind.GetString() != "xml")
            throw new DataFormatException($"{source}: model kind {kind} is not supported (known: \"xml\")");
        try
        {
            var parsed = config.Deserialize<XmlConfig>(Strict) ?? throw new DataFormatException($"{source}: \"config\" is null");
            return parsed.Validate();
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{source}: the XML config is not valid: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException($"{source}: {e.Message}", e);
        }
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

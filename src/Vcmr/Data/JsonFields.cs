using System.Text.Json;

namespace Vcmr.Data;

/// <summary>Field access for the strict jsonl readers: errors name the place ("file:line ...") and the key.</summary>
internal static class JsonFields
{
    /// <summary>The non-blank lines of a jsonl file with their 1-based number and "file:line" for messages.</summary>
    public static IEnumerable<(string Line, int Number, string Where)> Lines(string path)
    {
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (!string.IsNullOrWhiteSpace(line)) yield return (line, number, $"{path}:{number}");
        }
    }

    /// <summary>Parses one jsonl line that must be a JSON object and reads it with <paramref name="read"/> while the
    /// document is alive; errors are prefixed with <paramref name="where"/>.</summary>
    public static T ReadObject<T>(string line, string where, Func<JsonElement, T> read)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{where}: not valid JSON ({e.Message})", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new DataFormatException($"{where}: expected a JSON object");
            return read(doc.RootElement);
        }
    }

    public static JsonElement Get(JsonElement o, string key, string where) =>
        o.TryGetProperty(key, out var e) ? e : throw new DataFormatException($"{where}: missing key '{key}'");

    public static DataFormatException Invalid(string key, JsonElement value, string where) =>
        new($"{where}: key '{key}' has an invalid value {value.GetRawText()}");
}

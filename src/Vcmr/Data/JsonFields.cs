using System.Text.Json;

namespace Vcmr.Data;

/// <summary>
/// Field access for the strict JSON readers: every error names the place ("file:line" or "file: key path"), the key
/// and what was expected, and shows the value found. Never an InvalidOperationException from a value of the wrong kind.
/// </summary>
internal static class JsonFields
{
    /// <summary>The non-blank lines of a jsonl file with their 1-based number and "file:line" for messages (a BOM and CRLF are fine).</summary>
    public static IEnumerable<(string Line, int Number, string Where)> Lines(string path, string what)
    {
        DataFormatException.RequireFile(path, what);
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
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new DataFormatException($"{where}: expected a JSON object {{...}}, got {Kind(doc.RootElement)}");
            return read(doc.RootElement);
        }
    }

    /// <summary>A whole JSON file (a UTF-8 byte-order mark is skipped); a syntax error names the file and line.</summary>
    public static JsonDocument ParseFile(string path, string what)
    {
        DataFormatException.RequireFile(path, what);
        byte[] bytes = File.ReadAllBytes(path);
        int start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        if (bytes.AsSpan(start).Trim(" \t\r\n"u8).IsEmpty) throw new DataFormatException($"{path}: the file is empty (expected a JSON {what} file)");
        try
        {
            return JsonDocument.Parse(bytes.AsMemory(start));
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{path}:{e.LineNumber + 1}: not valid JSON ({e.Message})", e);
        }
    }

    public static JsonElement Get(JsonElement o, string key, string where) =>
        o.TryGetProperty(key, out var e) ? e : throw new DataFormatException($"{where}: missing key '{key}'");

    public static string GetString(JsonElement o, string key, string where)
    {
        var e = Get(o, key, where);
        return e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Invalid(key, e, where, "a string");
    }

    public static double GetNumber(JsonElement o, string key, string where)
    {
        var e = Get(o, key, where);
        return TryNumber(e, out double x) ? x : throw Invalid(key, e, where, "a finite number");
    }

    /// <summary>True for a finite JSON number (false, not an exception, for any other kind of value).</summary>
    public static bool TryNumber(JsonElement e, out double value)
    {
        value = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out value) && double.IsFinite(value);
    }

    /// <summary>An integer; an integral float such as 5.0 (what numpy's tolist() gives) is accepted as 5.</summary>
    public static int GetInt(JsonElement o, string key, string where)
    {
        var e = Get(o, key, where);
        return TryInt(e, out int x) ? x : throw Invalid(key, e, where, "an integer");
    }

    /// <summary>True for a JSON number with an integral value in the int range (5 or 5.0, not 5.5 or "5").</summary>
    public static bool TryInt(JsonElement e, out int value)
    {
        value = 0;
        if (e.ValueKind != JsonValueKind.Number) return false;
        if (e.TryGetInt32(out value)) return true;
        return e.TryGetDouble(out double x) && IsInt(x, out value);
    }

    /// <summary>True when <paramref name="x"/> is integral and in the int range.</summary>
    public static bool IsInt(double x, out int value)
    {
        bool ok = x == Math.Floor(x) && x >= int.MinValue && x <= int.MaxValue;
        value = ok ? (int)x : 0;
        return ok;
    }

    public static DataFormatException Invalid(string key, JsonElement value, string where, string expected) =>
        new($"{where}: key '{key}' must be {expected}, got {Shown(value)}");

    /// <summary>A value for a message: its JSON text, cut after 80 characters, with its kind when that is the point.</summary>
    public static string Shown(JsonElement value)
    {
        string raw = value.GetRawText();
        if (raw.Length > 80) raw = raw[..77] + "...";
        return value.ValueKind is JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Object ? $"{Kind(value)} {raw}" : raw;
    }

    /// <summary>"a string", "an array", ... for messages.</summary>
    public static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}

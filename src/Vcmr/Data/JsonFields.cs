using System.Text.Json;

namespace Vcmr.Data;

/// <summary>Field access for the strict jsonl readers: errors name the place ("file:line ...") and the key.</summary>
internal static class JsonFields
{
    public static JsonElement Get(JsonElement o, string key, string where) =>
        o.TryGetProperty(key, out var e) ? e : throw new DataFormatException($"{where}: missing key '{key}'");

    public static DataFormatException Invalid(string key, JsonElement value, string where) =>
        new($"{where}: key '{key}' has an invalid value {value.GetRawText()}");
}

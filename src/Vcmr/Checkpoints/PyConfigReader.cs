using System.Globalization;
using Vcmr.Data;

namespace Vcmr.Checkpoints;

/// <summary>Typed access to the values of a reference config dict (a model_cfg EasyDict, an opt.json), with errors
/// naming the source file and the key path (<paramref name="prefix"/>.key).</summary>
internal sealed class PyConfigReader(PyDict cfg, string source, string prefix = "model_cfg")
{
    public DataFormatException Error(string key, string why) => new($"{source}: {prefix}.{key}: {why}");

    public bool Has(string key) => cfg.ContainsKey(key);

    /// <summary>The nested dict under <paramref name="key"/> (model_config.json's bert_config ...), read with the
    /// key path extended; a missing or non-dict value is an error naming it.</summary>
    public PyConfigReader Dict(string key) => Get(key) is PyDict d ? new PyConfigReader(d, source, $"{prefix}.{key}")
        : throw Error(key, Has(key) ? $"{Show(Get(key))} is not a dict" : "is missing");

    public void Fail(string key, string why) => throw Error(key, why);

    private object? Get(string key) => cfg.TryGetValue(key, out var v) ? v : null;

    public int Int(string key, int fallback) => Get(key) switch
    {
        null => fallback,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        var v => throw Error(key, $"{Show(v)} is not an integer"),
    };

    public double Double(string key, double fallback) => Get(key) switch
    {
        null => fallback,
        double d => d,
        long l => l,
        var v => throw Error(key, $"{Show(v)} is not a number"),
    };

    public bool Bool(string key, bool fallback) => Get(key) switch
    {
        null => fallback,
        bool b => b,
        var v => throw Error(key, $"{Show(v)} is not True or False"),
    };

    public string String(string key, string fallback) => Get(key) switch
    {
        null => fallback,
        string s => s,
        var v => throw Error(key, $"{Show(v)} is not a string"),
    };

    public void Require(string key, object expected, string why)
    {
        var v = Get(key);
        if (v is not null && !v.Equals(expected)) throw Error(key, $"{Show(v)} is not supported: {why}");
    }

    /// <summary>-1 (the reference's "off") or a list of kernel sizes.</summary>
    public IReadOnlyList<int>? Stacked(string key) => Get(key) switch
    {
        null or -1L => null,
        List<object?> list => list.Select(x => x is long l and > 0 and < int.MaxValue ? (int)l
            : throw Error(key, $"{Show(x)} is not a kernel size")).ToList(),
        var v => throw Error(key, $"{Show(v)} is neither -1 nor a list of kernel sizes"),
    };

    internal static string Show(object? v) => v switch
    {
        null => "None",
        string s => $"'{s}'",
        bool b => b ? "True" : "False",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        List<object?> l => $"[{string.Join(", ", l.Select(Show))}]",
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? v.GetType().Name,
    };
}

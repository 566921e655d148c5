using System.Globalization;
using Vcmr.Data;
using Vcmr.Models.Xml;

namespace Vcmr.Checkpoints;

/// <summary>Typed access to the values of a reference model_cfg (the EasyDict a TVR train.py saves), with errors
/// naming the source and the key.</summary>
internal sealed class ModelCfgReader(PyDict cfg, string source)
{
    public DataFormatException Error(string key, string why) => new($"{source}: model_cfg.{key}: {why}");

    public void Fail(string key, string why) => throw Error(key, why);

    /// <summary>One error naming every key of the model_cfg outside <paramref name="known"/>.</summary>
    public void RejectUnknown(string model, IEnumerable<string> known)
    {
        var names = known.ToList();
        var unknown = cfg.Keys.Where(k => !names.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new DataFormatException($"{source}: model_cfg has key{(unknown.Count > 1 ? "s" : "")} the suite's {model} does not know: {string.Join(", ", unknown)} (known: {string.Join(", ", names)})");
    }

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

    /// <summary>ctx_mode: video, sub or video_sub, each optionally with _tef.</summary>
    public (ContextMode Mode, bool Tef) ContextMode(string key, string fallback)
    {
        string name = String(key, fallback);
        bool tef = name.EndsWith("_tef", StringComparison.Ordinal);
        return (tef ? name[..^4] : name) switch
        {
            "video" => (Models.Xml.ContextMode.Video, tef),
            "sub" => (Models.Xml.ContextMode.Sub, tef),
            "video_sub" => (Models.Xml.ContextMode.VideoSub, tef),
            _ => throw Error(key, $"'{name}' is not one of video, sub, video_sub (each optionally with _tef)"),
        };
    }

    /// <summary>The reference's ctx_mode name of a context mode.</summary>
    public static string ContextModeName(ContextMode mode, bool tef) => mode switch
    {
        Models.Xml.ContextMode.Video => "video",
        Models.Xml.ContextMode.Sub => "sub",
        _ => "video_sub",
    } + (tef ? "_tef" : "");

    /// <summary>Runs a config's Validate, turning its error into one naming the source.</summary>
    public T Valid<T>(Func<T> validate)
    {
        try
        {
            return validate();
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException($"{source}: model_cfg describes an invalid model: {e.Message}", e);
        }
    }

    private static string Show(object? v) => v switch
    {
        null => "None",
        string s => $"'{s}'",
        bool b => b ? "True" : "False",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        List<object?> l => $"[{string.Join(", ", l.Select(Show))}]",
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? v.GetType().Name,
    };
}

using Vcmr.Data;
using Vcmr.Models.Xml;

namespace Vcmr.Checkpoints;

/// <summary>What the TVR reference configs (model_cfg) share: the unknown-key check, ctx_mode, and validation errors
/// that name the file.</summary>
internal static class ReferenceConfigs
{
    /// <summary>One error naming every key of <paramref name="cfg"/> outside <paramref name="known"/>.</summary>
    public static void RejectUnknown(PyDict cfg, string source, string model, IEnumerable<string> known)
    {
        var names = known.ToList();
        var unknown = cfg.Keys.Where(k => !names.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new DataFormatException($"{source}: model_cfg has key{(unknown.Count > 1 ? "s" : "")} the suite's {model} does not know: {string.Join(", ", unknown)} (known: {string.Join(", ", names)})");
    }

    /// <summary>ctx_mode: video, sub or video_sub, each optionally with _tef.</summary>
    public static (ContextMode Mode, bool Tef) ContextMode(PyConfigReader r, string source, string key, string fallback)
    {
        string name = r.String(key, fallback);
        bool tef = name.EndsWith("_tef", StringComparison.Ordinal);
        return (tef ? name[..^4] : name) switch
        {
            "video" => (Models.Xml.ContextMode.Video, tef),
            "sub" => (Models.Xml.ContextMode.Sub, tef),
            "video_sub" => (Models.Xml.ContextMode.VideoSub, tef),
            _ => throw new DataFormatException($"{source}: model_cfg.{key} '{name}' is not one of video, sub, video_sub (each optionally with _tef)"),
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
    public static T Valid<T>(string source, Func<T> validate)
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
}

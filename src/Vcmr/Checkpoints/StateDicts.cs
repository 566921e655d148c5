using System.Text;
using TorchSharp;
using Vcmr.Data;
using static TorchSharp.torch;

namespace Vcmr.Checkpoints;

/// <summary>Loading a state dict into a module by name, all or nothing.</summary>
public static class StateDicts
{
    /// <summary>
    /// Copies <paramref name="tensors"/> into <paramref name="module"/>'s parameters and buffers by name. Every
    /// missing, unexpected or mis-shaped tensor (and one whose dtype cannot be converted) is listed by name in one
    /// error naming <paramref name="source"/>; nothing is copied unless all fit. Floating tensors are converted to
    /// the module's dtype (a float64 or float16 file loads into a float32 model).
    /// </summary>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> tensors, string source, string modelName)
    {
        var own = module.state_dict();
        var missing = own.Keys.Where(k => !tensors.ContainsKey(k)).ToList();
        var unexpected = tensors.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var misShaped = own.Where(kv => tensors.TryGetValue(kv.Key, out var t) && !t.shape.SequenceEqual(kv.Value.shape))
            .Select(kv => $"{kv.Key}: file {Shape(tensors[kv.Key])}, model {Shape(kv.Value)}").ToList();
        var badType = own.Where(kv => tensors.TryGetValue(kv.Key, out var t) && t.dtype != kv.Value.dtype
                && !(t.is_floating_point() && kv.Value.is_floating_point()))
            .Select(kv => $"{kv.Key}: file {tensors[kv.Key].dtype}, model {kv.Value.dtype}").ToList();
        if (missing.Count + unexpected.Count + misShaped.Count + badType.Count > 0)
        {
            var text = new StringBuilder($"{source} does not fit {modelName}:");
            Section(text, "missing from the file", missing.Select(k => $"{k} {Shape(own[k])}"));
            Section(text, "unexpected (not in the model)", unexpected.Select(k => $"{k} {Shape(tensors[k])}"));
            Section(text, "mis-shaped", misShaped);
            Section(text, "wrong dtype", badType);
            throw new DataFormatException(text.ToString());
        }
        using var _ = no_grad();
        foreach (var (name, target) in own) target.copy_(tensors[name]);
    }

    private static void Section(StringBuilder text, string title, IEnumerable<string> lines)
    {
        var list = lines.ToList();
        if (list.Count == 0) return;
        text.Append($"\n  {list.Count} {title}:");
        foreach (var line in list) text.Append($"\n    {line}");
    }

    private static string Shape(Tensor t) => $"({string.Join(", ", t.shape)})";
}

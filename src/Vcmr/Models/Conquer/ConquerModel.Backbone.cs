using System.Text;
using Vcmr.Data;
using static TorchSharp.torch;

namespace Vcmr.Models.Conquer;

public sealed partial class ConquerModel
{
    /// <summary>The backbone of stage-wise training: the encoders and the QDF weights (train.py's
    /// --encoder_pretrain_ckpt_filepath loads these two; the heads start fresh).</summary>
    public static IReadOnlyList<string> BackbonePrefixes { get; } = ["encoder.", "query_weight."];

    /// <summary>
    /// Stage-wise training of the exclusive similarity: copies every backbone tensor (<see cref="BackbonePrefixes"/>)
    /// of <paramref name="stateDict"/> (a trained general model's) into this model by its full name; the heads keep
    /// their weights. A backbone tensor the source lacks or has in another shape is one error naming
    /// <paramref name="source"/> and every mismatch; nothing is copied unless all fit. (train.py strips the prefixes with
    /// str.lstrip, which removes characters, not a prefix; it works only because no module name after "encoder."
    /// starts with one of its letters. Names are matched whole here.)
    /// </summary>
    /// <returns>The number of tensors copied.</returns>
    public int LoadBackbone(IReadOnlyDictionary<string, Tensor> stateDict, string source)
    {
        var own = state_dict().Where(kv => BackbonePrefixes.Any(p => kv.Key.StartsWith(p, StringComparison.Ordinal))).ToList();
        var problems = new List<string>();
        foreach (var (name, t) in own)
        {
            if (!stateDict.TryGetValue(name, out var s)) problems.Add($"{name} ({string.Join(", ", t.shape)}): missing from the source");
            else if (!s.shape.SequenceEqual(t.shape)) problems.Add($"{name}: source ({string.Join(", ", s.shape)}), model ({string.Join(", ", t.shape)})");
        }
        if (problems.Count > 0)
        {
            var text = new StringBuilder($"{source}: its backbone does not fit this CONQUER ({Config.Context}{(Config.UsesQueryWeights ? ", QDF" : "")}, visual {Config.VisualDim}, hidden {Config.HiddenSize}):");
            foreach (var p in problems) text.Append("\n  ").Append(p);
            throw new DataFormatException(text.ToString());
        }
        using var noGrad = no_grad();
        foreach (var (name, t) in own) t.copy_(stateDict[name]);
        return own.Count;
    }
}

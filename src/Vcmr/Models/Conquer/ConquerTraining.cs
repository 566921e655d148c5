using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Models.Conquer;

/// <summary>CONQUER's optimisation (train.py): AdamW, lr 1e-4, weight decay 0.01 except biases and LayerNorm, the
/// backbone ("encoder", "query_weight") at lr_mul * lr, constant rate (lr_warmup_proportion is parsed but never used),
/// no gradient clipping.</summary>
public static class ConquerTraining
{
    /// <summary>train.py's backbone parameter groups.</summary>
    public static IReadOnlyList<string> BackbonePrefixes { get; } = ["encoder", "query_weight"];

    public static AdamW Optimizer(ConquerModel model, double lr = 1e-4, double weightDecay = 0.01, double lrMultiplier = 1) =>
        new(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), lr, weightDecay,
            backbonePrefixes: BackbonePrefixes.ToList(), backboneLrMultiplier: lrMultiplier);
}

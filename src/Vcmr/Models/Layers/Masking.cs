using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>Logit masking as in TVR's mask_logits: padded positions get -1e10 so softmax/max ignore them.</summary>
public static class Masking
{
    public const double LogitFill = -1e10;

    /// <param name="logits">any shape.</param>
    /// <param name="mask">same or broadcastable shape, 1 for real positions.</param>
    public static Tensor MaskLogits(Tensor logits, Tensor mask) => logits + (1 - mask) * LogitFill;
}

using TorchSharp;
using TorchSharp.Modules;
using Vcmr.Models.Layers;
using static TorchSharp.torch;

namespace Vcmr.Models.Prem;

/// <summary>
/// One of the localizer's two 1-D convolution boundary heads. The paper gives no sizes; this is the shape of CONQUER's
/// ConvSE (model/layers.py), the two-stage localizer PREM compares with: Conv1d(hidden -> channels, kernel k, padding
/// k/2, no bias) -> ReLU -> Conv1d(channels -> 1, kernel 1, no bias), one masked logit per clip.
/// </summary>
public sealed class BoundaryHead : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Sequential clip_score_predictor;

    public BoundaryHead(int hidden, int channels, int kernelSize) : base(nameof(BoundaryHead))
    {
        if (kernelSize < 1 || kernelSize % 2 == 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "must be odd and >= 1");
        clip_score_predictor = nn.Sequential(
            ("0", nn.Conv1d(hidden, channels, kernelSize, padding: kernelSize / 2, bias: false)),
            ("1", nn.ReLU()),
            ("2", nn.Conv1d(channels, 1, 1, bias: false)));
        RegisterComponents();
    }

    /// <param name="x">(N, L, D) clip features.</param>
    /// <param name="mask">(N, L) 1 for real clips.</param>
    /// <returns>(N, L) logits, padded clips at <see cref="Masking.LogitFill"/>.</returns>
    public override Tensor forward(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var logits = clip_score_predictor.forward(x.transpose(1, 2)).squeeze(1);
        return Masking.MaskLogits(logits, mask).MoveToOuterDisposeScope();
    }
}

using TorchSharp;
using Vcmr.Models.Layers;
using static TorchSharp.torch;

namespace Vcmr.Models.Conquer;

/// <summary>LinearLayer to the hidden size, then a BERT encoder without position embeddings (model/layers.py's
/// FCPlusTransformer): contextualises the QAL features and feeds the heads.</summary>
public sealed class FCPlusTransformer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly LinearLayer trans_linear;
    private readonly BertEncoder encoder;

    public FCPlusTransformer(ConquerConfig c, int inputDim) : base(nameof(FCPlusTransformer))
    {
        trans_linear = new LinearLayer(inputDim, c.HiddenSize, c.Dropout);
        encoder = new BertEncoder(c.Layers, c.HiddenSize, c.Heads, c.IntermediateSize, c.Dropout, c.AttentionDropout, c.LayerNormEps);
        RegisterComponents();
    }

    /// <param name="features">(N, L, D_in).</param>
    /// <param name="mask">(N, L).</param>
    public override Tensor forward(Tensor features, Tensor mask)
    {
        using var projected = trans_linear.forward(features);
        return encoder.forward(projected, mask);
    }
}

/// <summary>ConvSE (model/layers.py): Conv1d(D, 128, k=5, pad 2, no bias) -> ReLU -> Conv1d(128, 1, k=1, no bias)
/// over the clip axis, then masked: one logit per clip.</summary>
public sealed class ConvSE : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Sequential clip_score_predictor;

    public ConvSE(ConquerConfig c) : base(nameof(ConvSE))
    {
        clip_score_predictor = nn.Sequential(
            ("0", nn.Conv1d(c.HiddenSize, c.ConvChannels, c.ConvKernelSize, padding: c.ConvKernelSize / 2, bias: false)),
            ("1", nn.ReLU()),
            ("2", nn.Conv1d(c.ConvChannels, 1, 1, bias: false)));
        RegisterComponents();
    }

    /// <param name="features">(N, L, D), clips along the second axis.</param>
    /// <param name="mask">(N, L).</param>
    /// <returns>(N, L) logits, <see cref="BiDirectionalAttention.VeryNegative"/> on padding.</returns>
    public override Tensor forward(Tensor features, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var logits = clip_score_predictor.forward(features.transpose(1, 2)).squeeze(1);
        return ConquerModel.MaskLogits(logits, mask).MoveToOuterDisposeScope();
    }
}

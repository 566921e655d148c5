using TorchSharp;
using TorchSharp.Modules;
using Vcmr.Models.Layers;
using static TorchSharp.torch;

namespace Vcmr.Models.Prem;

/// <summary>Segments of a localizer batch's videos: row (into the batch's flattened videos), first and last clip
/// (inclusive) and the label (1 relevant, 0 not), each (S).</summary>
public sealed record Segments(Tensor Rows, Tensor Start, Tensor End, Tensor Labels) : IDisposable
{
    public long Count => Rows.shape[0];

    public void Dispose()
    {
        Rows.Dispose();
        Start.Dispose();
        End.Dispose();
        Labels.Dispose();
    }
}

/// <summary>
/// PREM's relevant-content adversarial classifier (training only): a segment's clips of the fused sequence go through
/// an extra transformer (<see cref="PremLocalizerConfig.AdversarialLayers"/> BERT layers; none: the clips as they are),
/// are max-pooled and scored by a 3-layer MLP (d -> d -> d -> 1, ReLU): one logit per segment, relevant or not.
/// </summary>
public sealed class AdversarialClassifier : nn.Module<Tensor, Segments, Tensor>
{
    private readonly BertEncoder? encoder;
    private readonly Sequential classifier;

    public AdversarialClassifier(PremLocalizerConfig c) : base(nameof(AdversarialClassifier))
    {
        int d = c.HiddenSize;
        if (c.AdversarialLayers > 0) encoder = new BertEncoder(c.AdversarialLayers, d, c.Heads, c.IntermediateSize, c.Dropout, c.Dropout, PremEncoderConfig.LayerNormEps);
        classifier = nn.Sequential(("0", nn.Linear(d, d)), ("1", nn.ReLU()), ("2", nn.Linear(d, d)), ("3", nn.ReLU()), ("4", nn.Linear(d, 1)));
        RegisterComponents();
    }

    /// <param name="clips">(P, L, D) the fused clip sequences of the batch's videos.</param>
    /// <returns>(S) one logit per segment.</returns>
    public override Tensor forward(Tensor clips, Segments segments)
    {
        using var scope = NewDisposeScope();
        long l = clips.shape[1], d = clips.shape[2];
        var length = segments.End - segments.Start + 1;                                    // (S)
        long width = length.max().item<long>();
        var offset = arange(width, dtype: int64, device: clips.device).unsqueeze(0);        // (1, W)
        var mask = (offset < length.unsqueeze(1)).to(float32);                             // (S, W)
        var clip = (segments.Start.unsqueeze(1) + offset).minimum(segments.End.unsqueeze(1)); // padding repeats the last clip
        var rows = (segments.Rows.unsqueeze(1) * l + clip).flatten();
        var x = clips.reshape(-1, d).index_select(0, rows).view(-1, width, d);
        if (encoder is not null) x = encoder.forward(x, mask);
        var pooled = Masking.MaskLogits(x, mask.unsqueeze(2)).amax(1);
        return classifier.forward(pooled).squeeze(-1).MoveToOuterDisposeScope();
    }
}

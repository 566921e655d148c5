using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Conquer;

/// <summary>
/// The moment localisation head (model/head/ml_head.py): begin features B = FCPlusTransformer(G) from G = [QAL; C]
/// (5D wide), end features E = FCPlusTransformer([C; B]) (2D wide), each read out by its <see cref="ConvSE"/>.
/// </summary>
public sealed class MomentLocalizationHead : nn.Module<Tensor, Tensor, Tensor, (Tensor Begin, Tensor End)>
{
    private readonly FCPlusTransformer begin_feature_modeling, end_feature_modeling;
    private readonly ConvSE begin_score_modeling, end_score_modeling;

    public MomentLocalizationHead(ConquerConfig c) : base(nameof(MomentLocalizationHead))
    {
        begin_feature_modeling = new FCPlusTransformer(c, 5 * c.HiddenSize);
        end_feature_modeling = new FCPlusTransformer(c, 2 * c.HiddenSize);
        begin_score_modeling = new ConvSE(c);
        end_score_modeling = new ConvSE(c);
        RegisterComponents();
    }

    /// <param name="g">(N, L, 5D) [QAL; C].</param>
    /// <param name="contextual">(N, L, D) C.</param>
    /// <param name="mask">(N, L).</param>
    /// <returns>(N, L) masked begin and end logits.</returns>
    public override (Tensor Begin, Tensor End) forward(Tensor g, Tensor contextual, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var begin = begin_feature_modeling.forward(g, mask);
        var end = end_feature_modeling.forward(cat([contextual, begin], 2), mask);
        return (begin_score_modeling.forward(begin, mask).MoveToOuterDisposeScope(), end_score_modeling.forward(end, mask).MoveToOuterDisposeScope());
    }
}

/// <summary>
/// The video scoring head of the exclusive similarity (model/head/vs_head.py): R = FCPlusTransformer(G), max-pooled
/// over every clip position (padding included: the reference pools without a mask), then Linear(D, 128, no bias) ->
/// ReLU -> Linear(128, 1, no bias): one logit per (query, video) pair.
/// </summary>
public sealed class VideoScoringHead : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly FCPlusTransformer video_feature_modeling;
    private readonly Sequential video_score_predictor;

    public VideoScoringHead(ConquerConfig c) : base(nameof(VideoScoringHead))
    {
        video_feature_modeling = new FCPlusTransformer(c, 5 * c.HiddenSize);
        video_score_predictor = nn.Sequential(
            ("0", nn.Linear(c.HiddenSize, c.VideoScoringHidden, hasBias: false)),
            ("1", nn.ReLU()),
            ("2", nn.Linear(c.VideoScoringHidden, 1, hasBias: false)));
        RegisterComponents();
    }

    /// <param name="g">(N, L, 5D).</param>
    /// <param name="mask">(N, L), for the transformer's keys only.</param>
    /// <returns>(N) video logits.</returns>
    public override Tensor forward(Tensor g, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var holistic = video_feature_modeling.forward(g, mask).amax(1);
        return video_score_predictor.forward(holistic).squeeze(1).MoveToOuterDisposeScope();
    }
}

using Vcmr.Data;
using Vcmr.Models.Xml;

namespace Vcmr.Models.Baselines.Mee;

/// <summary>
/// Mixture of Embedding Experts (Miech et al. 2018) as TVR's baselines/mixture_embedding_experts implements it for
/// video retrieval. Defaults (<see cref="Paper"/>) are its config.py and train.py values for the TVR run
/// (`scripts/train.sh tvr video_sub resnet_i3d`): model_cfg ctx_mode video_sub, vid_input_size 3072 (mee_base_cfg's
/// 1024 is the I3D-only size), text_input_size 768, output_size 256, margin 0.2; data max_desc_l 30, max_ctx_l 100,
/// --no_norm_vfeat (the ResNet+I3D concatenation is normalised per part already).
/// </summary>
public sealed record MeeConfig
{
    public static MeeConfig Paper { get; } = new();

    /// <summary>train.py: torch Adam, lr 1e-4, ExponentialLR(gamma 0.95) stepped after every epoch; 50 epochs of 128
    /// queries, early stop after 10 epochs without a better VR R@1.</summary>
    public static Training.TrainerOptions ReferenceTraining { get; } = new()
    {
        Epochs = 50, Optimizer = Training.OptimizerKind.Adam, LearningRate = 1e-4, WeightDecay = 0, LrDecay = 0.95, Patience = 10,
    };

    public ContextMode ContextMode { get; init; } = ContextMode.VideoSub;
    /// <summary>vid_input_size: the mean-pooled video feature's width.</summary>
    public int VisualDim { get; init; } = 3072;
    /// <summary>text_input_size: query token and subtitle clip width.</summary>
    public int TextDim { get; init; } = 768;
    /// <summary>output_size: the joint embedding width of every gated embedding unit.</summary>
    public int OutputSize { get; init; } = 256;
    /// <summary>NetVLAD clusters of the query pooling (model.py fixes 2).</summary>
    public int Clusters { get; init; } = 2;
    /// <summary>Margin of the bidirectional max-margin ranking loss.</summary>
    public double Margin { get; init; } = 0.2;
    /// <summary>max_desc_l. Queries are padded with zero tokens to this length before NetVLAD, which has no mask and
    /// so sees the padding: the reference pads to the batch maximum, which its 128- and 1000-query batches almost
    /// always bring to the cut of 30; a fixed length keeps a query's embedding independent of its batch.</summary>
    public int MaxQueryLength { get; init; } = 30;
    /// <summary>max_ctx_l: the video and subtitle features are averaged over the first this many clips.</summary>
    public int MaxContextLength { get; init; } = 100;
    /// <summary>L2-normalise the averaged video feature (false: --no_norm_vfeat, the reference's resnet_i3d run).</summary>
    public bool NormalizeVideo { get; init; }
    /// <summary>L2-normalise the averaged subtitle feature (the reference's default).</summary>
    public bool NormalizeSubtitle { get; init; } = true;

    public bool HasVideo => ContextMode != ContextMode.Sub;
    public bool HasSub => ContextMode != ContextMode.Video;

    /// <summary>How MEE reads the feature stores: raw clips (it averages them and normalises the average, as the
    /// reference does), cut to <see cref="MaxContextLength"/>, no TEF.</summary>
    public FeatureOptions ReadOptions(FeatureOptions corpus) =>
        corpus with { MaxCtxLen = MaxContextLength, MaxDescLen = MaxQueryLength, NormalizeVideo = false, NormalizeSubtitle = false, Tef = false };

    /// <summary>This config with the corpus's normalisation (the reference's --no_norm_vfeat / --no_norm_tfeat as the
    /// corpus's <see cref="FeatureOptions"/> say), applied to the pooled or per-clip features the model builds.</summary>
    public MeeConfig MatchCorpus(FeatureOptions corpus) => this with { NormalizeVideo = corpus.NormalizeVideo, NormalizeSubtitle = corpus.NormalizeSubtitle };

    /// <summary>Throws naming the first invalid key.</summary>
    public MeeConfig Validate()
    {
        if (!Enum.IsDefined(ContextMode)) Fail(nameof(ContextMode), $"{ContextMode} is not a context mode");
        Positive(VisualDim, nameof(VisualDim));
        Positive(TextDim, nameof(TextDim));
        Positive(OutputSize, nameof(OutputSize));
        Positive(Clusters, nameof(Clusters));
        if (!(Margin >= 0)) Fail(nameof(Margin), $"{Margin} must be >= 0");
        Positive(MaxQueryLength, nameof(MaxQueryLength));
        Positive(MaxContextLength, nameof(MaxContextLength));
        return this;
    }

    private static void Positive(int v, string key) { if (v <= 0) Fail(key, $"{v} must be > 0"); }
    private static void Fail(string key, string why) => throw new ArgumentException($"MeeConfig.{key}: {why}", key);
}

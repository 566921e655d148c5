namespace Vcmr.Models.Xml;

/// <summary>Which context streams XML reads (TVR's ctx_mode).</summary>
public enum ContextMode { Video, Sub, VideoSub }

/// <summary>Ranking loss on video-level scores (TVR's ranking_loss_type).</summary>
public enum RankingLoss { Hinge, Lse }

/// <summary>
/// XML hyper-parameters. Defaults (<see cref="Paper"/>) are TVR's config.py values as used by train.py for the
/// paper model (`train.sh tvr video_sub resnet_i3d`; baselines/crossmodal_moment_localization/config.py of jayleicn/TVRetrieval).
/// </summary>
public sealed record XmlConfig
{
    /// <summary>The paper configuration.</summary>
    public static XmlConfig Paper { get; } = new();

    /// <summary>ResNet+I3D clip feature size (2048 + 1024).</summary>
    public int VisualDim { get; init; } = 3072;
    /// <summary>RoBERTa query token / subtitle clip feature size.</summary>
    public int TextDim { get; init; } = 768;
    /// <summary>Adds the 2 temporal endpoint features (tef) to each context stream's input.</summary>
    public bool UseTef { get; init; }
    public ContextMode ContextMode { get; init; } = ContextMode.VideoSub;
    /// <summary>train.py passes 256 (xml_base_config says 500).</summary>
    public int HiddenSize { get; init; } = 256;
    public int Heads { get; init; } = 4;
    public double InputDropout { get; init; } = 0.1;
    /// <summary>Dropout of encoders and cross-attention (the reference ignores cross_att_drop).</summary>
    public double Dropout { get; init; } = 0.1;
    public int MaxContextLength { get; init; } = 100;
    public int MaxQueryLength { get; init; } = 30;
    public double InitializerRange { get; init; } = 0.02;
    /// <summary>Modular query (per-stream token attention) vs max-pooled query (--no_modular).</summary>
    public bool Modular { get; init; } = true;
    /// <summary>Video/subtitle cross-attention between the shallow and deep encoder layers.</summary>
    public bool CrossAttention { get; init; } = true;
    /// <summary>ConvSE kernel size (odd; padding keeps the length).</summary>
    public int ConvKernelSize { get; init; } = 5;
    /// <summary>The alternative span predictor (--stack_conv_predictor_conv_kernel_sizes): one ConvSE filter per
    /// (odd) size, their outputs combined by a learned linear layer without bias, for start and for end. Null: the
    /// single filter of <see cref="ConvKernelSize"/>. The reference uses it only for the merged two-stream ConvSE.</summary>
    public IReadOnlyList<int>? StackedConvKernelSizes { get; init; }
    public RankingLoss RankingLoss { get; init; } = RankingLoss.Hinge;
    public double Margin { get; init; } = 0.1;
    public double LossWeightNegQuery { get; init; } = 1;
    public double LossWeightNegContext { get; init; } = 1;
    public double LossWeightStartEnd { get; init; } = 0.01;
    /// <summary>Epoch from which negatives come from the hardest pool (reference: hard_negtiave_start_epoch).</summary>
    public int HardNegativeStartEpoch { get; init; } = 20;
    public int HardPoolSize { get; init; } = 20;

    public bool HasVideo => ContextMode != ContextMode.Sub;
    public bool HasSub => ContextMode != ContextMode.Video;
    public int StreamCount => (HasVideo ? 1 : 0) + (HasSub ? 1 : 0);
    /// <summary>Cross-attention needs both streams; without it each stream has a third self-attention layer.</summary>
    public bool UsesCrossAttention => CrossAttention && HasVideo && HasSub;
    public int VideoInputDim => VisualDim + (UseTef ? 2 : 0);
    public int SubInputDim => TextDim + (UseTef ? 2 : 0);

    /// <summary>Throws naming the first invalid key.</summary>
    public XmlConfig Validate()
    {
        Positive(VisualDim, nameof(VisualDim));
        Positive(TextDim, nameof(TextDim));
        Positive(HiddenSize, nameof(HiddenSize));
        Positive(Heads, nameof(Heads));
        if (HiddenSize % Heads != 0) Fail(nameof(HiddenSize), $"{HiddenSize} is not a multiple of {nameof(Heads)}={Heads}");
        Probability(InputDropout, nameof(InputDropout));
        Probability(Dropout, nameof(Dropout));
        Positive(MaxContextLength, nameof(MaxContextLength));
        Positive(MaxQueryLength, nameof(MaxQueryLength));
        if (!(InitializerRange > 0)) Fail(nameof(InitializerRange), $"{InitializerRange} must be > 0");
        if (ConvKernelSize < 1 || ConvKernelSize % 2 == 0) Fail(nameof(ConvKernelSize), $"{ConvKernelSize} must be odd and >= 1");
        if (StackedConvKernelSizes is { } sizes)
        {
            if (sizes.Count == 0) Fail(nameof(StackedConvKernelSizes), "is empty (use null for the single ConvSE filter)");
            if (sizes.Any(k => k < 1 || k % 2 == 0))
                Fail(nameof(StackedConvKernelSizes), $"[{string.Join(", ", sizes)}]: every size must be odd and >= 1");
            if (ContextMode != ContextMode.VideoSub)
                Fail(nameof(StackedConvKernelSizes), $"needs ContextMode {ContextMode.VideoSub} (the stacked predictor merges the two streams), not {ContextMode}");
        }
        if (!(Margin >= 0)) Fail(nameof(Margin), $"{Margin} must be >= 0");
        NonNegative(LossWeightNegQuery, nameof(LossWeightNegQuery));
        NonNegative(LossWeightNegContext, nameof(LossWeightNegContext));
        NonNegative(LossWeightStartEnd, nameof(LossWeightStartEnd));
        if (HardNegativeStartEpoch < 0) Fail(nameof(HardNegativeStartEpoch), $"{HardNegativeStartEpoch} must be >= 0");
        Positive(HardPoolSize, nameof(HardPoolSize));
        if (!Enum.IsDefined(ContextMode)) Fail(nameof(ContextMode), $"{ContextMode} is not a context mode");
        if (!Enum.IsDefined(RankingLoss)) Fail(nameof(RankingLoss), $"{RankingLoss} is not a ranking loss");
        return this;
    }

    private static void Positive(int v, string key) { if (v <= 0) Fail(key, $"{v} must be > 0"); }
    private static void NonNegative(double v, string key) { if (!(v >= 0)) Fail(key, $"{v} must be >= 0"); }
    private static void Probability(double v, string key) { if (!(v >= 0 && v < 1)) Fail(key, $"{v} must be in [0, 1)"); }
    private static void Fail(string key, string why) => throw new ArgumentException($"XmlConfig.{key}: {why}", key);
}

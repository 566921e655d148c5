using Vcmr.Models.Xml;

namespace Vcmr.Models.Baselines.Excl;

/// <summary>
/// ExCL, extractive clip localization (Ghosh et al. 2019), as TVR's baselines/excl implements it. Defaults
/// (<see cref="Paper"/>) are its config.py values as train.py passes them (`scripts/train.sh tvr video_sub
/// resnet_i3d`): hidden_size 128 (model.py's excl_base_cfg says 256), drop 0.1 (excl_base_cfg says 0.5),
/// initializer_range 0.02; Adam lr 1e-3 for 30 epochs. ExCL reads the stores as XML does (start_end_dataset.py: the
/// first max_ctx_l = 100 clips, L2-normalised per clip; queries cut to max_desc_l = 30 tokens), the data's
/// <see cref="Data.FeatureOptions"/> defaults.
/// </summary>
public sealed record ExclConfig
{
    public static ExclConfig Paper { get; } = new();

    /// <summary>train.py: torch Adam, lr 1e-3, constant (config.py's wd and warm-up are not passed to it); 30 epochs of
    /// 128 queries, early stop after 10 epochs without a better SVMR R@1 (IoU 0.5 + 0.7).</summary>
    public static Training.TrainerOptions ReferenceTraining { get; } = new()
    {
        Epochs = 30, Optimizer = Training.OptimizerKind.Adam, LearningRate = 1e-3, WeightDecay = 0, Patience = 10,
    };

    public ContextMode ContextMode { get; init; } = ContextMode.VideoSub;
    /// <summary>Append [i / L, (i + 1) / L] to every clip of both streams (ctx_mode with _tef).</summary>
    public bool UseTef { get; init; }
    public int VisualDim { get; init; } = 3072;
    public int TextDim { get; init; } = 768;
    /// <summary>hidden_size: each BiLSTM has HiddenSize / 2 units per direction, so its outputs are HiddenSize wide.</summary>
    public int HiddenSize { get; init; } = 128;
    /// <summary>drop: dropout on the inputs of both BiLSTM layers of each stream.</summary>
    public double Dropout { get; init; } = 0.1;
    public double InitializerRange { get; init; } = 0.02;

    public bool HasVideo => ContextMode != ContextMode.Sub;
    public bool HasSub => ContextMode != ContextMode.Video;
    public int StreamCount => (HasVideo ? 1 : 0) + (HasSub ? 1 : 0);
    public int VideoInputDim => VisualDim + (UseTef ? 2 : 0);
    public int SubInputDim => TextDim + (UseTef ? 2 : 0);

    /// <summary>Throws naming the first invalid key.</summary>
    public ExclConfig Validate()
    {
        if (!Enum.IsDefined(ContextMode)) Fail(nameof(ContextMode), $"{ContextMode} is not a context mode");
        Positive(VisualDim, nameof(VisualDim));
        Positive(TextDim, nameof(TextDim));
        if (HiddenSize < 2 || HiddenSize % 2 != 0) Fail(nameof(HiddenSize), $"{HiddenSize} must be even and >= 2 (half per direction)");
        if (!(Dropout >= 0 && Dropout < 1)) Fail(nameof(Dropout), $"{Dropout} must be in [0, 1)");
        if (!(InitializerRange > 0)) Fail(nameof(InitializerRange), $"{InitializerRange} must be > 0");
        return this;
    }

    private static void Positive(int v, string key) { if (v <= 0) Fail(key, $"{v} must be > 0"); }
    private static void Fail(string key, string why) => throw new ArgumentException($"ExclConfig.{key}: {why}", key);
}

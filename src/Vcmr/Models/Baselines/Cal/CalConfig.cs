using Vcmr.Data;
using Vcmr.Models.Xml;

namespace Vcmr.Models.Baselines.Cal;

/// <summary>TVR's --model_type: CAL aligns every clip of a moment with the query; MCN mean-pools the moment's clips
/// first (the dataset's pool_local), so a moment is one vector.</summary>
public enum ProposalModelType { Cal, Mcn }

/// <summary>
/// Clip Alignment with Language (Escorcia et al. 2019) and MCN (Hendricks et al. 2017) as TVR's
/// baselines/clip_alignment_with_language implements them (CALWithSub). Defaults (<see cref="Paper"/>) are its
/// config.py values for the TVR runs with video, subtitles and temporal endpoint features
/// (`train.sh tvr video_sub_tef resnet_i3d`, the context mode of its re_train_cal.sh / re_train_mcn.sh): hidden and
/// output sizes 256, LSTM 256, margin 0.1, hinge loss, inter-video negatives weighted 0.4, and the proposal scheme of
/// local_utils/proposal.py ProposalConfigs["tvr"]. <see cref="Mcn"/> is the same with model_type mcn.
/// </summary>
public sealed record CalConfig
{
    public static CalConfig Paper { get; } = new();

    /// <summary>train.py: SGD lr 0.05, momentum 0.95, no weight decay, StepLR /10 every 30 epochs; 108 epochs of 128
    /// queries (max_es_cnt 108: no early stop), model selection on SVMR R@1 (IoU 0.5).</summary>
    public static Training.TrainerOptions ReferenceTraining { get; } = new()
    {
        Epochs = 108, Optimizer = Training.OptimizerKind.Sgd, LearningRate = 0.05, Momentum = 0.95, WeightDecay = 0, LrDecay = 0.1, LrDecayEpochs = 30,
        Patience = 108,
    };
    public static CalConfig Mcn { get; } = new() { ModelType = ProposalModelType.Mcn };

    public ProposalModelType ModelType { get; init; } = ProposalModelType.Cal;
    public ContextMode ContextMode { get; init; } = ContextMode.VideoSub;
    /// <summary>Append [st / duration, ed / duration] of the moment to every clip's input (ctx_mode with _tef).</summary>
    public bool UseTef { get; init; } = true;
    /// <summary>Stored video clip width (resnet_i3d: 3072). The MLP reads [clip; video context; tef] = 2 x this + 2.</summary>
    public int VisualDim { get; init; } = 3072;
    /// <summary>Query token and subtitle clip width (desc_feat_size, sub_feat_size).</summary>
    public int TextDim { get; init; } = 768;
    /// <summary>visual_hidden_size: the hidden layer of each stream's moment MLP.</summary>
    public int HiddenSize { get; init; } = 256;
    /// <summary>output_size: the joint space of moments and queries.</summary>
    public int OutputSize { get; init; } = 256;
    /// <summary>lstm_hidden_size of the query LSTM.</summary>
    public int LstmHiddenSize { get; init; } = 256;
    public RankingLoss LossType { get; init; } = RankingLoss.Hinge;
    public double Margin { get; init; } = 0.1;
    /// <summary>Weight of the inter-video hinge term. config.py's default; note that the reference's train.py multiplies
    /// it by (ctx_mode == "tef"), which switches the term off for every context mode with video or subtitles (the
    /// opposite of the comment in its model.py): set 0 to train as that script does.</summary>
    public double InterLossWeight { get; init; } = 0.4;
    /// <summary>Random clip-aligned moments drawn for the intra-video negative; the one with the lowest IoU with the
    /// ground truth is used (sample_intra_neg_moment's max_n_search). The reference's 0.35 threshold (neg_iou_thd)
    /// only appears in a commented-out check, so it is not a setting here.</summary>
    public int IntraNegativeDraws { get; init; } = 5;
    /// <summary>Proposals per video at inference: the shortest this many (ProposalRetrievalEvalDataset's
    /// max_n_proposals = 90); null keeps every window.</summary>
    public int? MaxProposals { get; init; } = 90;
    public SlidingWindowProposals Proposals { get; init; } = SlidingWindowProposals.Tvr;
    /// <summary>max_desc_l.</summary>
    public int MaxQueryLength { get; init; } = 30;
    /// <summary>L2-normalise video clips (and the video context vector; false: --no_norm_vfeat, the resnet_i3d run).</summary>
    public bool NormalizeVideo { get; init; }
    /// <summary>L2-normalise subtitle clips and their context vector (the reference's default).</summary>
    public bool NormalizeSubtitle { get; init; } = true;

    public bool HasVideo => ContextMode != ContextMode.Sub;
    public bool HasSub => ContextMode != ContextMode.Video;
    public bool PoolLocal => ModelType == ProposalModelType.Mcn;
    public int StreamCount => (HasVideo ? 1 : 0) + (HasSub ? 1 : 0);
    /// <summary>The video MLP's input: [clip; context; tef] (the dataset's vid_feat_output_size).</summary>
    public int VideoInputDim => 2 * VisualDim + (UseTef ? 2 : 0);
    /// <summary>The subtitle MLP's input (sub_feat_output_size).</summary>
    public int SubInputDim => 2 * TextDim + (UseTef ? 2 : 0);

    /// <summary>How CAL reads the feature stores: raw clips of the whole video (its proposals and the context vector
    /// span the full duration, not the first max_ctx_l clips; it normalises clips itself), no TEF columns.</summary>
    public FeatureOptions ReadOptions(FeatureOptions corpus) =>
        corpus with { MaxCtxLen = int.MaxValue, MaxDescLen = MaxQueryLength, NormalizeVideo = false, NormalizeSubtitle = false, Tef = false };

    /// <summary>This config with the corpus's normalisation (the reference's --no_norm_vfeat / --no_norm_tfeat as the
    /// corpus's <see cref="FeatureOptions"/> say), applied to the pooled or per-clip features the model builds.</summary>
    public CalConfig MatchCorpus(FeatureOptions corpus) => this with { NormalizeVideo = corpus.NormalizeVideo, NormalizeSubtitle = corpus.NormalizeSubtitle };

    /// <summary>Throws naming the first invalid key.</summary>
    public CalConfig Validate()
    {
        if (!Enum.IsDefined(ModelType)) Fail(nameof(ModelType), $"{ModelType} is not cal or mcn");
        if (!Enum.IsDefined(ContextMode)) Fail(nameof(ContextMode), $"{ContextMode} is not a context mode");
        if (!Enum.IsDefined(LossType)) Fail(nameof(LossType), $"{LossType} is not hinge or lse");
        Positive(VisualDim, nameof(VisualDim));
        Positive(TextDim, nameof(TextDim));
        Positive(HiddenSize, nameof(HiddenSize));
        Positive(OutputSize, nameof(OutputSize));
        Positive(LstmHiddenSize, nameof(LstmHiddenSize));
        if (!(Margin >= 0)) Fail(nameof(Margin), $"{Margin} must be >= 0");
        if (!(InterLossWeight >= 0)) Fail(nameof(InterLossWeight), $"{InterLossWeight} must be >= 0");
        Positive(IntraNegativeDraws, nameof(IntraNegativeDraws));
        if (MaxProposals is < 1) Fail(nameof(MaxProposals), $"{MaxProposals} must be >= 1 (or null for every window)");
        Positive(MaxQueryLength, nameof(MaxQueryLength));
        try
        {
            Proposals.Validate();
        }
        catch (ArgumentException e)
        {
            Fail(nameof(Proposals), e.Message);
        }
        return this;
    }

    private static void Positive(int v, string key) { if (v <= 0) Fail(key, $"{v} must be > 0"); }
    private static void Fail(string key, string why) => throw new ArgumentException($"CalConfig.{key}: {why}", key);
}

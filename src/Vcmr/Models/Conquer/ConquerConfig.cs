using Vcmr.Inference;

namespace Vcmr.Models.Conquer;

/// <summary>How CONQUER scores a moment across its candidate videos (--similarity_measure).</summary>
public enum SimilarityMeasure
{
    /// <summary>r_v * P_st * P_ed with r the first stage's score; VR keeps the first stage's order.</summary>
    General,
    /// <summary>r_v * P_st * P_ed with r the softmax over the candidates of the video scoring head; VR re-ranked by r.</summary>
    Exclusive,
    /// <summary>b_i + e_j on the raw logits; VR re-ranked by each video's best span.</summary>
    Disjoint,
}

/// <summary>Which clip streams CONQUER reads (--ctx_mode).</summary>
public enum ConquerContext
{
    /// <summary>visual_sub: visual and subtitle clips, one joint transformer (TwoModalEncoder), query-dependent fusion.</summary>
    VisualSub,
    /// <summary>visual: the visual clips alone (OneModalEncoder).</summary>
    Visual,
    /// <summary>sub: the subtitle clips alone (OneModalEncoder over the subtitle features, token type 1). The reference
    /// cannot run this mode (its encoder feeds the visual features to a "sub" encoder); the suite's is the natural reading.</summary>
    Sub,
}

/// <summary>
/// CONQUER hyper-parameters. Defaults (<see cref="Paper"/>) are the reference's (houzhijian/CONQUER d4af371):
/// config/model_config.json for the architecture (BERT layers of hidden 768, 12 heads, FFN 3072, 1 layer, dropout 0.1,
/// LayerNorm eps 1e-5, init N(0, 0.02); NetVLAD of 32 clusters with moe dropout 0.1; ConvSE 768 -> 128 (kernel 5) -> 1;
/// video scoring 768 -> 128 -> 1), config/config.py for the rest (visual_dim 4352 = ResNet 2048 + SlowFast 2304,
/// text_dim 768, max_ctx_len 100, max_desc_len 30, lw_st_ed 0.01, lw_video_ce 0.05, neg_video_num 3,
/// use_extend_pool 1000, min_pred_l 0, max_pred_l 24, max_vcmr_video 10, max_before_nms 200, nms_thd -1) and the
/// shared-normalisation scripts (scripts/train_sharednorm_*.sh: bsz 16). The paper model is the general similarity
/// with shared normalisation, evaluated with NMS 0.7 (scripts/inference.sh ... --nms_thd 0.7).
/// </summary>
public sealed record ConquerConfig
{
    public static ConquerConfig Paper { get; } = new();

    /// <summary>visual_dim: ResNet-152 (2048) + SlowFast (2304) clip features.</summary>
    public int VisualDim { get; init; } = 4352;
    /// <summary>text_dim: RoBERTa subtitle clip features.</summary>
    public int TextDim { get; init; } = 768;
    /// <summary>query_dim: RoBERTa query token features.</summary>
    public int QueryDim { get; init; } = 768;
    /// <summary>hidden_dim (= bert_config.hidden_size).</summary>
    public int HiddenSize { get; init; } = 768;
    public int Heads { get; init; } = 12;
    /// <summary>num_hidden_layers of every transformer (encoders and heads).</summary>
    public int Layers { get; init; } = 1;
    public int IntermediateSize { get; init; } = 3072;
    /// <summary>hidden_dropout_prob (BERT layers and embeddings) and the LinearLayer dropout.</summary>
    public double Dropout { get; init; } = 0.1;
    public double AttentionDropout { get; init; } = 0.1;
    public double LayerNormEps { get; init; } = 1e-5;
    public double InitializerRange { get; init; } = 0.02;
    /// <summary>max_ctx_len (= bert_config.max_position_embeddings): every video is padded (or cut) to this many clips.</summary>
    public int MaxContextLength { get; init; } = 100;
    /// <summary>max_desc_len (= query_bert_config.max_position_embeddings): every query is padded (or cut) to this many tokens.</summary>
    public int MaxQueryLength { get; init; } = 30;
    public ConquerContext Context { get; init; } = ConquerContext.VisualSub;
    /// <summary>Query-dependent fusion (QDF): NetVLAD over the query tokens, FC and softmax give the weight of each
    /// stream per query. False is --no_output_moe_weight: the plain average of the streams.</summary>
    public bool QueryDependentFusion { get; init; } = true;
    /// <summary>netvlad_config.text_cluster.</summary>
    public int NetVladClusters { get; init; } = 32;
    /// <summary>netvlad_config.moe_dropout_prob.</summary>
    public double MoeDropout { get; init; } = 0.1;
    /// <summary>ConvSE's hidden channels (moment_localization_config.conv_cfg_1.out_channels).</summary>
    public int ConvChannels { get; init; } = 128;
    /// <summary>ConvSE's first kernel (conv_cfg_1.kernel_size; padding keeps the length).</summary>
    public int ConvKernelSize { get; init; } = 5;
    /// <summary>video_scoring_config.linear_1_cfg.out_features.</summary>
    public int VideoScoringHidden { get; init; } = 128;
    public SimilarityMeasure Similarity { get; init; } = SimilarityMeasure.General;
    /// <summary>lw_st_ed: weight of the start + end cross-entropy.</summary>
    public double LossWeightStartEnd { get; init; } = 0.01;
    /// <summary>lw_video_ce: weight of the video cross-entropy (exclusive only).</summary>
    public double LossWeightVideoCe { get; init; } = 0.05;
    /// <summary>Shared normalisation: the start/end softmax of a training query runs over its ground-truth video and
    /// <see cref="NegativeVideos"/> negatives jointly. False is neg_video_num 0 (train_general.sh): the ground-truth
    /// video alone.</summary>
    public bool SharedNormalization { get; init; } = true;
    /// <summary>neg_video_num with shared normalisation.</summary>
    public int NegativeVideos { get; init; } = 3;
    /// <summary>use_extend_pool: negatives are drawn from the first-stage candidates ranked above the ground truth plus
    /// this many more (1000 in the shared-normalisation scripts, 500 in train_general.sh).</summary>
    public int ExtendPool { get; init; } = 1000;
    /// <summary>min_pred_l / max_pred_l: a span (i, j) is kept iff MinSpan &lt;= j - i &lt; MaxSpan (24 clips = 36 s).</summary>
    public int MinSpan { get; init; } = 0;
    public int MaxSpan { get; init; } = 24;
    /// <summary>max_vcmr_video: the first stage's videos each query is localised in.</summary>
    public int TopVideos { get; init; } = 10;
    /// <summary>max_before_nms.</summary>
    public int MaxBeforeNms { get; init; } = 200;
    /// <summary>nms_thd: null is the reference default (-1, no NMS); the paper's numbers use 0.7.</summary>
    public double? NmsThreshold { get; init; }

    public bool HasVisual => Context != ConquerContext.Sub;
    public bool HasSub => Context != ConquerContext.Visual;
    /// <summary>QDF needs two streams (the reference builds query_weight only then).</summary>
    public bool UsesQueryWeights => QueryDependentFusion && Context == ConquerContext.VisualSub;
    /// <summary>Negatives per training query (0 without shared normalisation).</summary>
    public int TrainingNegatives => SharedNormalization ? NegativeVideos : 0;

    /// <summary>The inference settings of this config: the top <see cref="TopVideos"/> first-stage videos, the span
    /// window, MaxBeforeNms, NMS and the fusion of the similarity measure. For general, r is the first-stage score as
    /// given (a HERO ranklist's, already exp(20 s)), or exp(<paramref name="firstStageAlpha"/> * s) of raw scores (a
    /// retriever of this suite).</summary>
    public CorpusInferenceOptions InferenceOptions(double? firstStageAlpha = null) => CorpusInferenceOptions.Conquer with
    {
        TopVideos = TopVideos, MinSpan = MinSpan, MaxSpan = MaxSpan, MaxBeforeNms = MaxBeforeNms, NmsThreshold = NmsThreshold,
        Fusion = Similarity switch
        {
            SimilarityMeasure.Exclusive => ScoreFusion.ConquerExclusive,
            SimilarityMeasure.Disjoint => ScoreFusion.ConquerDisjoint,
            _ => firstStageAlpha is double alpha ? new ExponentialFusion("conquer-general", alpha) : ScoreFusion.ConquerGeneral,
        },
    };

    /// <summary>Throws naming the first invalid key.</summary>
    public ConquerConfig Validate()
    {
        Positive(VisualDim, nameof(VisualDim));
        Positive(TextDim, nameof(TextDim));
        Positive(QueryDim, nameof(QueryDim));
        Positive(HiddenSize, nameof(HiddenSize));
        Positive(Heads, nameof(Heads));
        if (HiddenSize % Heads != 0) Fail(nameof(HiddenSize), $"{HiddenSize} is not a multiple of {nameof(Heads)}={Heads}");
        Positive(Layers, nameof(Layers));
        Positive(IntermediateSize, nameof(IntermediateSize));
        Probability(Dropout, nameof(Dropout));
        Probability(AttentionDropout, nameof(AttentionDropout));
        Probability(MoeDropout, nameof(MoeDropout));
        if (!(LayerNormEps > 0)) Fail(nameof(LayerNormEps), $"{LayerNormEps} must be > 0");
        if (!(InitializerRange > 0)) Fail(nameof(InitializerRange), $"{InitializerRange} must be > 0");
        Positive(MaxContextLength, nameof(MaxContextLength));
        Positive(MaxQueryLength, nameof(MaxQueryLength));
        if (!Enum.IsDefined(Context)) Fail(nameof(Context), $"{Context} is not a context mode");
        if (!Enum.IsDefined(Similarity)) Fail(nameof(Similarity), $"{Similarity} is not a similarity measure");
        Positive(NetVladClusters, nameof(NetVladClusters));
        Positive(ConvChannels, nameof(ConvChannels));
        if (ConvKernelSize < 1 || ConvKernelSize % 2 == 0) Fail(nameof(ConvKernelSize), $"{ConvKernelSize} must be odd and >= 1");
        Positive(VideoScoringHidden, nameof(VideoScoringHidden));
        NonNegative(LossWeightStartEnd, nameof(LossWeightStartEnd));
        NonNegative(LossWeightVideoCe, nameof(LossWeightVideoCe));
        if (NegativeVideos < 0) Fail(nameof(NegativeVideos), $"{NegativeVideos} must be >= 0");
        if (SharedNormalization && NegativeVideos == 0)
            Fail(nameof(NegativeVideos), $"is 0 with {nameof(SharedNormalization)} on: shared normalisation needs negatives (set {nameof(SharedNormalization)} = false for the ground-truth video alone)");
        if (Similarity == SimilarityMeasure.Exclusive && TrainingNegatives == 0)
            Fail(nameof(SharedNormalization), "is off with the exclusive similarity: its video cross-entropy needs negative videos");
        if (ExtendPool < 0) Fail(nameof(ExtendPool), $"{ExtendPool} must be >= 0");
        if (MinSpan < 0) Fail(nameof(MinSpan), $"{MinSpan} must be >= 0");
        if (MaxSpan <= MinSpan) Fail(nameof(MaxSpan), $"{MaxSpan} must be > {nameof(MinSpan)}={MinSpan}");
        Positive(TopVideos, nameof(TopVideos));
        Positive(MaxBeforeNms, nameof(MaxBeforeNms));
        if (NmsThreshold is double t && !(t > 0 && t < 1)) Fail(nameof(NmsThreshold), $"{t} must be in (0, 1), or null for no NMS");
        return this;
    }

    private static void Positive(int v, string key) { if (v <= 0) Fail(key, $"{v} must be > 0"); }
    private static void NonNegative(double v, string key) { if (!(v >= 0) || double.IsInfinity(v)) Fail(key, $"{v} must be finite and >= 0"); }
    private static void Probability(double v, string key) { if (!(v >= 0 && v < 1)) Fail(key, $"{v} must be in [0, 1)"); }
    private static void Fail(string key, string why) => throw new ArgumentException($"ConquerConfig.{key}: {why}", key);
}

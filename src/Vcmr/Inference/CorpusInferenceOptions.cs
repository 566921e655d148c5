namespace Vcmr.Inference;

/// <summary>Corpus-level inference settings of a <see cref="VcmrPipeline"/>; defaults (<see cref="Tvr"/>) are TVR
/// inference.py's for XML (its config.py eval options: eval_query_bsz, max_vcmr_video 100, min_pred_l 2, max_pred_l 16,
/// q2c_alpha 20, max_before_nms 200, nms_thd -1).</summary>
public sealed record CorpusInferenceOptions
{
    public static CorpusInferenceOptions Tvr { get; } = new();

    /// <summary>PREM's inference: the retriever's top 10 videos, moments scored exp(s / tau) * P_st * P_ed with tau 0.01
    /// (<see cref="ScoreFusion.Prem"/>), NMS at IoU 0.7, and TVR's span window (2 &lt;= j - i &lt; 16 clips, as XML's).</summary>
    public static CorpusInferenceOptions Prem { get; } = new() { TopVideos = 10, Fusion = ScoreFusion.Prem(), NmsThreshold = 0.7 };

    /// <summary>CONQUER's inference (config/config.py and inference.py of houzhijian/CONQUER): the top 10 videos of the
    /// first stage, spans of 0 &lt;= j - i &lt; 24 clips (min_pred_l 0, max_pred_l 24), the first-stage score used as given
    /// (its general similarity; pick <see cref="ScoreFusion.ConquerExclusive"/> or
    /// <see cref="ScoreFusion.ConquerDisjoint"/> for the others), NMS off (the paper model uses 0.7).</summary>
    public static CorpusInferenceOptions Conquer { get; } = new() { TopVideos = 10, MinSpan = 0, MaxSpan = 24, Fusion = ScoreFusion.ConquerGeneral };

    /// <summary>ExCL over MEE's top 100 (TVR baselines/excl/inference_with_vcmr.py): start probabilities times
    /// exp(20 s_MEE), each video's best 50 spans of 2 &lt;= j - i &lt; 16 clips, the best 200 kept (max_before_nms).
    /// The reference's VCMR path writes the clip indices (st_idx, ed_idx) of those spans where the submission wants
    /// seconds (its SVMR path converts them); the pipeline writes seconds, [i x 1.5, (j + 1) x 1.5], for every model.
    /// MEE's scores are not cosines: exp(20 s) overflows float32 above s = 4.4, in the reference as here.</summary>
    public static CorpusInferenceOptions Excl { get; } = new() { MaxSpansPerVideo = 50 };

    /// <summary>CAL and MCN (TVR baselines/clip_alignment_with_language/inference.py): the best 300 proposals
    /// (max_before_nms) of every video, or, after a first stage, of its top 5 videos (load_external_vr_res's
    /// top_n_vr_videos), scored by their negative distance.</summary>
    public static CorpusInferenceOptions Cal { get; } = new() { MaxBeforeNms = 300, TopVideos = 5 };

    /// <summary>Queries per batch. The reference's eval_query_bsz is 50; results do not depend on it, and larger
    /// batches amortise the per-video grouping of the moment localizer (memory grows as QueryBatchSize * K * L).</summary>
    public int QueryBatchSize { get; init; } = 2000;
    /// <summary>max_vcmr_video: videos kept per query by the first stage.</summary>
    public int TopVideos { get; init; } = 100;
    /// <summary>max_before_nms: VCMR/SVMR candidates kept before the cut (the input of NMS).</summary>
    public int MaxBeforeNms { get; init; } = 200;
    /// <summary>Predictions per query in the submission.</summary>
    public int MaxPredictions { get; init; } = 100;
    /// <summary>At most this many spans of one candidate video enter the ranking (ExCL's inference_with_vcmr.py keeps
    /// each video's top 50 before merging); null: no cap (XML).</summary>
    public int? MaxSpansPerVideo { get; init; }
    /// <summary>A span (i, j) is valid iff MinSpan &lt;= j - i &lt; MaxSpan (min_pred_l, max_pred_l).</summary>
    public int MinSpan { get; init; } = 2;
    public int MaxSpan { get; init; } = 16;
    /// <summary>How a moment's score combines the first-stage video score with the localizer's start/end logits:
    /// XML's exp(q2c_alpha * s) * P_st * P_ed with alpha 20 by default.</summary>
    public ScoreFusion Fusion { get; init; } = ScoreFusion.Xml();
    /// <summary>Clip length in seconds: st = i * ClipSeconds, ed = (j + 1) * ClipSeconds.</summary>
    public double ClipSeconds { get; init; } = 1.5;
    /// <summary>nms_thd: temporal NMS IoU threshold applied before the cut; null (the reference's -1) skips NMS.</summary>
    public double? NmsThreshold { get; init; }

    public CorpusInferenceOptions Validate()
    {
        void Check(bool ok, string key, object v) { if (!ok) throw new ArgumentException($"CorpusInferenceOptions.{key}: {v} is out of range", key); }
        Check(QueryBatchSize > 0, nameof(QueryBatchSize), QueryBatchSize);
        Check(TopVideos > 0, nameof(TopVideos), TopVideos);
        Check(MaxBeforeNms > 0, nameof(MaxBeforeNms), MaxBeforeNms);
        Check(MaxPredictions > 0 && MaxPredictions <= MaxBeforeNms, nameof(MaxPredictions), MaxPredictions);
        Check(MinSpan >= 0 && MaxSpan > MinSpan, nameof(MaxSpan), MaxSpan);
        Check(ClipSeconds > 0, nameof(ClipSeconds), ClipSeconds);
        Check(MaxSpansPerVideo is null or > 0, nameof(MaxSpansPerVideo), MaxSpansPerVideo!);
        Check(NmsThreshold is null or (> 0 and < 1), nameof(NmsThreshold), NmsThreshold!);
        return this;
    }
}

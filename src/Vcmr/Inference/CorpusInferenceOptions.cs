namespace Vcmr.Inference;

/// <summary>Corpus-level inference settings; defaults are TVR inference.py's (reference/tvr-xml.md 2.1 and 3).</summary>
public sealed record CorpusInferenceOptions
{
    public static CorpusInferenceOptions Tvr { get; } = new();

    /// <summary>Queries per batch. The reference's eval_query_bsz is 50; results do not depend on it, and larger
    /// batches amortise the per-video grouping of the moment localizer (memory grows as QueryBatchSize * K * L).</summary>
    public int QueryBatchSize { get; init; } = 2000;
    /// <summary>max_vcmr_video: videos kept per query by the first stage.</summary>
    public int TopVideos { get; init; } = 100;
    /// <summary>max_before_nms: VCMR/SVMR candidates kept before the cut (the input of NMS).</summary>
    public int MaxBeforeNms { get; init; } = 200;
    /// <summary>Predictions per query in the submission.</summary>
    public int MaxPredictions { get; init; } = 100;
    /// <summary>A span (i, j) is valid iff MinSpan &lt;= j - i &lt; MaxSpan (min_pred_l, max_pred_l).</summary>
    public int MinSpan { get; init; } = 2;
    public int MaxSpan { get; init; } = 16;
    /// <summary>q2c_alpha: video scores enter as exp(alpha * cos).</summary>
    public double Alpha { get; init; } = 20;
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
        Check(NmsThreshold is null or (> 0 and < 1), nameof(NmsThreshold), NmsThreshold!);
        return this;
    }
}

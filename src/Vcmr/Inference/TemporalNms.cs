namespace Vcmr.Inference;

/// <summary>
/// Temporal non-maximum suppression as the TVR reference (utils/temporal_nms.py and the VCMR/SVMR wrappers):
/// stable sort by score descending, then greedily keep the head and drop every later moment whose hull IoU with it
/// is strictly greater than the threshold. VCMR runs it per video and caps after merging.
/// </summary>
public static class TemporalNms
{
    /// <summary>The reference's per-list cap inside temporal_non_maximum_suppression.</summary>
    public const int DefaultMaxAfterNms = 100;

    /// <summary>Hull IoU in double precision (compute_temporal_iou): 0 for an empty hull.</summary>
    public static double Iou(double st1, double ed1, double st2, double ed2)
    {
        double inter = Math.Max(0, Math.Min(ed1, ed2) - Math.Max(st1, st2));
        double hull = Math.Max(ed1, ed2) - Math.Min(st1, st2);
        return hull == 0 ? 0 : inter / hull;
    }

    /// <summary>NMS over one list, ignoring <see cref="Prediction.VideoIdx"/> (the caller groups by video).</summary>
    public static List<Prediction> Suppress(IEnumerable<Prediction> predictions, double threshold, int maxAfterNms = DefaultMaxAfterNms)
    {
        var sorted = predictions.OrderByDescending(p => p.Score).ToArray(); // stable, as Python's sorted
        var dropped = new bool[sorted.Length];
        var kept = new List<Prediction>(Math.Min(sorted.Length, maxAfterNms));
        for (int i = 0; i < sorted.Length && kept.Count < maxAfterNms; i++)
        {
            if (dropped[i]) continue;
            var head = sorted[i];
            kept.Add(head);
            for (int j = i + 1; j < sorted.Length; j++)
                if (!dropped[j] && Iou(head.Start, head.End, sorted[j].Start, sorted[j].End) > threshold) dropped[j] = true;
        }
        return kept;
    }

    /// <summary>
    /// filter_vcmr_by_nms: the first <paramref name="maxBeforeNms"/> rows grouped by video (in first-seen order), NMS per
    /// video, merged, stable-sorted by score descending and cut to <paramref name="maxAfterNms"/>.
    /// </summary>
    public static List<Prediction> Vcmr(IReadOnlyList<Prediction> predictions, double threshold, int maxBeforeNms = 200, int maxAfterNms = DefaultMaxAfterNms) =>
        predictions.Take(maxBeforeNms)
            .GroupBy(p => p.VideoIdx)
            .SelectMany(g => Suppress(g, threshold))
            .OrderByDescending(p => p.Score)
            .Take(maxAfterNms)
            .ToList();

    /// <summary>post_processing_svmr_nms: NMS on the first <paramref name="maxBeforeNms"/> rows, all given the first row's video.</summary>
    public static List<Prediction> Svmr(IReadOnlyList<Prediction> predictions, double threshold, int maxBeforeNms = 200, int maxAfterNms = DefaultMaxAfterNms)
    {
        if (predictions.Count == 0) return [];
        int video = predictions[0].VideoIdx;
        return Suppress(predictions.Take(maxBeforeNms), threshold, maxAfterNms).Select(p => p with { VideoIdx = video }).ToList();
    }

    /// <summary>Applies <see cref="Vcmr"/> or <see cref="Svmr"/> to every query of a task.</summary>
    public static List<QueryPredictions> Apply(IEnumerable<QueryPredictions> task, bool svmr, double threshold, int maxBeforeNms = 200, int maxAfterNms = DefaultMaxAfterNms) =>
        task.Select(q => q with
        {
            Predictions = svmr ? Svmr(q.Predictions, threshold, maxBeforeNms, maxAfterNms) : Vcmr(q.Predictions, threshold, maxBeforeNms, maxAfterNms),
        }).ToList();
}

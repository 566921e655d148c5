using Vcmr.Data;
using Vcmr.Inference;

namespace Vcmr.Evaluation;

/// <summary>
/// The official TVR evaluation (standalone_eval/eval.py): recall@{1,5,10,100} at IoU {0.5,0.7} for VCMR and SVMR,
/// recall@k for VR, overall and per query type. Semantics kept on purpose: only the first 100 predictions count, in
/// list order, score ignored, no dedup (repeats use rank slots), IoU over the hull, hit iff IoU ≥ thd; SVMR ranks
/// only the predictions on the GT video. Arithmetic is float32 like eval.py under NumPy 1.x, so ties at exactly
/// 0.5/0.7 resolve as there.
/// </summary>
public static class TvrMetrics
{
    public static readonly double[] IouThresholds = [0.5, 0.7];
    public static readonly int[] TopKs = [1, 5, 10, 100];
    public const int MaxPredPerQuery = 100;
    private static readonly (string Key, QueryType Type)[] Types = [("v", QueryType.V), ("t", QueryType.T), ("vt", QueryType.VT)];

    /// <summary>Temporal IoU as eval.py: intersection over the hull (= union when they overlap), 0 for an empty hull.</summary>
    public static float Iou(float predSt, float predEd, float gtSt, float gtEd)
    {
        float inter = MathF.Max(0f, MathF.Min(predEd, gtEd) - MathF.Max(predSt, gtSt));
        float hull = MathF.Max(predEd, gtEd) - MathF.Min(predSt, gtSt);
        return hull != 0f ? inter / hull : 0f;
    }

    /// <summary>
    /// Evaluates every task present in <paramref name="submission"/> against the val ground truth. As eval.py, each
    /// task must predict exactly the GT desc_ids; a GT video missing from the submission's video2idx is an error.
    /// </summary>
    public static TvrEvalResult Evaluate(Submission submission, IReadOnlyList<TvrQuery> groundTruth)
    {
        var gt = GroundTruth.From(submission.Video2Idx, groundTruth);
        var tables = new List<MetricTable>();
        var byType = new List<MetricTable>();
        (string Name, IReadOnlyList<QueryPredictions>? Task)[] tasks = [("VCMR", submission.Vcmr), ("SVMR", submission.Svmr), ("VR", submission.Vr)];
        foreach (var (name, task) in tasks)
        {
            if (task == null) continue;
            SubmissionJson.Validate(task, gt.Row.Keys, $"submission {name}");
            var firstHit = name == "VR" ? VideoFirstHits(task, gt) : MomentFirstHits(task, gt, onlyGtVideo: name == "SVMR");
            var (overall, typed) = Recalls(name, firstHit, gt);
            tables.Add(overall);
            byType.Add(typed);
        }
        return new TvrEvalResult([.. tables, .. byType]);
    }

    /// <summary>Per GT row and threshold: the 0-based rank of the first correct moment, or int.MaxValue if none.</summary>
    private static int[][] MomentFirstHits(IReadOnlyList<QueryPredictions> task, GroundTruth gt, bool onlyGtVideo)
    {
        var hits = IouThresholds.Select(_ => new int[gt.Count]).ToArray();
        var thresholds = IouThresholds.Select(t => (float)t).ToArray();
        foreach (var q in task)
        {
            int row = gt.Row[q.DescId];
            for (int t = 0; t < hits.Length; t++) hits[t][row] = int.MaxValue;
            int n = Math.Min(q.Predictions.Count, MaxPredPerQuery), rank = 0;
            for (int i = 0; i < n; i++)
            {
                var p = q.Predictions[i];
                bool sameVideo = (float)p.VideoIdx == gt.Video[row];
                if (onlyGtVideo && !sameVideo) continue; // SVMR: other videos neither hit nor use a slot
                float iou = sameVideo ? Iou((float)p.Start, (float)p.End, gt.Start[row], gt.End[row]) : 0f;
                for (int t = 0; t < hits.Length; t++)
                    if (hits[t][row] == int.MaxValue && iou >= thresholds[t]) hits[t][row] = rank;
                rank++;
            }
        }
        return hits;
    }

    private static int[][] VideoFirstHits(IReadOnlyList<QueryPredictions> task, GroundTruth gt)
    {
        var hits = new int[gt.Count];
        foreach (var q in task)
        {
            int row = gt.Row[q.DescId], n = Math.Min(q.Predictions.Count, MaxPredPerQuery);
            hits[row] = int.MaxValue;
            for (int i = 0; i < n; i++)
                if ((float)q.Predictions[i].VideoIdx == gt.Video[row]) { hits[row] = i; break; }
        }
        return [hits];
    }

    private static (MetricTable Overall, MetricTable ByType) Recalls(string name, int[][] firstHit, GroundTruth gt)
    {
        bool vr = name == "VR";
        var overall = new List<KeyValuePair<string, double>>();
        var typed = new List<KeyValuePair<string, double>>();
        int[] typeCount = Types.Select(ty => gt.Type.Count(x => x == ty.Type)).ToArray();
        for (int t = 0; t < firstHit.Length; t++)
        {
            string prefix = vr ? "" : $"{PythonFormat.Repr(IouThresholds[t])}-";
            foreach (int k in TopKs)
            {
                int hits = 0;
                var typeHits = new int[Types.Length];
                for (int row = 0; row < gt.Count; row++)
                {
                    if (firstHit[t][row] >= k) continue;
                    hits++;
                    typeHits[(int)gt.Type[row]]++;
                }
                overall.Add(new($"{prefix}r{k}", Percent(hits, gt.Count)));
                for (int y = 0; y < Types.Length; y++)
                    typed.Add(new($"{Types[y].Key}-{prefix}r{k}", Percent(typeHits[y], typeCount[y])));
            }
        }
        string ratio = string.Join(" ", Types.Select((ty, y) => $"{ty.Key} {PythonFormat.Repr(Percent(typeCount[y], gt.Count))}"));
        return (new MetricTable(name, overall), new MetricTable($"{name}_by_type", typed, ratio));
    }

    /// <summary>get_rounded_percentage: round(100 * mean, 2), the mean taken first as NumPy does; 0/0 is NaN.</summary>
    private static double Percent(int count, int total) => PythonFormat.Round2(100 * (total == 0 ? double.NaN : (double)count / total));

    /// <summary>The GT as flat arrays (one row per query), times and video ids in float32 as eval.py compares them.</summary>
    private sealed class GroundTruth
    {
        public required Dictionary<int, int> Row { get; init; }
        public required float[] Video { get; init; }
        public required float[] Start { get; init; }
        public required float[] End { get; init; }
        public required QueryType[] Type { get; init; }
        public int Count => Video.Length;

        public static GroundTruth From(IReadOnlyDictionary<string, int> video2Idx, IReadOnlyList<TvrQuery> queries)
        {
            int n = queries.Count;
            if (n == 0) throw new DataFormatException("the ground truth is empty");
            var gt = new GroundTruth { Row = new(n), Video = new float[n], Start = new float[n], End = new float[n], Type = new QueryType[n] };
            var noGt = new List<int>();
            var unknownVideo = new List<string>();
            for (int i = 0; i < n; i++)
            {
                var q = queries[i];
                if (!gt.Row.TryAdd(q.DescId, i)) throw new DataFormatException($"ground truth: desc_id {q.DescId} appears twice");
                if (!q.HasGroundTruth || q.Type == null) { noGt.Add(q.DescId); continue; }
                if (!video2Idx.TryGetValue(q.VidName!, out int video)) { unknownVideo.Add($"{q.DescId} ({q.VidName})"); continue; }
                (gt.Video[i], gt.Start[i], gt.End[i], gt.Type[i]) = (video, (float)q.Start!.Value, (float)q.End!.Value, q.Type.Value);
            }
            if (noGt.Count > 0)
                throw new DataFormatException($"ground truth: {noGt.Count} queries have no moment/type (first: {string.Join(", ", noGt.Take(5))}); test_public cannot be evaluated");
            if (unknownVideo.Count > 0)
                throw new DataFormatException($"submission video2idx: {unknownVideo.Count} GT videos are missing (first desc_ids: {string.Join(", ", unknownVideo.Take(5))})");
            return gt;
        }
    }
}

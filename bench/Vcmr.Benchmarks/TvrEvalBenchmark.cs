using System.Diagnostics;
using Vcmr.Data;
using Vcmr.Evaluation;
using Vcmr.Inference;

namespace Vcmr.Benchmarks;

/// <summary>The official TVR evaluation at val size: 10,895 queries x 100 predictions x 3 tasks (synthetic, seeded).</summary>
public sealed class TvrEvalBenchmark : IBenchmark
{
    public string Name => "tvr-eval";
    public string Description => "TvrMetrics.Evaluate on 10,895 queries x 100 predictions x VCMR/SVMR/VR";

    // Per scored row: 8 float ops for the hull IoU (2 min, 3 max, 2 sub, 1 div); VR rows only compare ids.
    private const int FlopsPerMomentRow = 8;

    public IReadOnlyDictionary<string, object> Run(IReadOnlyList<string> args)
    {
        const int queries = 10_895, preds = TvrMetrics.MaxPredPerQuery, videos = 2_179;
        var rng = new Random(0);
        var video2Idx = Enumerable.Range(0, videos).ToDictionary(i => $"v{i}", i => 19_614 + i);
        var gt = new List<TvrQuery>(queries);
        var moments = new List<QueryPredictions>(queries);
        var vr = new List<QueryPredictions>(queries);
        for (int q = 0; q < queries; q++)
        {
            int video = rng.Next(videos);
            double st = rng.NextDouble() * 50;
            gt.Add(new TvrQuery(q, "", $"v{video}", 76, st, st + 9, (QueryType)rng.Next(3)));
            var rows = new Prediction[preds];
            var vrRows = new Prediction[preds];
            for (int i = 0; i < preds; i++)
            {
                int v = 19_614 + (rng.Next(4) == 0 ? video : rng.Next(videos));
                double s = rng.NextDouble() * 60;
                rows[i] = new Prediction(v, s, s + 4.5 + rng.NextDouble() * 19.5, 0);
                vrRows[i] = new Prediction(v, 0, 0, 0);
            }
            moments.Add(new QueryPredictions(q, "", rows));
            vr.Add(new QueryPredictions(q, "", vrRows));
        }
        var submission = new Submission(video2Idx, moments, moments, vr);
        TvrMetrics.Evaluate(submission, gt); // warm-up (JIT)
        var times = new List<double>();
        for (int r = 0; r < 7; r++)
        {
            var sw = Stopwatch.StartNew();
            TvrMetrics.Evaluate(submission, gt);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        double median = times[times.Count / 2];
        double flops = 2.0 * queries * preds * FlopsPerMomentRow; // VCMR + SVMR (SVMR scores a subset: upper bound)
        return new Dictionary<string, object>
        {
            ["queries"] = queries,
            ["eval_ms_median_of_7"] = Math.Round(median, 1),
            ["rows_per_s_millions"] = Math.Round(3.0 * queries * preds / median / 1e3, 1),
            ["iou_gflops"] = Math.Round(flops / median / 1e6, 3),
        };
    }
}

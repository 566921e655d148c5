using System.Diagnostics;
using Vcmr.Data;
using Vcmr.Evaluation;
using Vcmr.Inference;

namespace Vcmr.Benchmarks;

/// <summary>
/// The official TVR evaluation at val size: 10,895 queries x 100 predictions x 3 tasks (synthetic, seeded), and
/// reading that submission from its ~120 MB file: time and peak managed heap of the streaming reader, next to a DOM
/// parse of the same file (what the reader did before it streamed).
/// </summary>
public sealed class TvrEvalBenchmark : IBenchmark
{
    public string Name => "tvr-eval";
    public string Description => "TvrMetrics.Evaluate and SubmissionJson.Read on 10,895 queries x 100 predictions x VCMR/SVMR/VR";

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
        var result = new Dictionary<string, object>
        {
            ["queries"] = queries,
            ["eval_ms_median_of_7"] = Math.Round(median, 1),
            ["rows_per_s_millions"] = Math.Round(3.0 * queries * preds / median / 1e3, 1),
            ["iou_gflops"] = Math.Round(flops / median / 1e6, 3),
        };
        string path = Path.Combine(Directory.CreateTempSubdirectory("vcmr-bench").FullName, "submission.json");
        try
        {
            var write = Stopwatch.StartNew();
            SubmissionJson.Write(path, submission);
            result["submission_mb"] = Math.Round(new FileInfo(path).Length / 1e6, 1);
            result["write_ms"] = Math.Round(write.Elapsed.TotalMilliseconds, 1);
            submission = null!; moments = null!; vr = null!; // only the file is needed from here on
            var (readMs, readCpuMs, readPeak, retained) = MeasureManaged(() => SubmissionJson.Read(path));
            result["read_ms"] = Math.Round(readMs, 1);
            result["read_cpu_ms"] = Math.Round(readCpuMs, 1);
            result["read_peak_managed_mb"] = readPeak >> 20;
            result["read_result_managed_mb"] = retained >> 20;
            var (domMs, domCpuMs, domPeak, _) = MeasureManaged(() =>
            {
                using var stream = File.OpenRead(path);
                return System.Text.Json.JsonDocument.Parse(stream);
            });
            result["dom_parse_ms"] = Math.Round(domMs, 1);
            result["dom_parse_cpu_ms"] = Math.Round(domCpuMs, 1);
            result["dom_parse_peak_managed_mb"] = domPeak >> 20;
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
        return result;
    }

    /// <summary>
    /// Wall time, process CPU time (less sensitive to a loaded machine), the peak managed heap above the starting
    /// point (sampled every 2 ms, plus the end) and the heap the result keeps alive after a full collection.
    /// </summary>
    private static (double Ms, double CpuMs, long PeakBytes, long RetainedBytes) MeasureManaged<T>(Func<T> work)
    {
        long baseline = GC.GetTotalMemory(forceFullCollection: true), peak = 0;
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            do peak = Math.Max(peak, GC.GetTotalMemory(false) - baseline);
            while (!done.Wait(2));
        });
        sampler.Start();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var result = work();
        double ms = sw.Elapsed.TotalMilliseconds;
        double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        done.Set();
        sampler.Join();
        peak = Math.Max(peak, GC.GetTotalMemory(false) - baseline);
        long retained = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        GC.KeepAlive(result);
        (result as IDisposable)?.Dispose();
        return (ms, cpuMs, peak, retained);
    }
}

using System.Diagnostics;
using Vcmr.Data;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Models.Prem;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Benchmarks;

/// <summary>PREM's retriever ranking a corpus at TVR val scale with random features (10,895 queries, 2,179 videos x 100
/// clips), at the paper's sizes: the stages' seconds, the scoring product's share of the GEMM floor, the peak RSS.</summary>
public sealed class PremRetrievalBenchmark : IBenchmark
{
    public string Name => "prem-retrieval";
    public string Description => "PREM retriever corpus scoring at TVR val scale, random features: time, peak RSS, GFLOP/s vs floor (args: queries=10895 videos=2179)";

    public IReadOnlyDictionary<string, object> Run(IReadOnlyList<string> args)
    {
        int nq = args.Count > 0 ? int.Parse(args[0]) : 10_895, nv = args.Count > 1 ? int.Parse(args[1]) : 2_179;
        const int l = 100, lq = 30, queryBatch = 2000, topK = 100;
        double floor = GemmFloor.MeasureGflops();
        Seeding.Seed(2018);
        var cfg = PremRetrieverConfig.Paper;
        using var model = new PremRetriever(cfg);
        model.eval();
        // One random block of 200 videos handed out under new names: generating 4.5 GB of random input would otherwise
        // dominate the encoding stage (the numbers do not matter, the shapes do).
        using var video = randn(200, l, cfg.VisualDim);
        using var subtitle = randn(200, l, cfg.TextDim);
        using var clips = ones(200, l);
        IEnumerable<ContextBatch> Batches()
        {
            for (int s = 0; s < nv; s += 200)
            {
                int n = Math.Min(200, nv - s);
                yield return new ContextBatch(Enumerable.Range(s, n).Select(i => $"v{i}").ToList(), video.narrow(0, 0, n), subtitle.narrow(0, 0, n), clips.narrow(0, 0, n));
            }
        }
        IEnumerable<QueryBatch> Queries()
        {
            for (int s = 0; s < nq; s += queryBatch)
            {
                int n = Math.Min(queryBatch, nq - s);
                yield return new QueryBatch(Enumerable.Range(s, n).ToList(), randn(n, lq, cfg.TextDim), ones(n, lq));
            }
        }
        var names = Enumerable.Range(0, nv).Select(i => $"v{i}").ToList();
        var video2idx = Enumerable.Range(0, nv).ToDictionary(i => $"v{i}", i => i);
        long rssBefore = Process.GetCurrentProcess().PeakWorkingSet64 >> 20;
        var profile = new InferenceProfile();
        var clock = Stopwatch.StartNew();
        var candidates = RetrieverStage.From(model).Retrieve(new VideoCorpus(names, Batches), Queries(), video2idx, topK, profile);
        double sec = clock.Elapsed.TotalSeconds;
        var flops = new Dictionary<string, double>
        {
            ["encode corpus"] = nv * PremFlops.Video(cfg, l),
            ["encode queries"] = nq * PremFlops.Query(cfg, lq),
            ["video retrieval"] = (double)nq * nv * PremFlops.Cosines(cfg, l),
        };
        var result = new Dictionary<string, object>
        {
            ["queries"] = nq, ["videos"] = nv, ["seconds"] = Math.Round(sec, 2), ["ranked_queries"] = candidates.Count,
            ["peak_rss_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 >> 20, ["peak_rss_mb_before"] = rssBefore,
            ["gemm_floor_gflops"] = Math.Round(floor, 1),
        };
        foreach (var (stage, seconds) in profile.Seconds)
        {
            result[$"{stage} s"] = Math.Round(seconds, 2);
            if (flops.TryGetValue(stage, out double f)) result[$"{stage} % of floor"] = Math.Round(100 * f / seconds / 1e9 / floor, 1);
            result[$"{stage} peak rss rise mb"] = profile.PeakRssRiseMegaBytes[stage];
        }
        return result;
    }
}

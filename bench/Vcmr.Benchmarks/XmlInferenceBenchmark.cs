using System.Diagnostics;
using Vcmr.Data;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Models.Xml;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Benchmarks;

/// <summary>XML corpus inference with random features at TVR val scale (10,895 queries, 2,179 videos x 100 clips).</summary>
public sealed class XmlInferenceBenchmark : IBenchmark
{
    public string Name => "xml-inference";
    public string Description => "XML corpus inference, random features: time, peak RSS, GFLOP/s vs floor (args: queries=10895 videos=2179)";

    public IReadOnlyDictionary<string, object> Run(IReadOnlyList<string> args)
    {
        int nq = args.Count > 0 ? int.Parse(args[0]) : 10_895, nv = args.Count > 1 ? int.Parse(args[1]) : 2_179;
        const int l = 100, lq = 30;
        double floor = GemmFloor.MeasureGflops();
        Seeding.Seed(2018);
        var cfg = XmlConfig.Paper;
        using var model = new XmlModel(cfg);
        model.eval();
        var options = CorpusInferenceOptions.Tvr;
        // One random block of 200 videos, handed out again under new names: generating 3 GB of random input would
        // otherwise dominate the encoding stage (the numbers do not matter, the shapes do).
        using var video = randn(200, l, cfg.VisualDim);
        using var subtitle = randn(200, l, cfg.TextDim);
        using var clips = ones(200, l);
        IEnumerable<ContextBatch> Batches()
        {
            for (int s = 0; s < nv; s += 200)
            {
                int n = Math.Min(200, nv - s);
                yield return new ContextBatch(Enumerable.Range(s, n).Select(i => $"v{i}").ToList(),
                    video.narrow(0, 0, n), subtitle.narrow(0, 0, n), clips.narrow(0, 0, n));
            }
        }
        IEnumerable<QueryBatch> Queries()
        {
            for (int s = 0; s < nq; s += options.QueryBatchSize)
            {
                int n = Math.Min(options.QueryBatchSize, nq - s);
                yield return new QueryBatch(Enumerable.Range(s, n).ToList(), randn(n, lq, cfg.TextDim), ones(n, lq));
            }
        }
        var queries = Enumerable.Range(0, nq).ToDictionary(i => i, i => new InferenceQuery(i, $"q{i}", $"v{i % nv}"));
        var video2idx = Enumerable.Range(0, nv).ToDictionary(i => $"v{i}", i => i);
        long rssBefore = Process.GetCurrentProcess().PeakWorkingSet64 >> 20;
        var profile = new InferenceProfile();
        var clock = Stopwatch.StartNew();
        var corpus = new VideoCorpus(Enumerable.Range(0, nv).Select(i => $"v{i}").ToList(), Batches);
        var sub = VcmrPipeline.For(model, options).Run(corpus, Queries(), queries, video2idx, profile);
        double sec = clock.Elapsed.TotalSeconds;
        long peak = Process.GetCurrentProcess().PeakWorkingSet64;
        long d = cfg.HiddenSize, k = options.TopVideos;
        // multiply-adds x 2 of the matrix products of each stage, both streams
        var flops = new Dictionary<string, double>
        {
            ["encode corpus"] = 2.0 * nv * l * (cfg.VisualDim + cfg.TextDim) * d + 2 * 3 * 2.0 * nv * (4.0 * l * d * d + 2.0 * l * l * d),
            ["video retrieval"] = 2 * 2.0 * nq * (double)nv * l * d,
            ["start/end probabilities"] = 2 * 2.0 * nq * k * l * d,
        };
        var result = new Dictionary<string, object>
        {
            ["queries"] = nq, ["videos"] = nv, ["seconds"] = sec,
            ["vcmr_lists"] = sub.Vcmr!.Count,
            ["peak_rss_mb"] = peak >> 20,
            ["peak_rss_mb_before_inference"] = rssBefore,
            ["gemm_floor_gflops"] = floor,
        };
        foreach (var (stage, seconds) in profile.Seconds)
        {
            result[$"{stage} s"] = Math.Round(seconds, 2);
            if (flops.TryGetValue(stage, out double f))
                result[$"{stage} % of floor"] = Math.Round(100 * f / seconds / 1e9 / floor, 1);
            result[$"{stage} peak rss rise mb"] = profile.PeakRssRiseMegaBytes[stage];
        }
        return result;
    }
}

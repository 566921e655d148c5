using System.Diagnostics;
using Vcmr.Data;
using Vcmr.Inference;
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
        IEnumerable<ContextBatch> Corpus()
        {
            for (int s = 0; s < nv; s += 200)
            {
                int n = Math.Min(200, nv - s);
                yield return new ContextBatch(Enumerable.Range(s, n).Select(i => $"v{i}").ToList(),
                    randn(n, l, cfg.VisualDim), randn(n, l, cfg.TextDim), ones(n, l));
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
        var clock = Stopwatch.StartNew();
        var sub = CorpusInference.Run<XmlModel, XmlEncodedContext>(model, Corpus(), Queries(), queries, video2idx, options);
        double sec = clock.Elapsed.TotalSeconds;
        long peak = Process.GetCurrentProcess().PeakWorkingSet64;
        // VR: cosine of every (query, clip) for 2 streams; localisation: Linear(q) . feat2 over the corpus for 2 streams
        double vrFlops = 2.0 * 2 * nq * (double)nv * l * cfg.HiddenSize;
        double total = 2 * vrFlops; // ScoreVideos + SpanLogits each do one corpus-wide GEMM per stream
        return new Dictionary<string, object>
        {
            ["queries"] = nq, ["videos"] = nv, ["seconds"] = sec,
            ["vcmr_lists"] = sub.Vcmr!.Count,
            ["peak_rss_mb"] = peak >> 20,
            ["video_scoring_gflop"] = vrFlops / 1e9,
            ["corpus_gemm_gflops"] = total / sec / 1e9,
            ["gemm_floor_gflops"] = floor,
            ["percent_of_floor_whole_run"] = 100 * total / sec / 1e9 / floor,
        };
    }
}

using System.Diagnostics;
using Vcmr.Data;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Models.Conquer;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Benchmarks;

/// <summary>
/// CONQUER corpus inference at the paper shape with random features: each query localised in its first stage's top 10
/// videos and (SVMR) in its ground-truth video, every video 100 clips, queries 30 tokens, visual 4352, hidden 768, five
/// queries per video as in TVR val (10,895 / 2,179). bench/reference/conquer_reference_bench.py times the reference's
/// inference loop on the same shapes (it encodes the 11 videos of every query with the query).
/// </summary>
public sealed class ConquerInferenceBenchmark : IBenchmark
{
    public string Name => "conquer-inference";
    public string Description => "CONQUER inference at the paper shape (top 10 + ground truth, 100 clips): queries/s vs the GEMM floor (args: queries=100 videos=20 similarity=general)";

    public IReadOnlyDictionary<string, object> Run(IReadOnlyList<string> args)
    {
        int nq = args.Count > 0 ? int.Parse(args[0]) : 100, nv = args.Count > 1 ? int.Parse(args[1]) : 20;
        var similarity = args.Count > 2 ? Enum.Parse<SimilarityMeasure>(args[2], ignoreCase: true) : SimilarityMeasure.General;
        const int l = 100;
        var cfg = ConquerConfig.Paper with { Similarity = similarity };
        if (nv < cfg.TopVideos) throw new ArgumentException($"videos = {nv}: at least {cfg.TopVideos} are needed for the top {cfg.TopVideos}");
        double floor = GemmFloor.MeasureGflops();
        Seeding.Seed(2018);
        using var model = new ConquerModel(cfg);
        model.eval();
        var options = cfg.InferenceOptions(firstStageAlpha: 20) with { QueryBatchSize = 20 };
        using var video = nn.functional.normalize(randn(nv, l, cfg.VisualDim), dim: -1);
        using var subtitle = randn(nv, l, cfg.TextDim);
        using var clips = ones(nv, l);
        var names = Enumerable.Range(0, nv).Select(i => $"v{i}").ToList();
        IEnumerable<ContextBatch> Batches()
        {
            for (int s = 0; s < nv; s += 16)
            {
                int n = Math.Min(16, nv - s);
                yield return new ContextBatch(names.Skip(s).Take(n).ToList(), video.narrow(0, s, n), subtitle.narrow(0, s, n), clips.narrow(0, s, n));
            }
        }
        IEnumerable<QueryBatch> Queries()
        {
            for (int s = 0; s < nq; s += options.QueryBatchSize)
            {
                int n = Math.Min(options.QueryBatchSize, nq - s);
                yield return new QueryBatch(Enumerable.Range(s, n).ToList(), randn(n, cfg.MaxQueryLength, cfg.QueryDim), ones(n, cfg.MaxQueryLength));
            }
        }
        var rng = Seeding.Rng(2018, "conquer-inference");
        var video2idx = Enumerable.Range(0, nv).ToDictionary(i => $"v{i}", i => i);
        var candidates = new VideoCandidates(video2idx, Enumerable.Range(0, nq).ToDictionary(q => q,
            q => (IReadOnlyList<VideoCandidate>)Enumerable.Range(0, nv).OrderBy(_ => rng.Next()).Take(cfg.TopVideos)
                .Select((v, r) => new VideoCandidate(v, 0.5 - 0.01 * r)).ToList()), "random top 10");
        var queries = Enumerable.Range(0, nq).ToDictionary(i => i, i => new InferenceQuery(i, $"q{i}", $"v{i % nv}"));
        var profile = new InferenceProfile();
        var clock = Stopwatch.StartNew();
        var pipeline = new VcmrPipeline(RetrieverStage.From(candidates), LocalizerStage.From(model), options);
        var sub = VcmrPipeline.Finish(pipeline.Run(new VideoCorpus(names, Batches), Queries(), queries, video2idx, profile), options);
        double sec = clock.Elapsed.TotalSeconds;
        var flops = new Dictionary<string, double>
        {
            ["encode corpus"] = nv * ConquerFlops.Video(cfg, l),
            ["encode queries"] = nq * ConquerFlops.Query(cfg),
            ["start/end probabilities"] = (double)nq * cfg.TopVideos * ConquerFlops.Pair(cfg, l),
            ["svmr"] = nq * ConquerFlops.Pair(cfg, l),
        };
        var result = new Dictionary<string, object>
        {
            ["similarity"] = similarity.ToString(), ["queries"] = nq, ["videos"] = nv, ["seconds"] = Math.Round(sec, 2),
            ["queries_per_s"] = Math.Round(nq / sec, 3),
            ["gflop"] = Math.Round(flops.Values.Sum() / 1e9, 1),
            ["gflops"] = Math.Round(flops.Values.Sum() / sec / 1e9, 1),
            ["percent_of_floor"] = Math.Round(100 * flops.Values.Sum() / sec / 1e9 / floor, 1),
            ["reference_gflop_per_query"] = Math.Round((cfg.TopVideos + 1) * (ConquerFlops.Video(cfg, l) + ConquerFlops.Pair(cfg, l)) / 1e9 + ConquerFlops.Query(cfg) / 1e9, 1),
            ["suite_gflop_per_query"] = Math.Round(flops.Values.Sum() / nq / 1e9, 1),
            ["vcmr_lists"] = sub.Vcmr!.Count,
            ["gemm_floor_gflops"] = Math.Round(floor, 1),
        };
        foreach (var (stage, seconds) in profile.Seconds)
        {
            result[$"{stage} s"] = Math.Round(seconds, 2);
            if (flops.TryGetValue(stage, out double f)) result[$"{stage} % of floor"] = Math.Round(100 * f / seconds / 1e9 / floor, 1);
        }
        return result;
    }
}

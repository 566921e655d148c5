using System.Diagnostics;
using Vcmr.Data;
using Vcmr.Models.Baselines.Cal;
using Vcmr.Models.Baselines.Excl;
using Vcmr.Models.Baselines.Mee;
using Vcmr.Runtime;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Benchmarks;

/// <summary>
/// MEE, CAL and ExCL training steps and inference at the shapes of bench/reference/tvr_baselines_reference_bench.py
/// (the TVR baselines' defaults, random inputs), so that the two run side by side: batch 128, queries of 30 tokens;
/// MEE on mean-pooled video (3072) and subtitle (768) features; CAL on positive and negative moments of 16 clips of
/// [clip; context; tef]; ExCL on videos of 100 clips. Inference: MEE ranks 2,179 videos for each query and keeps the
/// top 100; ExCL localizes each query in 100 candidate videos (the suite encodes each video's clips once, the
/// reference with every pair, so the suite's per-query figure adds the corpus encoding spread over TVR val's 10,895
/// queries).
/// </summary>
public sealed class BaselinesStepsBenchmark : IBenchmark
{
    public string Name => "baselines-steps";
    public string Description => "MEE / CAL / ExCL training step or inference at the reference bench's shapes (args: train|inference mee|cal|excl count)";

    private const int Bsz = 128, Lq = 30, L = 100, Dv = 3072, Dt = 768, Videos = 2179, Top = 100, TvrValQueries = 10_895, MomentClips = 16;

    public IReadOnlyDictionary<string, object> Run(IReadOnlyList<string> args)
    {
        if (args.Count < 2 || args[0] is not ("train" or "inference") || args[1] is not ("mee" or "cal" or "excl"))
            throw new ArgumentException("usage: baselines-steps train|inference mee|cal|excl [count]");
        int? count = args.Count > 2 ? int.Parse(args[2]) : null;
        double floor = GemmFloor.MeasureGflops();
        Seeding.Seed(2018);
        var result = new Dictionary<string, object> { ["mode"] = args[0], ["model"] = args[1], ["gemm_floor_gflops"] = Math.Round(floor, 1) };
        var figures = (args[0], args[1]) switch
        {
            ("train", "mee") => TrainMee(count ?? 3, floor),
            ("train", "cal") => TrainCal(count ?? 3, floor),
            ("train", "excl") => TrainExcl(count ?? 3, floor),
            ("inference", "mee") => InferMee(count ?? 1000),
            ("inference", "excl") => InferExcl(count ?? 100),
            _ => throw new ArgumentException("inference cal: see baselines-inference (CAL over every proposal at TVR val scale)"),
        };
        foreach (var (k, v) in figures) result[k] = v;
        if (result.TryGetValue("gflop", out var g) && result.TryGetValue("seconds", out var s))
            result["percent_of_floor"] = Math.Round(100 * (double)g / (double)s / floor, 1);
        if (result.TryGetValue("index_gflop", out var ig))
            result["index_percent_of_floor"] = Math.Round(100 * (double)ig / (double)result["index_s"] / floor, 1);
        return result;
    }

    private static QueryBatch Queries(int n) => TrainStepTimer.Queries(n, Lq, Dt);

    private static ContextBatch Context(int n, int clips) => TrainStepTimer.Videos(n, clips, Dv, Dt);

    /// <summary>Times <paramref name="steps"/> training steps after one warm-up (<see cref="TrainStepTimer"/>); forward
    /// matmul FLOPs x 3 per step.</summary>
    private static Dictionary<string, object> Train<TB>(nn.Module model, IOptimizer opt, Func<TB> batch, Func<TB, Tensor> loss, int steps,
        double forwardFlops, double floor) where TB : IDisposable
    {
        model.train();
        var result = new Dictionary<string, object> { ["steps"] = steps };
        TrainStepTimer.Time("", opt, batch, loss, Bsz, _ => 3 * forwardFlops, steps, floor, result);
        return result;
    }

    private static Dictionary<string, object> TrainMee(int steps, double floor)
    {
        using var model = new MeeModel(MeeConfig.Paper);
        var opt = new Adam(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), 1e-4);
        var step = new TrainingStep(0, 0, new Random(0));
        // the reference's loader hands MEE each video's mean clip feature: one clip per video here
        return Train(model, opt, () => new TrainingBatch(Queries(Bsz), Context(Bsz, 1), zeros(Bsz, int64), zeros(Bsz, int64)),
            b => model.Loss(b, step).Total, steps, MeeFlops(Bsz, Bsz), floor);
    }

    private static Dictionary<string, object> TrainCal(int steps, double floor)
    {
        var cfg = CalConfig.Paper;
        using var model = new CalModel(cfg);
        var opt = new Sgd(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), 0.05, momentum: 0.95);
        MomentBatch Moments() => new(randn(Bsz, MomentClips, cfg.VideoInputDim), randn(Bsz, MomentClips, cfg.SubInputDim), ones(Bsz, MomentClips));
        double lstm = 2.0 * Bsz * Lq * 4 * cfg.LstmHiddenSize * (cfg.TextDim + cfg.LstmHiddenSize) + 2.0 * Bsz * cfg.LstmHiddenSize * cfg.OutputSize;
        double moments = 3 * 2.0 * Bsz * MomentClips * cfg.HiddenSize * (cfg.VideoInputDim + cfg.SubInputDim + 2 * cfg.OutputSize);
        return Train(model, opt, () => new CalTrainingBatch(Queries(Bsz), Moments(), Moments(), Moments()),
            b => model.LossTerms(b).Total, steps, lstm + moments, floor);
    }

    private static Dictionary<string, object> TrainExcl(int steps, double floor)
    {
        var cfg = ExclConfig.Paper;
        using var model = new ExclModel(cfg);
        var opt = new Adam(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), 1e-3);
        var step = new TrainingStep(0, 0, new Random(0));
        return Train(model, opt, () => new TrainingBatch(Queries(Bsz), Context(Bsz, L), randint(0, 50, Bsz), randint(50, 100, Bsz)),
            b => model.Loss(b, step).Total, steps, ExclQueryFlops(cfg, Bsz) + Bsz * (ExclFirstFlops(cfg) + ExclPairFlops(cfg)), floor);
    }

    private static Dictionary<string, object> InferMee(int nq)
    {
        using var model = new MeeModel(MeeConfig.Paper);
        model.eval();
        using var noGrad = no_grad();
        using var video = randn(Videos, 1, Dv);
        using var sub = randn(Videos, 1, Dt);
        using var queries = Queries(nq);
        var clock = Stopwatch.StartNew();
        var chunks = new List<MeeIndex>();
        for (int s = 0; s < Videos; s += 200)
        {
            int n = Math.Min(200, Videos - s);
            chunks.Add(model.EncodeContext(new ContextBatch(Enumerable.Range(s, n).Select(i => $"v{i}").ToList(), video.narrow(0, s, n), sub.narrow(0, s, n), ones(n, 1))));
        }
        using var index = MeeIndex.Concat(chunks);
        var (scores, videos) = model.ScoreVideos(model.EncodeQueries(queries), index).topk(Top, 1);
        _ = (scores.data<float>().ToArray(), videos.data<long>().ToArray());
        double seconds = clock.Elapsed.TotalSeconds;
        chunks.ForEach(c => c.Dispose());
        return new() { ["queries"] = nq, ["videos"] = Videos, ["seconds"] = seconds, ["gflop"] = MeeFlops(nq, Videos) / 1e9 };
    }

    private static Dictionary<string, object> InferExcl(int nq)
    {
        var cfg = ExclConfig.Paper;
        using var model = new ExclModel(cfg);
        model.eval();
        using var noGrad = no_grad();
        using var video = randn(64, L, Dv);
        using var sub = randn(64, L, Dt);
        var clock = Stopwatch.StartNew();
        var chunks = new List<ExclIndex>();
        for (int s = 0; s < Videos; s += 64)
        {
            int n = Math.Min(64, Videos - s); // one random block handed out again: generating 2 GB of input would dominate
            chunks.Add(model.EncodeContext(new ContextBatch(Enumerable.Range(s, n).Select(i => $"v{i}").ToList(), video.narrow(0, 0, n), sub.narrow(0, 0, n), ones(n, L))));
        }
        using var index = ExclModel.Concat(chunks);
        chunks.ForEach(c => c.Dispose());
        double indexSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        const int block = 50;
        for (int s = 0; s < nq; s += block)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(block, nq - s);
            var (st, ed) = model.Localize(model.EncodeQuery(Queries(n)), index, randint(0, Videos, [n, Top]));
            _ = (softmax(st, 2).data<float>().ToArray(), softmax(ed, 2).data<float>().ToArray());
        }
        double localize = clock.Elapsed.TotalSeconds;
        double perQuery = localize / nq + indexSeconds / TvrValQueries;
        double pairFlops = ExclPairFlops(cfg);
        return new()
        {
            ["queries"] = nq, ["candidates"] = Top, ["index_s"] = Math.Round(indexSeconds, 2), ["localize_s"] = Math.Round(localize, 2),
            ["seconds_per_query"] = Math.Round(perQuery, 4), ["seconds_per_query_without_index"] = Math.Round(localize / nq, 4),
            ["gflop"] = nq * (ExclQueryFlops(cfg, 1) + Top * pairFlops) / 1e9, ["seconds"] = localize,
            ["index_gflop"] = Videos * ExclFirstFlops(cfg) / 1e9,
        };
    }

    // Matmul FLOPs (2 m n k) of MEE's forward: NetVLAD, the gated embedding units of the queries and of the contexts,
    // the mixture weights and the two score products.
    private static double MeeFlops(double nq, double nv)
    {
        var c = MeeConfig.Paper;
        double pooled = c.Clusters * c.TextDim, o = c.OutputSize;
        double query = nq * (2 * 2.0 * c.MaxQueryLength * c.TextDim * c.Clusters + 2 * 2.0 * (pooled * o + o * o) + 2.0 * pooled * 2);
        double context = nv * 2.0 * (c.VisualDim * o + o * o + c.TextDim * o + o * o);
        return query + context + 2 * 2.0 * nq * nv * o;
    }

    // ExCL's matmul FLOPs: the query BiLSTM; per video the first BiLSTM of each stream (input and recurrence); per
    // (query, video) pair the second BiLSTM over [clip encoding; query] and the start/end MLPs, per stream.
    private static double ExclQueryFlops(ExclConfig c, double n) => n * Lq * 2 * 2.0 * 4 * (c.HiddenSize / 2) * (c.TextDim + c.HiddenSize / 2);
    private static double ExclFirstFlops(ExclConfig c) => L * 2 * 2.0 * 4 * (c.HiddenSize / 2) * (c.VisualDim + c.TextDim + 2 * (c.HiddenSize / 2));
    private static double ExclPairFlops(ExclConfig c) =>
        2 * L * (2 * 2.0 * 4 * (c.HiddenSize / 2) * (2 * c.HiddenSize + c.HiddenSize / 2) + 2 * 2.0 * (3 * c.HiddenSize * c.HiddenSize + c.HiddenSize));
}

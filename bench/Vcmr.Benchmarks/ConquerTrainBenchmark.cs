using Vcmr.Models.Conquer;
using Vcmr.Runtime;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Benchmarks;

/// <summary>CONQUER training steps at the paper shape: 16 queries x 4 videos (shared normalisation), 100 clips, 30
/// tokens, visual 4352, hidden 768; AdamW. bench/reference/conquer_reference_bench.py times the reference the same way.</summary>
public sealed class ConquerTrainBenchmark : IBenchmark
{
    public string Name => "conquer-train";
    public string Description => "CONQUER training step at the paper shape (16 queries x 4 videos x 100 clips): queries/s vs the GEMM floor (args: steps=3 similarity=general)";

    public IReadOnlyDictionary<string, object> Run(IReadOnlyList<string> args)
    {
        int steps = args.Count > 0 ? int.Parse(args[0]) : 3;
        var similarity = args.Count > 1 ? Enum.Parse<SimilarityMeasure>(args[1], ignoreCase: true) : SimilarityMeasure.General;
        const int nq = 16, perQuery = 4, l = 100;
        var cfg = ConquerConfig.Paper with { Similarity = similarity };
        double floor = GemmFloor.MeasureGflops();
        var result = new Dictionary<string, object> { ["similarity"] = similarity.ToString(), ["steps"] = steps, ["gemm_floor_gflops"] = Math.Round(floor, 1) };
        Seeding.Seed(2018);
        using var model = new ConquerModel(cfg);
        model.train();
        CandidateTrainingBatch Batch() => new(TrainStepTimer.Queries(nq, cfg.MaxQueryLength, cfg.QueryDim),
            TrainStepTimer.Videos(nq * perQuery, l, cfg.VisualDim, cfg.TextDim, normalizeVisual: true), perQuery, randint(0, 50, nq), randint(50, 100, nq));
        double flops = 3 * (nq * ConquerFlops.Query(cfg) + nq * perQuery * (ConquerFlops.Video(cfg, l) + ConquerFlops.Pair(cfg, l)));
        TrainStepTimer.Time("", ConquerTraining.Optimizer(model), Batch,
            b => ConquerLoss.Compute(cfg, model.Forward(b.Query, b.Videos, perQuery), b.StartLabels, b.EndLabels).Total, nq, _ => flops, steps, floor, result);
        return result;
    }
}

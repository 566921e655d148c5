using System.Diagnostics;
using Vcmr.Data;
using Vcmr.Models.Conquer;
using Vcmr.Runtime;
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
        Seeding.Seed(2018);
        using var model = new ConquerModel(cfg);
        model.train();
        var optimizer = ConquerTraining.Optimizer(model);
        var stages = new double[3]; // forward + loss, backward, optimiser
        var perStep = new List<double>();
        void Step()
        {
            using var scope = NewDisposeScope();
            var queries = new QueryBatch(Enumerable.Range(0, nq).ToArray(), randn(nq, cfg.MaxQueryLength, cfg.QueryDim), ones(nq, cfg.MaxQueryLength));
            var videos = new ContextBatch(Enumerable.Range(0, nq * perQuery).Select(i => $"v{i}").ToArray(),
                nn.functional.normalize(randn(nq * perQuery, l, cfg.VisualDim), dim: -1), randn(nq * perQuery, l, cfg.TextDim), ones(nq * perQuery, l));
            var (st, ed) = (randint(0, 50, nq), randint(50, 100, nq));
            var clock = Stopwatch.StartNew();
            var total = Stopwatch.StartNew();
            void Lap(int stage) { stages[stage] += clock.Elapsed.TotalSeconds; clock.Restart(); }
            optimizer.ZeroGrad();
            var loss = ConquerLoss.Compute(cfg, model.Forward(queries, videos, perQuery), st, ed).Total;
            Lap(0);
            loss.backward();
            Lap(1);
            optimizer.Step();
            Lap(2);
            perStep.Add(total.Elapsed.TotalSeconds);
        }
        Step(); // warm-up
        Array.Clear(stages);
        perStep.Clear();
        for (int s = 0; s < steps; s++) Step();
        double sec = perStep.Average();
        double flops = 3 * (nq * ConquerFlops.Query(cfg) + nq * perQuery * (ConquerFlops.Video(cfg, l) + ConquerFlops.Pair(cfg, l)));
        return new Dictionary<string, object>
        {
            ["similarity"] = similarity.ToString(),
            ["steps"] = steps,
            ["seconds_per_step"] = Math.Round(sec, 3),
            ["seconds_per_step_min_max"] = $"{perStep.Min():F2}-{perStep.Max():F2}",
            ["forward_loss_s"] = Math.Round(stages[0] / steps, 3),
            ["backward_s"] = Math.Round(stages[1] / steps, 3),
            ["optimizer_s"] = Math.Round(stages[2] / steps, 3),
            ["queries_per_s"] = Math.Round(nq / sec, 3),
            ["gflop_per_step"] = Math.Round(flops / 1e9, 1),
            ["gflops"] = Math.Round(flops / sec / 1e9, 1),
            ["gemm_floor_gflops"] = Math.Round(floor, 1),
            ["percent_of_floor"] = Math.Round(100 * flops / sec / 1e9 / floor, 1),
        };
    }
}

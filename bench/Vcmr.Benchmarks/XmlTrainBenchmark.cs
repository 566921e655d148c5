using System.Diagnostics;
using Vcmr.Data;
using Vcmr.Models.Xml;
using Vcmr.Runtime;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Benchmarks;

/// <summary>XML training steps at the paper shapes (batch 128, 100 clips, 30 tokens, visual 3072, hidden 256).</summary>
public sealed class XmlTrainBenchmark : IBenchmark
{
    public string Name => "xml-train";
    public string Description => "XML training step at paper shapes: queries/s and GFLOP/s vs the GEMM floor (args: steps=5 batch=128)";

    public IReadOnlyDictionary<string, object> Run(IReadOnlyList<string> args)
    {
        int steps = args.Count > 0 ? int.Parse(args[0]) : 5;
        int n = args.Count > 1 ? int.Parse(args[1]) : 128;
        const int l = 100, lq = 30;
        double floor = GemmFloor.MeasureGflops();
        Seeding.Seed(2018);
        var cfg = XmlConfig.Paper;
        using var model = new XmlModel(cfg);
        var opt = new BertAdam(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), tTotal: 1000);
        using var batch = new TrainingBatch(
            new QueryBatch(Enumerable.Range(0, n).ToList(), randn(n, lq, cfg.TextDim), ones(n, lq)),
            new ContextBatch(Enumerable.Range(0, n).Select(i => $"v{i}").ToList(), randn(n, l, cfg.VisualDim), randn(n, l, cfg.TextDim), ones(n, l)),
            randint(0, 50, n), randint(50, 100, n));
        var rng = Seeding.Rng(2018, "negatives/0");
        var stages = new double[4]; // forward, loss, backward, optimiser
        void Step()
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            void Lap(int stage) { stages[stage] += clock.Elapsed.TotalSeconds; clock.Restart(); }
            opt.ZeroGrad();
            var outputs = model.Forward(batch);
            Lap(0);
            var parts = XmlLoss.Compute(cfg, outputs, batch, 0, rng);
            Lap(1);
            parts.Total.backward();
            Lap(2);
            opt.Step();
            Lap(3);
        }
        Step(); // warm-up
        Array.Clear(stages);
        var total = Stopwatch.StartNew();
        for (int s = 0; s < steps; s++) Step();
        double sec = total.Elapsed.TotalSeconds / steps;
        double flops = 3 * ForwardFlops(cfg, n, l, lq); // backward ~ 2x forward
        return new Dictionary<string, object>
        {
            ["steps"] = steps,
            ["seconds_per_step"] = sec,
            ["forward_s"] = stages[0] / steps,
            ["loss_s"] = stages[1] / steps,
            ["backward_s"] = stages[2] / steps,
            ["optimizer_s"] = stages[3] / steps,
            ["queries_per_s"] = n / sec,
            ["gflop_per_step"] = flops / 1e9,
            ["gflops"] = flops / sec / 1e9,
            ["gemm_floor_gflops"] = floor,
            ["percent_of_floor"] = 100 * flops / sec / 1e9 / floor,
        };
    }

    // Matmul FLOPs (2 m n k) of one forward: projections, 5 BertAttention + 2 cross-attention layers, VR and ConvSE.
    private static double ForwardFlops(XmlConfig c, long n, long l, long lq)
    {
        long d = c.HiddenSize;
        double proj = 2.0 * n * (lq * c.TextDim + l * c.VisualDim + l * c.TextDim) * d;
        double Attention(long len, long lk) => 2.0 * n * (2 * len * d * d + 2 * lk * d * d + 2 * len * lk * d) + 2.0 * n * len * d * d;
        double layers = Attention(lq, lq) + 4 * Attention(l, l) + 2 * Attention(l, l);
        double vr = 2 * 2.0 * n * n * l * d;
        return proj + layers + vr;
    }
}

using System.Diagnostics;
using Vcmr.Data;
using Vcmr.Models.Prem;
using Vcmr.Runtime;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Benchmarks;

/// <summary>PREM training steps at the paper's shapes and sizes (hidden 384, visual 4352, 100 clips, 30 tokens): the
/// retriever at batch 256 (in-batch negatives) and the localizer at batch 32, each query with its ground-truth video and
/// 4 negatives; AdamW, the paper's optimiser.</summary>
public sealed class PremTrainBenchmark : IBenchmark
{
    public string Name => "prem-train";
    public string Description => "PREM retriever (batch 256) and localizer (batch 32 x 5 videos) training steps at the paper's shapes: queries/s vs the GEMM floor (args: steps=3)";

    public IReadOnlyDictionary<string, object> Run(IReadOnlyList<string> args)
    {
        int steps = args.Count > 0 ? int.Parse(args[0]) : 3;
        const int l = 100, lq = 30;
        double floor = GemmFloor.MeasureGflops();
        var result = new Dictionary<string, object> { ["steps"] = steps, ["gemm_floor_gflops"] = Math.Round(floor, 1) };

        var rc = PremRetrieverConfig.Paper;
        const int nr = 256;
        Seeding.Seed(2018);
        using (var retriever = new PremRetriever(rc))
        {
            retriever.train();
            TrainingBatch Batch() => new(new QueryBatch(Enumerable.Range(0, nr).ToList(), randn(nr, lq, rc.TextDim), ones(nr, lq)),
                new ContextBatch(Enumerable.Range(0, nr).Select(i => $"v{i}").ToList(), randn(nr, l, rc.VisualDim), randn(nr, l, rc.TextDim), ones(nr, l)),
                randint(0, 50, nr), randint(50, 100, nr));
            double flops = 3 * nr * (PremFlops.Query(rc, lq) + PremFlops.Video(rc, l) + nr * PremFlops.Cosines(rc, l));
            Time("retriever", retriever, Batch, b => retriever.Loss(b, new TrainingStep(0, 0, new Random(1))), nr, _ => flops, steps, floor, result);
        }

        var lc = PremLocalizerConfig.Paper;
        const int nl = 32, videos = 5;
        Seeding.Seed(2018);
        using (var localizer = new PremLocalizer(lc))
        {
            localizer.train();
            long segments = 0;
            CandidateTrainingBatch Batch()
            {
                var st = randint(0, 90, nl);
                return new CandidateTrainingBatch(new QueryBatch(Enumerable.Range(0, nl).ToList(), randn(nl, lq, lc.TextDim), ones(nl, lq)),
                    new ContextBatch(Enumerable.Range(0, nl * videos).Select(i => $"v{i}").ToList(), randn(nl * videos, l, lc.VisualDim), randn(nl * videos, l, lc.TextDim), ones(nl * videos, l)),
                    videos, st, st + randint(0, 10, nl)); // TVR moments average about 7 clips
            }
            // The adversarial segments depend on the labels and the predictions: a no-grad forward outside the timed step
            // counts them (the step's own draw is the same up to dropout).
            double Flops(CandidateTrainingBatch b)
            {
                using var noGrad = no_grad();
                using var probe = NewDisposeScope();
                var (st, ed, _) = localizer.Forward(b);
                using var seg = AdversarialSegments.Sample(lc, st, ed, b.Videos.Mask.view(st.shape), b.StartLabels, b.EndLabels, new Random(1));
                segments = seg.Count;
                long width = (seg.End - seg.Start + 1).max().item<long>();
                return 3 * (nl * PremFlops.Query(lc, lq) + nl * videos * (PremFlops.Video(lc, l) + PremFlops.Pair(lc, l, lq)) + PremFlops.Adversarial(lc, seg.Count, width));
            }
            Time("localizer", localizer, Batch, b => localizer.Loss(b, new TrainingStep(0, 0, new Random(1))), nl, Flops, steps, floor, result);
            result["localizer_adversarial_segments_per_step"] = segments;
        }
        return result;
    }

    // Times `steps` optimiser steps after a warm-up, each on a fresh random batch whose FLOPs are counted before its
    // clock starts; records per-stage seconds and the share of the floor.
    private static void Time<TBatch>(string name, nn.Module model, Func<TBatch> batch, Func<TBatch, LossParts> loss, int queries,
        Func<TBatch, double> flopsOf, int steps, double floor, Dictionary<string, object> result) where TBatch : IDisposable
    {
        var optimizer = new AdamW(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), 1e-4, weightDecay: 0.01);
        var stages = new double[3]; // forward + loss, backward, optimiser
        var perStep = new List<double>();
        double flops = 0;
        void Step()
        {
            using var scope = NewDisposeScope();
            using var b = batch();
            flops += flopsOf(b);
            var clock = Stopwatch.StartNew();
            var total = Stopwatch.StartNew();
            void Lap(int stage) { stages[stage] += clock.Elapsed.TotalSeconds; clock.Restart(); }
            optimizer.ZeroGrad();
            var parts = loss(b);
            Lap(0);
            parts.Total.backward();
            Lap(1);
            optimizer.Step();
            Lap(2);
            perStep.Add(total.Elapsed.TotalSeconds);
        }
        Step(); // warm-up
        Array.Clear(stages);
        perStep.Clear();
        flops = 0;
        for (int s = 0; s < steps; s++) Step();
        double sec = perStep.Average(), f = flops / steps;
        result[$"{name}_batch"] = queries;
        result[$"{name}_seconds_per_step"] = Math.Round(sec, 3);
        result[$"{name}_seconds_per_step_min_max"] = $"{perStep.Min():F2}-{perStep.Max():F2}";
        result[$"{name}_forward_loss_s"] = Math.Round(stages[0] / steps, 3);
        result[$"{name}_backward_s"] = Math.Round(stages[1] / steps, 3);
        result[$"{name}_optimizer_s"] = Math.Round(stages[2] / steps, 3);
        result[$"{name}_queries_per_s"] = Math.Round(queries / sec, 2);
        result[$"{name}_gflop_per_step"] = Math.Round(f / 1e9, 1);
        result[$"{name}_percent_of_floor"] = Math.Round(100 * f / sec / 1e9 / floor, 1);
    }
}

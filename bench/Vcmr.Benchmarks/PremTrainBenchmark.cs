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
            TrainingBatch Batch() => new(TrainStepTimer.Queries(nr, lq, rc.TextDim), TrainStepTimer.Videos(nr, l, rc.VisualDim, rc.TextDim),
                randint(0, 50, nr), randint(50, 100, nr));
            double flops = 3 * nr * (PremFlops.Query(rc, lq) + PremFlops.Video(rc, l) + nr * PremFlops.Cosines(rc, l));
            TrainStepTimer.Time("retriever", Optimizer(retriever), Batch, b => retriever.Loss(b, new TrainingStep(0, 0, new Random(1))).Total, nr, _ => flops, steps, floor, result);
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
                return new CandidateTrainingBatch(TrainStepTimer.Queries(nl, lq, lc.TextDim), TrainStepTimer.Videos(nl * videos, l, lc.VisualDim, lc.TextDim),
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
            TrainStepTimer.Time("localizer", Optimizer(localizer), Batch, b => localizer.Loss(b, new TrainingStep(0, 0, new Random(1))).Total, nl, Flops, steps, floor, result);
            result["localizer_adversarial_segments_per_step"] = segments;
        }
        return result;
    }

    private static AdamW Optimizer(nn.Module model) =>
        new(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), 1e-4, weightDecay: 0.01);
}

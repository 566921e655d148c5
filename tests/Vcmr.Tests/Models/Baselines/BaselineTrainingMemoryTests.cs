using Vcmr.Data;
using Vcmr.Models.Baselines.Cal;
using Vcmr.Models.Baselines.Excl;
using Vcmr.Models.Baselines.Mee;
using Vcmr.Runtime;
using Vcmr.Tests.Training;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Baselines;

/// <summary>Every step of every baseline runs in the trainer's dispose scope: native memory stays flat over many steps
/// (each with its reference optimiser).</summary>
[Collection(SerialTorchCollection.Name)]
public class BaselineTrainingMemoryTests
{
    private static void Flat<TBatch>(TorchSharp.torch.nn.Module model, Func<TBatch> batch, TrainingLoss<TBatch> loss, TrainerOptions reference) where TBatch : ITrainingBatch
    {
        var trainer = new Trainer<TBatch>(model, new BatchSource<TBatch>(1, _ => [batch()]), loss,
            reference with { Epochs = 400, Patience = 1000 });
        trainer.Fit(_ => 0, stopEpoch: 20); // warm-up: optimiser state, allocator caches
        GC.Collect(); GC.WaitForPendingFinalizers();
        long before = System.Diagnostics.Process.GetCurrentProcess().WorkingSet64;
        trainer.Fit(_ => 0, stopEpoch: 220);
        GC.Collect(); GC.WaitForPendingFinalizers();
        long after = System.Diagnostics.Process.GetCurrentProcess().WorkingSet64;
        Assert.True(after - before < 20L << 20, $"{model.GetType().Name}: RSS grew by {(after - before) >> 20} MB over 200 steps");
    }

    private static TrainingBatch Paired(long n, long l, int video, int text)
    {
        using var scope = NewDisposeScope();
        var mask = ones(n, l);
        var batch = new TrainingBatch(new QueryBatch(Enumerable.Range(0, (int)n).ToArray(), randn(n, 5, text), ones(n, 5)),
            new ContextBatch(Enumerable.Range(0, (int)n).Select(i => $"v{i}").ToArray(), randn(n, l, video), randn(n, l, text), mask),
            zeros(n, int64), full(n, 2L, int64));
        foreach (var t in new[] { batch.Query.Features, batch.Query.Mask, batch.Context.Video!, batch.Context.Subtitle!, mask, batch.StartLabels, batch.EndLabels })
            t.MoveToOuterDisposeScope();
        return batch;
    }

    [Fact]
    public void MeeExclAndCalStayFlat()
    {
        Seeding.Seed(1);
        using var mee = new MeeModel(MeeModelTests.Tiny);
        Flat(mee, () => Paired(4, 6, 12, 8), mee.Loss, MeeConfig.ReferenceTraining);
        using var excl = new ExclModel(ExclModelTests.Tiny);
        Flat(excl, () => Paired(4, 6, 12, 8), excl.Loss, ExclConfig.ReferenceTraining);
        var cfg = CalModelTests.Tiny;
        using var cal = new CalModel(cfg);
        CalTrainingBatch Cal()
        {
            MomentBatch M(int clips) => new(randn(3, clips, cfg.VideoInputDim), randn(3, clips, cfg.SubInputDim), ones(3, clips));
            return new CalTrainingBatch(new QueryBatch([0, 1, 2], randn(3, 4, cfg.TextDim), ones(3, 4)), M(2), M(3), M(4));
        }
        Flat(cal, Cal, cal.Loss, CalConfig.ReferenceTraining);
    }
}

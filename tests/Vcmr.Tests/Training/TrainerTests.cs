using Vcmr.Data;
using Vcmr.Models.Xml;
using Vcmr.Runtime;
using Vcmr.Tests.Models;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Training;

[Collection(SerialTorchCollection.Name)]
public class TrainerTests : IDisposable
{
    private static readonly XmlConfig Tiny = XmlModelTests.Tiny with { HardNegativeStartEpoch = 1 };
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vcmr-trainer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    // Fixed data: batch b of epoch e is generated from its own seed, independent of the global torch RNG.
    private static IEnumerable<TrainingBatch> Batches(int epoch)
    {
        for (int b = 0; b < 2; b++)
        {
            using var g = new Generator().manual_seed(100 * epoch + b);
            var s = XmlModelTests.Batch(4, 5, 10);
            yield return new TrainingBatch(s.Query with { Features = randn(s.Query.Features.shape, generator: g) },
                s.Context with { Video = randn(s.Context.Video!.shape, generator: g), Subtitle = randn(s.Context.Subtitle!.shape, generator: g) }, s.StartLabels, s.EndLabels);
        }
    }

    private static float[] Weights(XmlModel m) =>
        m.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    private static readonly BatchSource<TrainingBatch> Source = new(2, Batches);

    private static Trainer<TrainingBatch> For(XmlModel model, TrainerOptions options, IBatchSource<TrainingBatch>? source = null) =>
        new(model, source ?? Source, model.Loss, options);

    private (XmlModel Model, Trainer<TrainingBatch> Trainer) Make(TrainerOptions? options = null, IBatchSource<TrainingBatch>? source = null)
    {
        Seeding.Seed(5);
        var model = new XmlModel(Tiny);
        return (model, For(model, options ?? new TrainerOptions { Epochs = 3, CheckpointDir = _dir }, source));
    }

    [Fact]
    public void ResumeRestoresWeightsCountersAndContinuesFromTheNextEpoch()
    {
        var scores = new[] { 0.1, 0.3, 0.2 };
        var (first, t2) = Make();
        t2.Fit(e => scores[e], stopEpoch: 1);
        Seeding.Seed(99); // the resumed process starts from another RNG state
        var resumed = new XmlModel(Tiny);
        var t3 = For(resumed, new TrainerOptions { Epochs = 3, CheckpointDir = _dir });
        t3.Resume(Path.Combine(_dir, "last.ckpt"));
        Assert.Equal(1, t3.Epoch);
        Assert.Equal(Weights(first), Weights(resumed));
        t3.Fit(e => scores[e]);
        Assert.Equal(3, t3.Epoch);
        Assert.Equal(0.3, t3.BestScore);
        Assert.NotEqual(Weights(first), Weights(resumed));
        Assert.Contains("\"HiddenSize\": 16", File.ReadAllText(Path.Combine(_dir, "config.json")));
    }

    [Fact]
    public void AnInterruptedAndResumedRunEndsBitIdenticalToAnUninterruptedOne()
    {
        var scores = new[] { 0.1, 0.3, 0.2 };
        var (straight, t1) = Make(new TrainerOptions { Epochs = 3 });
        t1.Fit(e => scores[e]);
        var (interrupted, t2) = Make();
        t2.Fit(e => scores[e], stopEpoch: 1);
        Seeding.Seed(99);
        var resumed = new XmlModel(Tiny);
        var t3 = For(resumed, new TrainerOptions { Epochs = 3, CheckpointDir = _dir });
        t3.Resume(Path.Combine(_dir, "last.ckpt"));
        t3.Fit(e => scores[e]);
        Assert.Equal(Weights(straight), Weights(resumed));
    }

    [Fact]
    public void EarlyStoppingStopsAfterPatienceEpochsWithoutImprovement()
    {
        var (_, t) = Make(new TrainerOptions { Epochs = 10, Patience = 2 }, new BatchSource<TrainingBatch>(2, e => Batches(e).Take(1)));
        var evaluated = new List<int>();
        t.Fit(e => { evaluated.Add(e); return e == 0 ? 1.0 : 0.5; });
        Assert.Equal(new[] { 0, 1, 2 }, evaluated);
    }

    [Fact]
    public void ResumingFromAnotherConfigOrACorruptFileFailsWithAClearMessage()
    {
        var (_, t) = Make(source: new BatchSource<TrainingBatch>(2, e => Batches(e).Take(1)));
        t.Fit(_ => 1, stopEpoch: 1);
        var path = Path.Combine(_dir, "last.ckpt");
        var other = For(new XmlModel(Tiny with { HiddenSize = 8 }), new TrainerOptions());
        Assert.Contains("another config", Assert.Throws<InvalidDataException>(() => other.Resume(path)).Message);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => t.Resume(path));
        Assert.Contains("corrupt", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void ResumingFromAWeightsOnlyCheckpointSaysSoNamingTheFile()
    {
        var (model, t) = Make();
        string path = Path.Combine(_dir, "weights.ckpt");
        Checkpoint.SaveWeights(path, model);
        var e = Assert.Throws<InvalidDataException>(() => t.Resume(path));
        Assert.Contains($"checkpoint '{path}' holds model weights only", e.Message);
        Assert.Contains("cannot resume training", e.Message);
    }

    [Fact]
    public void ProgressReportsTheLossPartsTheModelNamesWithTheirWeights()
    {
        var (_, t) = Make(new TrainerOptions { Epochs = 1 });
        var steps = new List<TrainingProgress>();
        t.Fit(_ => 0, steps.Add);
        var step = steps[0];
        Assert.Equal([XmlLoss.StartEnd, XmlLoss.NegContext, XmlLoss.NegQuery], step.Parts.Select(p => p.Name));
        Assert.Equal([Tiny.LossWeightStartEnd, Tiny.LossWeightNegContext, Tiny.LossWeightNegQuery], step.Parts.Select(p => p.Weight));
        Assert.Equal(step.Loss, step.Parts.Sum(p => p.Weight * p.Value), 4);
        Assert.Matches(@"^loss \d+\.\d{4} \(st_ed \d+\.\d{4}, neg_ctx \d+\.\d{4}, neg_q \d+\.\d{4}\)$", step.LossLine());
        Assert.Empty(steps[^1].Parts); // the validation report
        Assert.Equal(0, steps[^1].ValScore);
    }

    [Fact]
    public void NativeMemoryStaysFlatOverManySteps()
    {
        using var batch = XmlModelTests.Batch(4, 5, 10);
        IEnumerable<TrainingBatch> One(int _) // the trainer disposes what it is given: hand it aliases
        {
            yield return new TrainingBatch(new QueryBatch(batch.Query.DescIds, batch.Query.Features.alias(), batch.Query.Mask.alias()),
                batch.Context with { Video = batch.Context.Video!.alias(), Subtitle = batch.Context.Subtitle!.alias(), Mask = batch.Context.Mask.alias() },
                batch.StartLabels.alias(), batch.EndLabels.alias());
        }
        var (_, t) = Make(new TrainerOptions { Epochs = 200, Patience = 1000 }, new BatchSource<TrainingBatch>(1, One));
        t.Fit(_ => 0, stopEpoch: 20); // warm-up
        GC.Collect(); GC.WaitForPendingFinalizers();
        long before = System.Diagnostics.Process.GetCurrentProcess().WorkingSet64;
        t.Fit(_ => 0, stopEpoch: 220);
        GC.Collect(); GC.WaitForPendingFinalizers();
        long after = System.Diagnostics.Process.GetCurrentProcess().WorkingSet64;
        Assert.True(after - before < 20L << 20, $"RSS grew by {(after - before) >> 20} MB over 200 steps");
    }

    [Fact]
    public void AnEpochScheduleIsForAdamAndSgdOnly()
    {
        // the schedule itself is tested in TorchOptimizersTests; here the trainer builds it or refuses it by name
        var (model, _) = Make();
        For(model, new TrainerOptions { Epochs = 2, Optimizer = OptimizerKind.Sgd, LearningRate = 0.5, Momentum = 0.9, LrDecay = 0.1 }).Fit(_ => 0);
        foreach (var kind in new[] { OptimizerKind.BertAdam, OptimizerKind.AdamW })
            Assert.Contains($"LrDecay = 0.5: {kind}", Assert.Throws<ArgumentException>(() => For(model, new TrainerOptions { Optimizer = kind, LrDecay = 0.5 })).Message);
    }
}

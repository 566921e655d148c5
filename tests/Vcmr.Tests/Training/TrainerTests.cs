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

    private (XmlModel Model, Trainer<XmlModel> Trainer) Make(TrainerOptions? options = null)
    {
        Seeding.Seed(5);
        var model = new XmlModel(Tiny);
        return (model, new Trainer<XmlModel>(model, options ?? new TrainerOptions { Epochs = 3, StepsPerEpoch = 2, CheckpointDir = _dir }));
    }

    [Fact]
    public void ResumeRestoresWeightsCountersAndContinuesFromTheNextEpoch()
    {
        var scores = new[] { 0.1, 0.3, 0.2 };
        var (first, t2) = Make();
        t2.Fit(Batches, e => scores[e], stopEpoch: 1);
        Seeding.Seed(99); // the resumed process starts from another RNG state
        var resumed = new XmlModel(Tiny);
        var t3 = new Trainer<XmlModel>(resumed, new TrainerOptions { Epochs = 3, StepsPerEpoch = 2, CheckpointDir = _dir });
        t3.Resume(Path.Combine(_dir, "last.ckpt"));
        Assert.Equal(1, t3.Epoch);
        Assert.Equal(Weights(first), Weights(resumed));
        t3.Fit(Batches, e => scores[e]);
        Assert.Equal(3, t3.Epoch);
        Assert.Equal(0.3, t3.BestScore);
        Assert.NotEqual(Weights(first), Weights(resumed));
        Assert.Contains("\"HiddenSize\": 16", File.ReadAllText(Path.Combine(_dir, "config.json")));
    }

    [Fact]
    public void AnInterruptedAndResumedRunEndsBitIdenticalToAnUninterruptedOne()
    {
        var scores = new[] { 0.1, 0.3, 0.2 };
        var (straight, t1) = Make(new TrainerOptions { Epochs = 3, StepsPerEpoch = 2 });
        t1.Fit(Batches, e => scores[e]);
        var (interrupted, t2) = Make();
        t2.Fit(Batches, e => scores[e], stopEpoch: 1);
        Seeding.Seed(99);
        var resumed = new XmlModel(Tiny);
        var t3 = new Trainer<XmlModel>(resumed, new TrainerOptions { Epochs = 3, StepsPerEpoch = 2, CheckpointDir = _dir });
        t3.Resume(Path.Combine(_dir, "last.ckpt"));
        t3.Fit(Batches, e => scores[e]);
        Assert.Equal(Weights(straight), Weights(resumed));
    }

    [Fact]
    public void EarlyStoppingStopsAfterPatienceEpochsWithoutImprovement()
    {
        var (_, t) = Make(new TrainerOptions { Epochs = 10, StepsPerEpoch = 2, Patience = 2 });
        var evaluated = new List<int>();
        t.Fit(e => Batches(e).Take(1), e => { evaluated.Add(e); return e == 0 ? 1.0 : 0.5; });
        Assert.Equal(new[] { 0, 1, 2 }, evaluated);
    }

    [Fact]
    public void ResumingFromAnotherConfigOrACorruptFileFailsWithAClearMessage()
    {
        var (_, t) = Make();
        t.Fit(e => Batches(e).Take(1), _ => 1, stopEpoch: 1);
        var path = Path.Combine(_dir, "last.ckpt");
        var other = new Trainer<XmlModel>(new XmlModel(Tiny with { HiddenSize = 8 }), new TrainerOptions());
        Assert.Contains("another config", Assert.Throws<InvalidDataException>(() => other.Resume(path)).Message);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => t.Resume(path));
        Assert.Contains("corrupt", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void NativeMemoryStaysFlatOverManySteps()
    {
        var (_, t) = Make(new TrainerOptions { Epochs = 200, StepsPerEpoch = 1, Patience = 1000 });
        using var batch = XmlModelTests.Batch(4, 5, 10);
        IEnumerable<TrainingBatch> One(int _) // the trainer disposes what it is given: hand it aliases
        {
            yield return new TrainingBatch(new QueryBatch(batch.Query.DescIds, batch.Query.Features.alias(), batch.Query.Mask.alias()),
                batch.Context with { Video = batch.Context.Video!.alias(), Subtitle = batch.Context.Subtitle!.alias(), Mask = batch.Context.Mask.alias() },
                batch.StartLabels.alias(), batch.EndLabels.alias());
        }
        t.Fit(One, _ => 0, stopEpoch: 20); // warm-up
        GC.Collect(); GC.WaitForPendingFinalizers();
        long before = System.Diagnostics.Process.GetCurrentProcess().WorkingSet64;
        t.Fit(One, _ => 0, stopEpoch: 220);
        GC.Collect(); GC.WaitForPendingFinalizers();
        long after = System.Diagnostics.Process.GetCurrentProcess().WorkingSet64;
        Assert.True(after - before < 20L << 20, $"RSS grew by {(after - before) >> 20} MB over 200 steps");
    }
}

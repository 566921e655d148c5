using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Inference;
using Vcmr.Models.Prem;
using Vcmr.Runtime;
using Vcmr.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Prem;

public class PremSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public void Collapse()
    {
        NativeHeap.Configure();
        using var data = TvrData.Open(TvrSynth.Generate("/tmp/prem-seams/data/generated/synth-120-60-2018", new SynthOptions(TrainVideos: 120, ValVideos: 60, Seed: 2018)));
        var baseCfg = PremRetrieverConfig.Paper with { VisualDim = 3072, HiddenSize = 64, IntermediateSize = 256 };
        foreach (var (name, cfg) in new[] {
            ("anywhere tau.01", baseCfg with { StrongPositive = false, WeakPositive = false }),
            ("anywhere tau.05", baseCfg with { StrongPositive = false, WeakPositive = false, Temperature = 0.05 }),
            ("vision anywhere tau.05", baseCfg with { VisionSide = SideSampling.Anywhere, Temperature = 0.05 }),
            ("full tau.05", baseCfg with { Temperature = 0.05 }),
        })
        {
            Seeding.Seed(2018);
            using var m = new PremRetriever(cfg);
            var h = PremExperiment.TrainRetriever(m, data, PremExperiment.Retriever with { BatchSize = 32, Trainer = new TrainerOptions { Epochs = 3, LearningRate = 5e-4, Seed = 2018 } });
            output.WriteLine($"{name}: " + string.Join(" | ", h.Epochs.Select(e => $"loss {e.Loss:F2} r1 {e.Val["VR"]["r1"]} r10 {e.Val["VR"]["r10"]}")));
        }
    }
}

using Vcmr.Models.Xml;
using Vcmr.Runtime;
using Vcmr.Tests.Models;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Training;

[Collection(SerialTorchCollection.Name)]
public class DropoutStabilityTests
{
    // Regression: with nn.Conv1d as ConvSE, libtorch's ConvolutionBackward0 returned NaN within a few steps
    // once dropout was on (found with autograd anomaly mode).
    [Fact]
    public void TrainingWithThePapersDropoutKeepsEveryGradientFinite()
    {
        Seeding.Seed(5);
        var cfg = XmlModelTests.Tiny;
        using var model = new XmlModel(cfg);
        var opt = new BertAdam(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), tTotal: 100);
        using var batch = XmlModelTests.Batch(4, 5, 10);
        var rng = Seeding.Rng(5, "negatives");
        model.train();
        for (int step = 0; step < 60; step++)
        {
            using var scope = NewDisposeScope();
            opt.ZeroGrad();
            var parts = model.Loss(batch, new TrainingStep(0, step, rng));
            parts.Total.backward();
            var bad = model.named_parameters().Where(p => !isfinite(p.parameter.grad!).all().item<bool>()).Select(p => p.name).ToList();
            Assert.True(bad.Count == 0, $"step {step}: non-finite gradients in {string.Join(", ", bad.Take(5))}");
            opt.Step();
        }
    }
}

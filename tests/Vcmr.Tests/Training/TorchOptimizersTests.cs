using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Training;

public class TorchOptimizersTests
{
    private static (string, Tensor)[] Param(out Tensor p, float value = 1)
    {
        p = tensor(new[] { value }).requires_grad_(true);
        return [("w", p)];
    }

    private static void Step(IOptimizer o, Tensor p, float grad)
    {
        o.ZeroGrad();
        using (var loss = (p * grad).sum()) loss.backward();
        o.Step();
    }

    [Fact]
    public void AdamTakesTorchsBiasCorrectedSteps()
    {
        // torch.optim.Adam, lr .1, gradient .5 twice: both steps move by lr (m_hat / sqrt(v_hat) = 1)
        var adam = new Adam(Param(out var p), 0.1);
        Step(adam, p, 0.5f);
        Assert.Equal(0.9, p.item<float>(), 1e-6);
        Step(adam, p, 0.5f);
        Assert.Equal(0.8, p.item<float>(), 1e-6);
        // a gradient of -1 after two of .5: m = .1 * .9 * .5 ... computed as torch does
        double m = 0.9 * (0.9 * 0.05 + 0.05) + 0.1 * -1, v = 0.999 * (0.999 * 0.00025 + 0.00025) + 0.001 * 1;
        double expected = 0.8 - 0.1 / (1 - Math.Pow(0.9, 3)) * m / (Math.Sqrt(v) / Math.Sqrt(1 - Math.Pow(0.999, 3)) + 1e-8);
        Step(adam, p, -1f);
        Assert.Equal(expected, p.item<float>(), 1e-5);
    }

    [Fact]
    public void AdamsEpochDecayIsExponentialLr()
    {
        var adam = new Adam(Param(out _), 1e-4, lrDecay: 0.95);
        adam.StartEpoch(0);
        Assert.Equal(1e-4, adam.LearningRate, 12);
        adam.StartEpoch(3);
        Assert.Equal(1e-4 * Math.Pow(0.95, 3), adam.LearningRate, 12);
    }

    [Fact]
    public void SgdMomentumAndStepLrAreTorchs()
    {
        // momentum .9, lr .1: the first buffer is the gradient, then buf = .9 buf + g
        var sgd = new Sgd(Param(out var p), 0.1, momentum: 0.9, lrDecay: 0.1, lrDecayEpochs: 30);
        Step(sgd, p, 0.5f);
        Assert.Equal(0.95, p.item<float>(), 1e-6);
        Step(sgd, p, 0.5f);
        Assert.Equal(0.95 - 0.1 * 0.95, p.item<float>(), 1e-6);
        sgd.StartEpoch(29);
        Assert.Equal(0.1, sgd.LearningRate, 12);
        sgd.StartEpoch(30);
        Assert.Equal(0.01, sgd.LearningRate, 12);
        sgd.StartEpoch(61);
        Assert.Equal(0.001, sgd.LearningRate, 12);
    }

    [Fact]
    public void StateRoundTripsAndContinuesTheSameSteps()
    {
        foreach (var make in new Func<(string, Tensor)[], IOptimizer>[] { n => new Adam(n, 0.1, weightDecay: 0.01), n => new Sgd(n, 0.1, momentum: 0.9, weightDecay: 0.01) })
        {
            var a = make(Param(out var pa));
            Step(a, pa, 0.3f);
            Step(a, pa, -0.2f);
            var b = make(Param(out var pb, pa.item<float>()));
            b.LoadStateDict(a.StateDict());
            Step(a, pa, 0.7f);
            Step(b, pb, 0.7f);
            Assert.Equal(pa.item<float>(), pb.item<float>());
        }
        var adam = new Adam(Param(out _), 0.1);
        var wrong = new Dictionary<string, Tensor> { ["w.exp_avg"] = zeros(2), ["w.exp_avg_sq"] = zeros(2), ["w.step"] = tensor(1L) };
        Assert.Contains("'w.exp_avg", Assert.Throws<InvalidDataException>(() => adam.LoadStateDict(wrong)).Message);
    }
}

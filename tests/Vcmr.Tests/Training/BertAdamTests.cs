using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Training;

public class BertAdamTests
{
    private static Tensor Param(float[] values, float[] grad)
    {
        var p = tensor(values).requires_grad_(true);
        p.grad = tensor(grad);
        return p;
    }

    [Fact]
    public void SingleStepWithoutBiasCorrectionAndWithDecoupledDecay()
    {
        using var scope = NewDisposeScope();
        var w = Param(new[] { 1f, -2f }, new[] { 0.3f, 0.4f }); // grad norm 0.5: no clipping
        var opt = new BertAdam(new[] { ("w", w) }, lr: 0.1, weightDecay: 0.01);
        opt.Step();
        double[] g = { 0.3, 0.4 }, p = { 1, -2 };
        for (int i = 0; i < 2; i++)
        {
            double m = 0.1 * g[i], v = 0.001 * g[i] * g[i];
            double expected = p[i] - 0.1 * (m / (Math.Sqrt(v) + 1e-6) + 0.01 * p[i]);
            Assert.Equal(expected, w[i].item<float>(), 4);
        }
    }

    [Fact]
    public void GradientIsClippedPerParameterAndBiasGetsNoDecay()
    {
        using var scope = NewDisposeScope();
        var b = Param(new[] { 1f, 1f }, new[] { 3f, 4f }); // norm 5 -> scaled to norm 1
        var opt = new BertAdam(new[] { ("layer.bias", b) }, lr: 0.1, weightDecay: 0.5);
        opt.Step();
        Assert.Equal(0.6, b.grad!.data<float>()[0], 4);
        // m = 0.1 g, sqrt(v) = sqrt(0.001) |g|: the update is 0.1/sqrt(0.001) per element, no decay term
        double step = 0.1 * (0.1 / (Math.Sqrt(0.001) + 1e-6 / 0.6));
        Assert.Equal(1 - step, b[0].item<float>(), 3);
    }

    [Theory]
    [InlineData(0.005, 0.01, 0.5)]
    [InlineData(0.01, 0.01, 1.0)]
    [InlineData(0.5, 0.01, 0.5 / 0.99)]
    [InlineData(1.0, 0.01, 0.0)]
    [InlineData(1.5, 0.01, 0.0)]
    public void WarmupLinearSchedule(double x, double warmup, double expected)
    {
        Assert.Equal(expected, BertAdam.WarmupLinear(x, warmup), 9);
    }

    [Fact]
    public void ScheduledLearningRateScalesTheFirstStep()
    {
        using var scope = NewDisposeScope();
        var a = Param(new[] { 0f }, new[] { 0.5f });
        var b = Param(new[] { 0f }, new[] { 0.5f });
        new BertAdam(new[] { ("a", a) }, lr: 0.1, weightDecay: 0).Step();
        // t_total 200, warmup 0.01: step 1 is x = 0.005, half of the warm-up -> half the lr
        new BertAdam(new[] { ("b", b) }, lr: 0.1, warmup: 0.01, tTotal: 200, weightDecay: 0).Step();
        Assert.Equal(a.item<float>() / 2, b.item<float>(), 5);
    }
}

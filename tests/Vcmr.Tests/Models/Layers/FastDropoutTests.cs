using Vcmr.Models.Layers;
using Vcmr.Runtime;
using Vcmr.Tests.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Layers;

/// <summary>FastDropout is nn.Dropout's inverted dropout with its own mask stream: Bernoulli zeros at rate p, the rest
/// scaled by 1 / (1 - p), gradients through the same mask, fixed by the seed and not by the thread count.</summary>
[Collection(SerialTorchCollection.Name)] // seeds torch and changes its thread count
public sealed class FastDropoutTests
{
    [Theory]
    [InlineData(0.1, 1_000_003)] // many chunks, an odd tail
    [InlineData(0.5, 777)]       // one chunk
    [InlineData(0.25, 200_000)]
    public void ZerosAtRatePAndScalesTheRest(double p, int n)
    {
        Seeding.Seed(3);
        using var scope = NewDisposeScope();
        var x = rand(n) + 1; // no zeros of its own
        var y = FastDropout.Apply(x, p, training: true);
        var dropped = y.eq(0);
        double rate = dropped.to_type(float64).mean().item<double>();
        double sigma = Math.Sqrt(p * (1 - p) / n);
        Assert.InRange(rate, p - 5 * sigma, p + 5 * sigma);
        var kept = dropped.logical_not();
        Assert.True(y.masked_select(kept).allclose(x.masked_select(kept) * (float)(1 / (1 - p)), 1e-6, 0));
        // neighbouring elements are independent: the two halves of one 64-bit draw agree as often as chance says
        var pairs = dropped.narrow(0, 0, n / 2 * 2).view(-1, 2);
        double both = pairs.all(1).to_type(float64).mean().item<double>();
        double sigmaBoth = Math.Sqrt(p * p * (1 - p * p) / (n / 2));
        Assert.InRange(both, p * p - 5 * sigmaBoth, p * p + 5 * sigmaBoth);
    }

    [Fact]
    public void TheSeedFixesTheMaskAndTheThreadCountDoesNot()
    {
        int threads = get_num_threads();
        try
        {
            using var scope = NewDisposeScope();
            var x = ones(300_001);
            Tensor Mask(int seed, int t)
            {
                set_num_threads(t);
                Seeding.Seed(seed);
                return FastDropout.Apply(x, 0.1, training: true);
            }
            var first = Mask(7, 2);
            Assert.True(Same(first, Mask(7, 2)));
            Assert.True(Same(first, Mask(7, 1)));
            Assert.False(Same(first, Mask(8, 2)));
            // each call draws a new mask
            Seeding.Seed(7);
            var a = FastDropout.Apply(x, 0.1, training: true);
            var b = FastDropout.Apply(x, 0.1, training: true);
            Assert.False(Same(a, b));
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    private static bool Same(Tensor a, Tensor b) => a.allclose(b, 0, 0);

    [Fact]
    public void TheGradientFlowsThroughTheSameMask()
    {
        Seeding.Seed(5);
        using var scope = NewDisposeScope();
        var x = randn(64, 1000, requires_grad: true);
        var y = FastDropout.Apply(x, 0.2, training: true);
        y.sum().backward();
        var expected = y.detach().ne(0).to_type(float32) * (float)(1 / 0.8);
        Assert.True(x.grad!.allclose(expected, 1e-6, 0));
    }

    [Fact]
    public void EvaluationAndInPlaceKeepTheModulesContract()
    {
        Seeding.Seed(9);
        using var scope = NewDisposeScope();
        var dropout = new FastDropout(0.3, inplace: true);
        var x = randn(4, 5000);
        var copy = x.clone();
        dropout.eval();
        var same = dropout.forward(x);
        Assert.NotSame(x, same); // a new handle: nn.Sequential disposes what its first module returns
        Assert.True(Same(same, copy));
        dropout.train();
        var dropped = dropout.forward(x);
        Assert.NotSame(x, dropped);
        Assert.True(Same(x, dropped)); // in place: the input holds the result
        Assert.False(Same(x, copy));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastDropout(1.5));
        Assert.True(FastDropout.Apply(x, 1, training: true).eq(0).all().item<bool>()); // p = 1 as nn.Dropout: all zeros
    }
}

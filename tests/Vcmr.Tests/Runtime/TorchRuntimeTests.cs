using TorchSharp;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Tests.Runtime;

public class TorchRuntimeTests
{
    [Fact]
    public void ForwardBackwardGivesTheHandComputedGradient()
    {
        VcmrEnvironment.Setup(seed: 1, device: "cpu", threads: 1);
        using var scope = NewDisposeScope();
        // loss = sum((W x - t)^2), W 2x3; dloss/dW = 2 (W x - t) x^T
        var w = tensor(new float[] { 1, 0, -1, 2, 1, 0 }, new long[] { 2, 3 }).requires_grad_();
        var x = tensor(new float[] { 1, 2, 3 });
        var t = tensor(new float[] { 0, 1 });
        var loss = (matmul(w, x) - t).pow(2).sum();
        loss.backward();
        // W x = [-2, 4]; residual r = [-2, 3]; loss = 4 + 9 = 13; grad = 2 r x^T
        Assert.Equal(13f, loss.item<float>());
        float[] expected = { -4, -8, -12, 6, 12, 18 };
        Assert.Equal(expected, w.grad!.data<float>().ToArray());
    }

    [Fact]
    public void EnvironmentDescriptionNamesVersionsDeviceAndThreads()
    {
        var info = VcmrEnvironment.Setup(seed: 7, device: "cpu", threads: 1);
        Assert.Equal("0.107.0", info.TorchSharp);
        Assert.StartsWith("2.10", info.LibTorch);
        Assert.Equal("cpu", info.Device, ignoreCase: true);
        Assert.Equal(1, info.Threads);
        Assert.Equal(7, info.Seed);
        Assert.Contains("TorchSharp 0.107.0", info.ToString());
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    public void AnUnknownDeviceIsAClearError(string device)
    {
        var e = Assert.Throws<ArgumentException>(() => TorchDevice.Resolve(device));
        Assert.Contains(device, e.Message);
    }

    [Fact]
    public void CudaOnAMachineWithoutItIsAnErrorNotAFallback()
    {
        if (cuda.is_available()) return; // a GPU machine resolves it; the fallback rule is what is tested here
        var e = Assert.Throws<ArgumentException>(() => TorchDevice.Resolve("cuda"));
        Assert.Contains("CUDA is not available", e.Message);
        Assert.Equal(DeviceType.CPU, TorchDevice.Resolve("auto").type);
    }
}

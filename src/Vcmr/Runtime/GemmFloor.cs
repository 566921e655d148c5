using System.Diagnostics;
using TorchSharp;

namespace Vcmr.Runtime;

/// <summary>The machine's float32 matrix-multiply rate through the same libtorch: the floor every throughput is read against.</summary>
public static class GemmFloor
{
    /// <summary>
    /// Measures GFLOP/s of an n x n by n x n float32 matmul on <paramref name="device"/> (2 n^3 FLOPs per product),
    /// the best of at least <paramref name="repeats"/> timed products.
    /// </summary>
    public static double MeasureGflops(torch.Device? device = null, int n = 2048, int repeats = 5)
    {
        TorchNative.EnsureLoaded();
        device ??= torch.CPU;
        using var scope = torch.NewDisposeScope();
        var a = torch.randn(n, n, device: device);
        var b = torch.randn(n, n, device: device);
        // Warm up (thread pool, allocator), then time repeats for at least half a second; keep the best.
        for (int i = 0; i < 3; i++) torch.matmul(a, b).Dispose();
        double best = double.MaxValue, total = 0;
        for (int i = 0; i < repeats || total < 0.5; i++)
        {
            var sw = Stopwatch.StartNew();
            using (var c = torch.matmul(a, b))
            {
                if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
            }
            double t = sw.Elapsed.TotalSeconds;
            best = Math.Min(best, t);
            total += t;
        }
        return 2.0 * n * n * n / best / 1e9;
    }
}

using Vcmr.Runtime;

namespace Vcmr.Benchmarks;

/// <summary>The floor alone, at several sizes: what the other benchmarks compare with.</summary>
public sealed class GemmBenchmark : IBenchmark
{
    public string Name => "gemm";

    public string Description => "float32 matmul GFLOP/s at n = 256 .. 4096";

    public IReadOnlyDictionary<string, object> Run(IReadOnlyList<string> args) =>
        new[] { 256, 512, 1024, 2048, 4096 }.ToDictionary(
            n => $"gflops_n{n}", n => (object)Math.Round(GemmFloor.MeasureGflops(VcmrEnvironment.Device, n), 1));
}

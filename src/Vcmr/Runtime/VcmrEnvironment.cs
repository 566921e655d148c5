using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Vcmr.Runtime;

/// <summary>What a notebook's first cell shows: versions, device, threads and seed of this run.</summary>
public sealed record EnvironmentInfo(
    string TorchSharp,
    string LibTorch,
    string Device,
    bool CudaAvailable,
    int Threads,
    int Seed,
    string DotNet,
    string OS,
    int LogicalCores,
    bool HeapKept)
{
    public override string ToString() =>
        $"TorchSharp {TorchSharp} (libtorch {LibTorch}) on {Device}, {Threads} threads, seed {Seed}{(HeapKept ? ", heap kept" : "")}; .NET {DotNet}, {OS}";
}

/// <summary>One call to set up a run: load libtorch, choose the device, fix threads and seeds.</summary>
public static class VcmrEnvironment
{
    public const string ThreadsVariable = "VCMR_THREADS";

    /// <summary>The device chosen by the last <see cref="Setup"/> (CPU before any call).</summary>
    public static torch.Device Device { get; private set; } = torch.CPU;

    /// <summary>
    /// Sets up the process: the native heap (<see cref="NativeHeap"/>), device ("auto", "cpu", "cuda", "cuda:N"; default VCMR_DEVICE or auto), intra-op threads
    /// (default VCMR_THREADS or all cores) and seeds. Returns the description to display.
    /// </summary>
    public static EnvironmentInfo Setup(int seed = 2018, string? device = null, int? threads = null)
    {
        TorchNative.EnsureLoaded();
        NativeHeap.Configure();
        int n = threads ?? ThreadsFromEnvironment() ?? System.Environment.ProcessorCount;
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(threads), n, "thread count must be at least 1.");
        torch.set_num_threads(n);
        Device = TorchDevice.Resolve(device);
        Seeding.Seed(seed);
        return Describe(seed);
    }

    /// <summary>Describes the current process without changing it.</summary>
    public static EnvironmentInfo Describe(int seed = 2018)
    {
        TorchNative.EnsureLoaded();
        string torchSharp = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "?";
        return new EnvironmentInfo(
            TorchSharp: torchSharp.Split('+')[0],
            LibTorch: torch.__version__,
            Device: Device.ToString(),
            CudaAvailable: torch.cuda.is_available(),
            Threads: torch.get_num_threads(),
            Seed: seed,
            DotNet: System.Environment.Version.ToString(),
            OS: RuntimeInformation.OSDescription,
            LogicalCores: System.Environment.ProcessorCount,
            HeapKept: NativeHeap.Kept);
    }

    private static int? ThreadsFromEnvironment()
    {
        string? value = System.Environment.GetEnvironmentVariable(ThreadsVariable);
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (int.TryParse(value, out int n) && n >= 1) return n;
        throw new ArgumentException($"{ThreadsVariable}='{value}' is not a positive integer.");
    }
}

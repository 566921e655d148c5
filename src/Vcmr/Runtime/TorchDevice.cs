using TorchSharp;

namespace Vcmr.Runtime;

/// <summary>Chooses the device: CUDA when present, CPU otherwise, overridable by a parameter or VCMR_DEVICE.</summary>
public static class TorchDevice
{
    public const string EnvironmentVariable = "VCMR_DEVICE";

    /// <summary>
    /// Resolves "auto" (or null/empty, then VCMR_DEVICE, then auto), "cpu", "cuda" or "cuda:N" to a device.
    /// Asking for CUDA on a machine without it is an error rather than a silent fallback.
    /// </summary>
    public static torch.Device Resolve(string? requested = null)
    {
        TorchNative.EnsureLoaded();
        string choice = (string.IsNullOrWhiteSpace(requested) ? System.Environment.GetEnvironmentVariable(EnvironmentVariable) : requested)
            ?.Trim().ToLowerInvariant() ?? "auto";
        if (choice is "" or "auto")
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (choice == "cpu")
            return torch.CPU;
        if (choice == "cuda" || choice.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new ArgumentException(
                    $"device '{choice}' was requested but CUDA is not available (the default build uses TorchSharp-cpu; " +
                    "build with -p:VcmrTorchBackend=cuda on a machine with a GPU, or use device 'cpu' or 'auto').");
            if (choice == "cuda") return torch.CUDA;
            if (!int.TryParse(choice.AsSpan(5), out int index) || index < 0 || index >= torch.cuda.device_count())
                throw new ArgumentException($"device '{choice}': CUDA device index must be 0..{torch.cuda.device_count() - 1}.");
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"device '{requested}' is not one of auto, cpu, cuda, cuda:N (from parameter or {EnvironmentVariable}).");
    }
}

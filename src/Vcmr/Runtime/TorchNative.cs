using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Vcmr.Runtime;

/// <summary>Thrown when libtorch cannot be loaded; the message names the file and the fix.</summary>
public sealed class TorchNativeLoadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Loads TorchSharp's native library before TorchSharp does, so that a failure is one actionable message
/// instead of TorchSharp's loader trace and its misleading "doesn't contain a reference to libtorch" error.
/// </summary>
public static class TorchNative
{
    private static readonly Lazy<bool> Loaded = new(LoadOnce, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>File name of TorchSharp's native library on this OS.</summary>
    public static string LibraryFileName =>
        OperatingSystem.IsWindows() ? "LibTorchSharp.dll"
        : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib"
        : "libLibTorchSharp.so";

    /// <summary>Makes sure libtorch is usable in this process; cheap after the first call.</summary>
    public static void EnsureLoaded() => _ = Loaded.Value;

    private static bool LoadOnce()
    {
        Assembly torchSharp = typeof(torch).Assembly;
        // A normal app (deps.json) resolves the natives by probing; a script or notebook that #r's a folder does
        // not, so look beside TorchSharp.dll, which is where this project's build puts them.
        if (!NativeLibrary.TryLoad("LibTorchSharp", torchSharp, null, out _))
        {
            string? failure = LoadFrom(Path.GetDirectoryName(torchSharp.Location) ?? ".");
            if (failure != null) throw new TorchNativeLoadException(failure);
        }
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException)
        {
            throw new TorchNativeLoadException(
                $"libtorch failed to initialise from {Path.GetDirectoryName(torchSharp.Location)}: " +
                $"{(e.InnerException ?? e).Message.Split('\n')[0]}", e);
        }
        return true;
    }

    /// <summary>Loads the native library from <paramref name="folder"/>; null on success, else the message to show.</summary>
    internal static string? LoadFrom(string folder)
    {
        string path = Path.Combine(folder, LibraryFileName);
        if (!File.Exists(path))
            return $"TorchSharp's native library {path} is missing. Reference the model assembly from the folder the " +
                   "build writes (artifacts/vcmr/Vcmr.dll after `dotnet build`), which holds the natives beside TorchSharp.dll.";
        try
        {
            NativeLibrary.Load(path);
            return null;
        }
        catch (DllNotFoundException e)
        {
            return Explain(path, e.Message);
        }
    }

    internal static string Explain(string path, string loaderMessage)
    {
        string[] lines = loaderMessage.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? glibcxx = lines.FirstOrDefault(l => l.Contains("GLIBCXX_", StringComparison.Ordinal));
        string first = lines.FirstOrDefault() ?? "unknown loader error";
        if (glibcxx != null)
            return $"{path} cannot be loaded: {glibcxx}. This host's libstdc++ is older than the one TorchSharp was built " +
                   "against; the build marks that requirement weak in its output copy. Rebuild with `dotnet build` and " +
                   "reference artifacts/vcmr/, or see environment/README.md (check with `objdump -T` and `ldd`).";
        return $"{path} cannot be loaded: {first}. Check its dependencies with `ldd {path}` (environment/README.md).";
    }
}

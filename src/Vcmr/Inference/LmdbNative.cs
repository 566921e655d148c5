using System.Runtime.InteropServices;
using LightningDB;

namespace Vcmr.Inference;

/// <summary>
/// Points LightningDB at an LMDB 0.9 library. LightningDB 0.23 ships LMDB 1.0, whose on-disk format cannot read (or
/// write) the 0.9 environments that CONQUER's ranklists and Python's lmdb use; its Linux build also needs glibc 2.38.
/// The system's LMDB 0.9 (Debian/Ubuntu liblmdb0, Homebrew lmdb) is loaded instead and its version checked.
/// </summary>
internal static class LmdbNative
{
    private static readonly string[] Names = ["liblmdb.so.0", "liblmdb.so", "liblmdb.0.dylib", "liblmdb.dylib", "lmdb.dll", "liblmdb.dll"];
    private static readonly Lock Gate = new();
    private static IntPtr _handle;
    private static string? _version;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr MdbVersion(out int major, out int minor, out int patch);

    /// <summary>The loaded library's version string ("LMDB 0.9.24: ...").</summary>
    public static string EnsureLoaded()
    {
        lock (Gate)
        {
            if (_version is not null) return _version;
            var seen = new List<string>();
            foreach (var name in Names)
            {
                if (!NativeLibrary.TryLoad(name, out var handle)) continue;
                if (!NativeLibrary.TryGetExport(handle, "mdb_version", out var export))
                {
                    NativeLibrary.Free(handle);
                    continue;
                }
                var text = Marshal.PtrToStringAnsi(Marshal.GetDelegateForFunctionPointer<MdbVersion>(export)(out int major, out _, out _)) ?? "?";
                if (major != 0)
                {
                    seen.Add($"{name} ({text})");
                    NativeLibrary.Free(handle);
                    continue;
                }
                _handle = handle;
                NativeLibrary.SetDllImportResolver(typeof(LightningEnvironment).Assembly, (lib, _, _) => lib == "lmdb" ? _handle : IntPtr.Zero);
                return _version = text;
            }
            throw new DllNotFoundException("LMDB 0.9 (the format of CONQUER's ranklists and of Python's lmdb) was not found"
                + (seen.Count > 0 ? $" (found only {string.Join(", ", seen)})" : "")
                + ": install it (Debian/Ubuntu: apt-get install liblmdb0; macOS: brew install lmdb)");
        }
    }
}

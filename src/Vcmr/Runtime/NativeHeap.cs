using System.Runtime.InteropServices;

namespace Vcmr.Runtime;

/// <summary>
/// Keeps libtorch's freed memory in the process heap instead of returning it to the kernel.
/// </summary>
/// <remarks>
/// glibc serves every allocation above 32 MB with fresh mmap pages and unmaps them on free, so each training step
/// of a model with large activations page-faults all of them again. In sandboxed kernels (gVisor) a fault costs
/// tens of microseconds: `x + 1` on a (128, 100, 3072) float tensor took 1.16 s with the default and 5.6 ms with
/// the heap kept (bench `xml-train`, 2 cores). The price is that the resident size stays at its peak. Set
/// VCMR_KEEP_HEAP=0 to keep glibc's default. No effect outside glibc.
/// </remarks>
public static class NativeHeap
{
    public const string Variable = "VCMR_KEEP_HEAP";
    private const int M_TRIM_THRESHOLD = -1, M_MMAP_MAX = -4;

    /// <summary>True once the heap is kept (by this or an earlier call).</summary>
    public static bool Kept { get; private set; }

    /// <summary>Applies the setting unless VCMR_KEEP_HEAP=0; returns whether the heap is kept.</summary>
    public static bool Configure()
    {
        if (Kept || !OperatingSystem.IsLinux()) return Kept;
        string? value = Environment.GetEnvironmentVariable(Variable);
        if (value is "0" or "false") return false;
        if (value is not (null or "" or "1" or "true"))
            throw new ArgumentException($"{Variable}='{value}' must be 0 or 1.");
        try
        {
            // mallopt returns 1 on success; both must hold or the mmap'd chunks would still be unmapped.
            Kept = mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Kept = false; // not glibc (e.g. musl): nothing to tune
        }
        return Kept;
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}

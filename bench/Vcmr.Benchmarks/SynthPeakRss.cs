namespace Vcmr.Benchmarks;

/// <summary>
/// Peak resident memory of one measured phase: Linux's high-water mark (VmHWM) is reset by writing 5 to
/// /proc/self/clear_refs, so the GEMM floor and warm-up before the phase do not count.
/// </summary>
internal static class SynthPeakRss
{
    /// <summary>Starts a phase; false when the kernel does not allow the reset (then the peak covers the whole process).</summary>
    public static bool Reset()
    {
        GC.Collect();
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Resident memory now (the baseline of a phase: runtime, TorchSharp natives, the GEMM floor's pages).</summary>
    public static long CurrentMegaBytes()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.WorkingSet64 >> 20;
    }

    public static long MegaBytes()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.PeakWorkingSet64 >> 20;
    }
}

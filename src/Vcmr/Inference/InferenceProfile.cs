using System.Diagnostics;

namespace Vcmr.Inference;

/// <summary>Wall-clock seconds per stage of corpus inference, summed over query batches, and how much each stage
/// raised the process's peak resident memory (benchmarks, notebooks).</summary>
public sealed class InferenceProfile
{
    private readonly Dictionary<string, double> _seconds = [];
    private readonly Dictionary<string, long> _peakRise = [];

    /// <summary>Stages in the order they first ran.</summary>
    public IReadOnlyDictionary<string, double> Seconds => _seconds;

    /// <summary>MB by which each stage raised the peak RSS (Linux VmHWM): the stages that set the high-water mark.</summary>
    public IReadOnlyDictionary<string, long> PeakRssRiseMegaBytes => _peakRise;

    internal T Time<T>(string stage, Func<T> work)
    {
        long peakBefore = PeakRss();
        var clock = Stopwatch.StartNew();
        try
        {
            return work();
        }
        finally
        {
            _seconds[stage] = _seconds.GetValueOrDefault(stage) + clock.Elapsed.TotalSeconds;
            _peakRise[stage] = _peakRise.GetValueOrDefault(stage) + ((PeakRss() - peakBefore) >> 20);
        }
    }

    private static long PeakRss()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }
}

using System.Diagnostics;

namespace Vcmr.Inference;

/// <summary>Wall-clock seconds per stage of corpus inference, summed over query batches (benchmarks, notebooks).</summary>
public sealed class InferenceProfile
{
    private readonly Dictionary<string, double> _seconds = [];

    /// <summary>Stages in the order they first ran.</summary>
    public IReadOnlyDictionary<string, double> Seconds => _seconds;

    internal T Time<T>(string stage, Func<T> work)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            return work();
        }
        finally
        {
            _seconds[stage] = _seconds.GetValueOrDefault(stage) + clock.Elapsed.TotalSeconds;
        }
    }
}

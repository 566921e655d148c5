namespace Vcmr.Models.Baselines.Cal;

/// <summary>One candidate moment, in seconds; float32 as the reference computes and stores them.</summary>
public readonly record struct Proposal(float Start, float End)
{
    public float Length => End - Start;
}

/// <summary>
/// Multi-scale sliding windows with a relative stride (SlidingWindowMSRSS of TVR's
/// clip_alignment_with_language/local_utils/proposal.py, by V. Escorcia): windows of Length x scale seconds start
/// every stride_s = max(round(scale x Stride / RoundBase) x RoundBase, RoundBase) x Length seconds from 0 while the
/// start is before the end of the video; a window past the end is cut at the duration; duplicates are removed and
/// the windows sorted by (start, end), as np.unique(axis=0) leaves them. Arithmetic is float32 as in the reference.
/// </summary>
public sealed record SlidingWindowProposals
{
    /// <summary>ProposalConfigs["tvr"]: 3 s windows at scales 1, 2, 4, 8 (3-24 s), relative stride 0.3, round base 1:
    /// strides 3, 3, 3 and 6 s.</summary>
    public static SlidingWindowProposals Tvr { get; } = new();

    /// <summary>Length of the smallest window, seconds.</summary>
    public double Length { get; init; } = 3;
    public IReadOnlyList<double> Scales { get; init; } = [1, 2, 4, 8];
    /// <summary>Stride relative to the window length.</summary>
    public double Stride { get; init; } = 0.3;
    public double RoundBase { get; init; } = 1;

    /// <summary>Seconds between the starts of two windows of each scale (Python's round: half to even).</summary>
    public IReadOnlyList<double> Strides =>
        Scales.Select(s => Math.Max(Math.Round(s * Stride / RoundBase, MidpointRounding.ToEven) * RoundBase, RoundBase) * Length).ToList();

    public SlidingWindowProposals Validate()
    {
        if (!(Length > 0)) throw new ArgumentException($"Length {Length} must be > 0");
        if (Scales.Count == 0 || Scales.Any(s => !(s > 0))) throw new ArgumentException($"Scales [{string.Join(", ", Scales)}] must be a non-empty list of positive numbers");
        if (!(Stride > 0)) throw new ArgumentException($"Stride {Stride} must be > 0");
        if (!(RoundBase > 0)) throw new ArgumentException($"RoundBase {RoundBase} must be > 0");
        return this;
    }

    /// <summary>Every window of a video of <paramref name="duration"/> seconds, sorted by (start, end).</summary>
    public List<Proposal> Windows(double duration)
    {
        if (!(duration > 0) || double.IsInfinity(duration)) throw new ArgumentOutOfRangeException(nameof(duration), duration, "a video duration must be > 0");
        float end = (float)duration;
        var windows = new SortedSet<Proposal>(Comparer<Proposal>.Create((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.End.CompareTo(b.End)));
        var strides = Strides;
        for (int i = 0; i < strides.Count; i++)
        {
            long count = (long)Math.Ceiling(duration / strides[i]); // np.arange(0, duration, stride)
            float size = (float)(Length * Scales[i]);
            for (long k = 0; k < count; k++)
            {
                float st = (float)(k * strides[i]);
                float ed = st + size;
                windows.Add(new Proposal(st, ed > end ? end : ed));
            }
        }
        return [.. windows];
    }

    /// <summary>The windows scored at inference: sorted by length, the shortest <paramref name="max"/> kept
    /// (ProposalRetrievalEvalDataset). The reference's np.argsort is not stable, so which of several equally long
    /// windows survive the cut is arbitrary there; here ties keep the (start, end) order, so the earliest survive.</summary>
    public List<Proposal> ForInference(double duration, int? max)
    {
        var sorted = Windows(duration).OrderBy(p => p.Length).ToList(); // OrderBy is stable
        return max is int m && sorted.Count > m ? sorted.GetRange(0, m) : sorted;
    }
}

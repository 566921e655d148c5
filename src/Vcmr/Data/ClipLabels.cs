namespace Vcmr.Data;

/// <summary>
/// Start/end clip labels of a moment on the 1.5 s clip grid (clip i = [1.5 i, 1.5 (i+1)) s).
/// The reference trains with an exclusive end, ed = min(ceil(ed_s/1.5), L-1), but its inference maps an end index
/// back with ed_idx*1.5 + 1.5, i.e. as inclusive: a one-clip inconsistency. We use the inclusive end throughout,
/// ed = min(ceil(ed_s/1.5) - 1, L-1) clamped to >= st, so training targets and decoded predictions agree.
/// </summary>
public static class ClipLabels
{
    public const double ClipLength = 1.5;

    /// <param name="start">Moment start in seconds.</param>
    /// <param name="end">Moment end in seconds.</param>
    /// <param name="nClips">L, the number of clips of the (possibly truncated) video.</param>
    public static (int Start, int End) FromSeconds(double start, double end, int nClips)
    {
        if (nClips < 1) throw new ArgumentOutOfRangeException(nameof(nClips), nClips, "video has no clips");
        int st = Math.Min((int)Math.Floor(start / ClipLength), nClips - 1);
        int ed = Math.Min((int)Math.Ceiling(end / ClipLength) - 1, nClips - 1);
        return (st, Math.Max(ed, st));
    }

    /// <summary>Inverse used at inference: [st*1.5, ed*1.5 + 1.5] seconds.</summary>
    public static (double Start, double End) ToSeconds(int start, int end) =>
        (start * ClipLength, end * ClipLength + ClipLength);
}

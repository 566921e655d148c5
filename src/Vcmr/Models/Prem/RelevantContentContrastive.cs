using Vcmr.Models.Layers;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Models.Prem;

/// <summary>The clips the contrastive loss picked for each query in its ground-truth video, per modality (image, then
/// subtitle): the strong positive's (best inside the moment) and the weak positive's (best outside it; the best anywhere
/// when the moment covers the whole video), as the sampling of that side says.</summary>
/// <param name="Strong">(N, 2) int64 clip index per modality.</param>
/// <param name="Weak">(N, 2) int64 clip index per modality.</param>
public sealed record PositiveClips(Tensor Strong, Tensor Weak) : IDisposable
{
    public void Dispose()
    {
        Strong.Dispose();
        Weak.Dispose();
    }
}

/// <summary>What the contrastive loss compares, for N queries against the N videos of their batch.</summary>
/// <param name="Videos">(N, N) s(q_i, v_j): the mean over contrasted modalities of the best clip's cosine (the
/// negatives' scores, and the positive's without relevant-content sampling).</param>
/// <param name="Strong">(N) the strong positive's score of each query in its own video.</param>
/// <param name="Weak">(N) the weak positive's score.</param>
public sealed record ContrastiveScores(Tensor Videos, Tensor Strong, Tensor Weak) : IDisposable
{
    public void Dispose()
    {
        Videos.Dispose();
        Strong.Dispose();
        Weak.Dispose();
    }
}

/// <summary>
/// PREM's relevant-content-enhanced contrastive learning on clip cosines of N queries against the N videos of their
/// batch (query i's ground-truth video is video i): L = L_strong + lambda L_weak + L_v2q, each an InfoNCE at temperature
/// tau with in-batch negatives (the other videos at their best clips, or for L_v2q the other queries); the rows of
/// another query of the same video are left out of the negatives. See <see cref="PremRetrieverConfig"/>.
/// </summary>
public static class RelevantContentContrastive
{
    /// <summary>Loss part names.</summary>
    public const string Strong = "q2v_strong", Weak = "q2v_weak", VideoToQuery = "v2q";

    /// <summary>Below every cosine: excluded clips.</summary>
    private const double Excluded = -3;

    /// <param name="imageSim">(N, N, L) cos(q_img of query i, h_img of video j at clip t).</param>
    /// <param name="subSim">(N, N, L) the same for subtitles.</param>
    /// <param name="clipMask">(N, L) 1 for the real clips of video j.</param>
    /// <param name="startLabels">(N) int64 first clip of query i's moment in video i.</param>
    /// <param name="endLabels">(N) int64 last clip (inclusive).</param>
    public static ContrastiveScores Scores(PremRetrieverConfig config, Tensor imageSim, Tensor subSim, Tensor clipMask, Tensor startLabels, Tensor endLabels)
    {
        using var scope = NewDisposeScope();
        var (inMoment, valid) = MomentMasks(clipMask, startLabels, endLabels);
        var videos = new List<Tensor>();
        var strong = new List<Tensor>();
        var weak = new List<Tensor>();
        foreach (var (sim, side) in new[] { (imageSim, config.VisionSide), (subSim, config.TextSide) })
        {
            if (side == SideSampling.NotContrasted) continue;
            var anywhere = sim.masked_fill(clipMask.unsqueeze(0) == 0, Excluded).amax(2); // (N, N)
            var own = anywhere.diagonal();
            videos.Add(anywhere);
            if (side == SideSampling.Anywhere)
            {
                strong.Add(own);
                weak.Add(own);
                continue;
            }
            var (inside, outside, _, _) = Picks(sim, inMoment, valid, own);
            strong.Add(config.StrongPositive ? inside : own);
            weak.Add(outside);
        }
        Tensor Mean(List<Tensor> parts) => stack(parts).mean([0]).MoveToOuterDisposeScope();
        return new ContrastiveScores(Mean(videos), Mean(strong), Mean(weak));
    }

    /// <summary>The loss of <paramref name="scores"/>; <paramref name="sameVideo"/> (N, N) bool marks pairs of rows whose
    /// queries share a video (the diagonal included or not: it is ignored).</summary>
    public static LossParts Loss(PremRetrieverConfig config, ContrastiveScores scores, Tensor? sameVideo)
    {
        using var scope = NewDisposeScope();
        long n = scores.Videos.shape[0];
        if (n < 2) throw new ArgumentException($"in-batch negatives need a batch of at least 2 queries, got {n}");
        var device = scores.Videos.device;
        var diagonal = eye(n, n, dtype: ScalarType.Bool, device: device);
        var labels = arange(n, dtype: int64, device: device);
        var otherRowOfOwnVideo = sameVideo is null ? null : sameVideo.logical_and(diagonal.logical_not());
        Tensor Logits(Tensor positive)
        {
            var logits = where(diagonal, positive.unsqueeze(1).expand(n, n), scores.Videos) / config.Temperature;
            return otherRowOfOwnVideo is null ? logits : logits.masked_fill(otherRowOfOwnVideo, Masking.LogitFill);
        }
        var strongLogits = Logits(scores.Strong);
        var lStrong = nn.functional.cross_entropy(strongLogits, labels);
        var lV2q = nn.functional.cross_entropy(strongLogits.t(), labels);
        var total = lStrong + lV2q;
        var parts = new List<LossPart> { new(Strong, lStrong.item<float>(), 1, "q2v: strong positive") };
        if (config.WeakPositive)
        {
            var lWeak = nn.functional.cross_entropy(Logits(scores.Weak), labels);
            total = total + config.WeakPositiveWeight * lWeak;
            parts.Add(new(Weak, lWeak.item<float>(), config.WeakPositiveWeight, "q2v: weak positive"));
        }
        parts.Add(new(VideoToQuery, lV2q.item<float>(), 1, "v2q: strong positive"));
        return new LossParts(total.MoveToOuterDisposeScope(), parts);
    }

    /// <summary>The strong and weak positive clips of each query in its own video (image, subtitle), as
    /// <paramref name="config"/>'s sampling picks them (a side without relevant-content sampling, or the strong positive
    /// switched off, picks the best clip anywhere).</summary>
    public static PositiveClips Select(PremRetrieverConfig config, Tensor imageSim, Tensor subSim, Tensor clipMask, Tensor startLabels, Tensor endLabels)
    {
        using var scope = NewDisposeScope();
        var (inMoment, valid) = MomentMasks(clipMask, startLabels, endLabels);
        var strong = new List<Tensor>();
        var weak = new List<Tensor>();
        foreach (var (sim, side) in new[] { (imageSim, config.VisionSide), (subSim, config.TextSide) })
        {
            var diag = sim.diagonal(0, 0, 1).t().masked_fill(valid.logical_not(), Excluded);
            var anywhereClip = diag.argmax(1);
            var (_, _, insideClip, outsideClip) = Picks(sim, inMoment, valid, diag.amax(1));
            bool relevant = side == SideSampling.RelevantContent;
            strong.Add(relevant && config.StrongPositive ? insideClip : anywhereClip);
            weak.Add(relevant ? outsideClip : anywhereClip);
        }
        return new PositiveClips(stack(strong, 1).MoveToOuterDisposeScope(), stack(weak, 1).MoveToOuterDisposeScope());
    }

    // (N, L) bool: clip t of video i lies in query i's moment; and is a real clip of video i.
    private static (Tensor InMoment, Tensor Valid) MomentMasks(Tensor clipMask, Tensor st, Tensor ed)
    {
        var t = arange(clipMask.shape[1], dtype: int64, device: clipMask.device).unsqueeze(0);
        var valid = clipMask > 0;
        return ((t >= st.unsqueeze(1)).logical_and(t <= ed.unsqueeze(1)).logical_and(valid), valid);
    }

    // Best clip of query i in its own video inside its moment and outside it (outside falls back to the best anywhere
    // when the moment covers every clip): values (N) and clip indices (N).
    private static (Tensor Inside, Tensor Outside, Tensor InsideClip, Tensor OutsideClip) Picks(Tensor sim, Tensor inMoment, Tensor valid, Tensor anywhere)
    {
        var diag = sim.diagonal(0, 0, 1).t(); // (N, L): query i against its own video i
        var (inside, insideClip) = diag.masked_fill(inMoment.logical_not(), Excluded).max(1);
        var outsideMask = valid.logical_and(inMoment.logical_not());
        var (outside, outsideClip) = diag.masked_fill(outsideMask.logical_not(), Excluded).max(1);
        var hasOutside = outsideMask.any(1);
        var anywhereClip = diag.masked_fill(valid.logical_not(), Excluded).argmax(1);
        return (inside, where(hasOutside, outside, anywhere), insideClip, where(hasOutside, outsideClip, anywhereClip));
    }
}

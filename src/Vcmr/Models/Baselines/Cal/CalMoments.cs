using Vcmr.Data;
using Vcmr.Inference;

namespace Vcmr.Models.Baselines.Cal;

/// <summary>
/// The moments CAL trains on and the clips a moment covers (ProposalRetrievalDataset and
/// ProposalRetrievalEvalDataset of TVR's proposal_retrieval_dataset.py), on the 1.5 s clip grid.
/// </summary>
public static class CalMoments
{
    private const double Clip = ClipLabels.ClipLength;

    /// <summary>The ground truth widened to clip boundaries, the end cut at the duration (align_ts_to_clip_boundaries).</summary>
    public static (double Start, double End) AlignToClips(double duration, double start, double end) =>
        (Math.Floor(start / Clip) * Clip, Math.Min(Math.Ceiling(end / Clip) * Clip, duration));

    /// <summary>The intra-video negative (sample_intra_neg_moment): <paramref name="draws"/> random moments on clip
    /// boundaries of at least two clips (sample_ts_at_clip_boundaries), the first with the lowest IoU with the ground truth.</summary>
    public static (double Start, double End) IntraNegative(double duration, double gtStart, double gtEnd, int draws, Random rng)
    {
        int clips = (int)Math.Ceiling(duration / Clip);
        (double, double) best = default;
        double bestIou = double.PositiveInfinity;
        for (int i = 0; i < draws; i++)
        {
            int a = rng.Next(clips), b = rng.Next(clips);
            double st = Math.Min(a, b) * Clip, ed = Math.Max(a, b) * Clip;
            if (ed - st <= Clip)
            {
                if (st == 0) ed += Clip;
                else st -= Clip;
            }
            double iou = TemporalNms.Iou(st, ed, gtStart, gtEnd);
            if (iou < bestIou) (best, bestIou) = ((st, ed), iou);
        }
        return best;
    }

    /// <summary>The inter-video negative's moment (sample_inter_video_negative): the positive's span relative to its
    /// duration, placed in the other video and aligned to its clips.</summary>
    public static (double Start, double End) InterNegative(double duration, (double Start, double End) positive, double negativeDuration) =>
        AlignToClips(negativeDuration, negativeDuration * (positive.Start / duration), negativeDuration * (positive.End / duration));

    /// <summary>Clips [st, ed) of a training moment in a video of <paramref name="clips"/> clips (get_moment_feat with
    /// fix_outbound: a start past the features moves to clips - 2; the slice stops at the last clip).</summary>
    public static (int Start, int End) TrainingClips(double start, double end, int clips)
    {
        int st = (int)Math.Floor(start / Clip), ed = Math.Min((int)Math.Ceiling(end / Clip), clips);
        if (st >= clips) st = Math.Max(clips - 2, 0);
        return (st, Math.Max(ed, st + 1));
    }

    /// <summary>Clips [st, ed) of a proposal at inference (get_moment_feat_for_all_proposals: float32 division,
    /// start clipped to [0, clips - 1], end to [1, clips]).</summary>
    public static (int Start, int End) ProposalClips(Proposal p, int clips)
    {
        int st = Math.Clamp((int)MathF.Floor(p.Start / (float)Clip), 0, clips - 1);
        int ed = Math.Clamp((int)MathF.Ceiling(p.End / (float)Clip), 1, clips);
        return (st, Math.Max(ed, st + 1));
    }
}

using Vcmr.Data;
using static TorchSharp.torch;

namespace Vcmr.Models.Baselines.Cal;

/// <summary>
/// CAL's inputs from a video's raw clip features (proposal_retrieval_dataset.py): each clip of a moment becomes
/// [clip; video context; tef], where clips are L2-normalised per row (x / (|x| + 1e-5)) where the config normalises the
/// stream, the context is the mean of all the video's raw clips (normalised likewise), and tef = [st, ed] / duration.
/// MCN replaces the moment's clips with their mean (of the raw clips, then normalised).
/// </summary>
public static class CalFeatures
{
    /// <summary>x / (|x| + 1e-5) along the last axis (l2_normalize_np_array).</summary>
    public static Tensor Normalize(Tensor x) => x / (x.norm(-1, keepdim: true) + 1e-5);

    /// <summary>(D) the mean of all clips, normalised when <paramref name="normalize"/>.</summary>
    public static Tensor Context(Tensor clips, bool normalize)
    {
        using var scope = NewDisposeScope();
        var mean = clips.mean([0]);
        return (normalize ? Normalize(mean) : mean).MoveToOuterDisposeScope();
    }

    /// <summary>(m, 2D [+ 2]) inputs of the moment covering clips [st, ed) (m = ed - st, or 1 for MCN).</summary>
    public static Tensor Moment(Tensor clips, (int Start, int End) range, Tensor context, (double Start, double End)? tef, bool normalize, bool pool)
    {
        using var scope = NewDisposeScope();
        var rows = clips.narrow(0, range.Start, range.End - range.Start);
        if (pool) rows = rows.mean([0], keepdim: true);
        if (normalize) rows = Normalize(rows);
        var parts = new List<Tensor> { rows, context.unsqueeze(0).expand(rows.shape[0], -1) };
        if (tef is var (st, ed)) parts.Add(tensor(new[] { (float)st, (float)ed }, device: clips.device).unsqueeze(0).expand(rows.shape[0], -1));
        return cat(parts, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Zero-padded (N, M, width) moments with their (N, M) mask (pad_sequences_1d).</summary>
    public static (Tensor Data, Tensor Mask) Pad(IReadOnlyList<Tensor> moments)
    {
        long n = moments.Count, m = moments.Max(t => t.shape[0]), width = moments[0].shape[1];
        var data = zeros(n, m, width, device: moments[0].device);
        var mask = zeros(n, m, device: moments[0].device);
        for (int i = 0; i < n; i++)
        {
            long rows = moments[i].shape[0];
            data[i].narrow(0, 0, rows).copy_(moments[i]);
            mask[i].narrow(0, 0, rows).fill_(1);
        }
        return (data, mask);
    }

    /// <summary>The inference inputs of a group of videos (<see cref="ProposalInputs"/>) and each video's proposals,
    /// from each video's raw clips (<paramref name="video"/>, <paramref name="sub"/>: (n_i, D) per video or null for
    /// an absent stream) and durations.</summary>
    public static (ProposalInputs Inputs, List<Proposal>[] Proposals) ProposalInputs(CalConfig config,
        IReadOnlyList<Tensor?> video, IReadOnlyList<Tensor?> sub, IReadOnlyList<double> durations)
    {
        int v = durations.Count;
        var proposals = new List<Proposal>[v];
        var proposalVideo = new List<long>();
        var tef = new List<float>();
        var pairUnit = new List<long>();
        var pairProposal = new List<long>();
        var ranges = new List<(int Start, int End)>();
        long unitOffset = 0;
        for (int i = 0; i < v; i++)
        {
            int clips = (int)(video[i] ?? sub[i]!).shape[0];
            proposals[i] = config.Proposals.ForInference(durations[i], config.MaxProposals);
            foreach (var p in proposals[i])
            {
                long id = proposalVideo.Count;
                proposalVideo.Add(i);
                tef.Add(p.Start / (float)durations[i]);
                tef.Add(p.End / (float)durations[i]);
                var range = CalMoments.ProposalClips(p, clips);
                ranges.Add(range);
                if (config.PoolLocal)
                {
                    pairUnit.Add(id);
                    pairProposal.Add(id);
                }
                else
                    for (int c = range.Start; c < range.End; c++)
                    {
                        pairUnit.Add(unitOffset + c);
                        pairProposal.Add(id);
                    }
            }
            unitOffset += clips;
        }
        using var scope = NewDisposeScope();
        Tensor? Units(IReadOnlyList<Tensor?> stream, bool normalize)
        {
            if (stream[0] is null) return null;
            if (!config.PoolLocal) return (normalize ? Normalize(cat(stream.Select(s => s!).ToArray(), 0)) : cat(stream.Select(s => s!).ToArray(), 0)).MoveToOuterDisposeScope();
            // MCN: the mean of each proposal's raw clips from prefix sums, then normalised
            var pooled = new List<Tensor>();
            int r = 0;
            for (int i = 0; i < v; i++)
            {
                var clips = stream[i]!;
                var prefix = cat([zeros(1, clips.shape[1], float64, clips.device), clips.to(float64).cumsum(0)], 0); // float64: long videos
                int count = proposals[i].Count;
                var st = tensor(ranges.Skip(r).Take(count).Select(x => (long)x.Start).ToArray(), device: clips.device);
                var ed = tensor(ranges.Skip(r).Take(count).Select(x => (long)x.End).ToArray(), device: clips.device);
                pooled.Add(((prefix.index_select(0, ed) - prefix.index_select(0, st)) / (ed - st).unsqueeze(1)).to(clips.dtype));
                r += count;
            }
            var units = cat(pooled, 0);
            return (normalize ? Normalize(units) : units).MoveToOuterDisposeScope();
        }
        Tensor? Contexts(IReadOnlyList<Tensor?> stream, bool normalize) =>
            stream[0] is null ? null : stack(stream.Select(s => Context(s!, normalize)).ToArray()).MoveToOuterDisposeScope();
        var device = (video[0] ?? sub[0]!).device;
        var inputs = new ProposalInputs(Units(video, config.NormalizeVideo), Units(sub, config.NormalizeSubtitle),
            Contexts(video, config.NormalizeVideo), Contexts(sub, config.NormalizeSubtitle),
            tensor(tef.ToArray(), [proposalVideo.Count, 2], device: device), tensor(proposalVideo.ToArray(), device: device),
            tensor(pairUnit.ToArray(), device: device), tensor(pairProposal.ToArray(), device: device));
        foreach (var t in new[] { inputs.VideoUnits, inputs.SubUnits, inputs.VideoContext, inputs.SubContext, inputs.Tef, inputs.ProposalVideo, inputs.PairUnit, inputs.PairProposal })
            t?.MoveToOuterDisposeScope();
        return (inputs, proposals);
    }
}

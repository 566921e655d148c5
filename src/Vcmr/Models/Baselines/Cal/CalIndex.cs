using Vcmr.Data;
using static TorchSharp.torch;

namespace Vcmr.Models.Baselines.Cal;

/// <summary>One ranked moment of a <see cref="CalIndex"/>: the video's corpus position, the proposal and its distance.</summary>
public readonly record struct RankedProposal(int Video, Proposal Proposal, float Distance);

/// <summary>
/// Every proposal of a corpus encoded once (inference.py's compute_proposal_embeddings, with the decomposed encoding of
/// <see cref="CalModel.EncodeProposals"/>): proposals in corpus order, video by video, each video's shortest
/// MaxProposals windows sorted by length. A query's distance to all of them is one product per stream
/// (<see cref="CalModel.Distances"/>), so ranking every (video, proposal) pair of the corpus is exact and batched.
/// </summary>
public sealed class CalIndex : IDisposable
{
    private readonly StreamProposals? _video, _sub;
    private readonly Proposal[] _proposals;
    private readonly int[] _proposalVideo, _firstProposal, _proposalCount;
    private readonly Device _device;

    private CalIndex(StreamProposals? video, StreamProposals? sub, Proposal[] proposals, int[] proposalVideo, int[] first, int[] count, Device device) =>
        (_video, _sub, _proposals, _proposalVideo, _firstProposal, _proposalCount, _device) = (video, sub, proposals, proposalVideo, first, count, device);

    public int Videos => _firstProposal.Length;
    public int Proposals => _proposals.Length;

    /// <summary>The proposals of the video at corpus position <paramref name="video"/>.</summary>
    public ReadOnlySpan<Proposal> Of(int video) => _proposals.AsSpan(_firstProposal[video], _proposalCount[video]);

    /// <summary>Encodes the videos of <paramref name="batches"/> (raw clips of whole videos, read with
    /// <see cref="CalConfig.ReadOptions"/>; disposed once encoded) in order, with their durations in seconds.</summary>
    public static CalIndex Build(CalModel model, IEnumerable<ContextBatch> batches, Func<string, double> duration)
    {
        var cfg = model.Config;
        var means = (Video: new List<Tensor>(), Sub: new List<Tensor>());
        var squares = (Video: new List<Tensor>(), Sub: new List<Tensor>());
        var proposals = new List<Proposal>();
        var proposalVideo = new List<int>();
        var first = new List<int>();
        var count = new List<int>();
        Device? device = null;
        using var noGrad = no_grad();
        try
        {
            foreach (var owned in batches)
            {
                using var batch = owned;
                using var scope = NewDisposeScope();
                device = batch.Mask.device;
                var lengths = batch.Mask.sum(1).to(int64).cpu().data<long>().ToArray();
                Tensor? Row(Tensor? stream, int i) => stream?[i].narrow(0, 0, lengths[i]);
                int n = batch.VidNames.Count;
                var (inputs, perVideo) = CalFeatures.ProposalInputs(cfg,
                    Enumerable.Range(0, n).Select(i => cfg.HasVideo ? Row(Stream(batch.Video, "Video"), i) : null).ToList(),
                    Enumerable.Range(0, n).Select(i => cfg.HasSub ? Row(Stream(batch.Subtitle, "Subtitle"), i) : null).ToList(),
                    batch.VidNames.Select(duration).ToList());
                using var _ = inputs;
                var (video, sub) = model.EncodeProposals(inputs);
                foreach (var (s, m, q) in new[] { (video, means.Video, squares.Video), (sub, means.Sub, squares.Sub) })
                    if (s is not null)
                    {
                        m.Add(s.Mean.MoveToOuterDisposeScope());
                        q.Add(s.MeanSquaredNorm.MoveToOuterDisposeScope());
                    }
                for (int i = 0; i < n; i++)
                {
                    first.Add(proposals.Count);
                    count.Add(perVideo[i].Count);
                    proposalVideo.AddRange(Enumerable.Repeat(first.Count - 1, perVideo[i].Count));
                    proposals.AddRange(perVideo[i]);
                }
            }
            if (first.Count == 0) throw new ArgumentException("the corpus has no videos");
            StreamProposals? Cat(List<Tensor> m, List<Tensor> q) => m.Count == 0 ? null : new(cat(m, 0), cat(q, 0));
            return new CalIndex(Cat(means.Video, squares.Video), Cat(means.Sub, squares.Sub), [.. proposals], [.. proposalVideo], [.. first], [.. count], device!);
        }
        finally
        {
            foreach (var t in means.Video.Concat(means.Sub).Concat(squares.Video).Concat(squares.Sub)) t.Dispose();
        }
    }

    private static Tensor Stream(Tensor? t, string name) =>
        t ?? throw new ArgumentException($"ContextBatch.{name} is null but the CAL config reads it");

    /// <summary>For each query (rows of <paramref name="queries"/>, encoded), the <paramref name="top"/> nearest
    /// proposals among those of <paramref name="candidates"/>[q] (corpus positions; null: every video of the
    /// corpus), nearest first: inference.py's generate_vcmr_predictions_from_res (all videos) and its
    /// _with_external variant (the candidates).</summary>
    public List<RankedProposal>[] Rank(Tensor queries, IReadOnlyList<IReadOnlyList<int>>? candidates, int top)
    {
        if (top < 1) throw new ArgumentOutOfRangeException(nameof(top), top, "must be >= 1");
        long nq = queries.shape[0];
        if (candidates is not null && candidates.Count != nq) throw new ArgumentException($"{candidates.Count} candidate lists for {nq} queries", nameof(candidates));
        var result = new List<RankedProposal>[nq];
        // queries a block at a time: a block's (rows, P) distances stay within a few hundred MB at TVR val scale
        for (int r = 0; r < nq; r += QueryBlock)
        {
            using var scope = NewDisposeScope();
            int n = (int)Math.Min(QueryBlock, nq - r);
            var block = queries.narrow(0, r, n);
            var (values, indices) = candidates is null ? CalModel.Distances(block, _video, _sub).topk(Math.Min(top, Proposals), dim: 1, largest: false)
                : RankCandidates(block, candidates.Skip(r).Take(n).ToList(), top);
            var ranked = new List<RankedProposal>[n];
            Collect(values, indices, ranked);
            ranked.CopyTo(result, r);
        }
        return result;
    }

    // each query's candidates' proposals, padded with proposal 0 at +inf distance; (distances, proposal ids) best first
    private (Tensor Values, Tensor Indices) RankCandidates(Tensor queries, List<IReadOnlyList<int>> candidates, int top)
    {
        long nq = queries.shape[0];
        var lists = candidates.Select(c => c.SelectMany(v => Enumerable.Range(_firstProposal[Check(v)], _proposalCount[v])).ToArray()).ToList();
        int width = Math.Max(1, lists.Max(l => l.Length));
        var ids = new long[nq * width];
        var valid = new bool[nq * width];
        for (int q = 0; q < nq; q++)
            for (int j = 0; j < lists[q].Length; j++) (ids[q * width + j], valid[q * width + j]) = (lists[q][j], true);
        var idTensor = tensor(ids, [nq, width], device: _device);
        var gathered = Gather(queries, idTensor).masked_fill(tensor(valid, [nq, width], device: _device).logical_not(), float.PositiveInfinity);
        var (v, slot) = gathered.topk(Math.Min(top, width), dim: 1, largest: false);
        return (v, idTensor.gather(1, slot));
    }

    /// <summary>Queries per block of the all-pairs ranking.</summary>
    private const int QueryBlock = 256;

    private int Check(int video) => video >= 0 && video < Videos ? video
        : throw new ArgumentOutOfRangeException(nameof(video), video, $"not a corpus position (the index has {Videos} videos)");

    // (Nq, width) distances of each query to the proposals ids[q, :]
    private Tensor Gather(Tensor queries, Tensor ids)
    {
        var q2 = queries.pow(2).sum(1, keepdim: true);
        Tensor Stream(StreamProposals s) =>
            q2 + s.MeanSquaredNorm.index_select(0, ids.flatten()).view(ids.shape) - 2 * bmm(s.Mean.index_select(0, ids.flatten()).view(ids.shape[0], ids.shape[1], -1), queries.unsqueeze(2)).squeeze(2);
        var streams = new[] { _video, _sub }.OfType<StreamProposals>().Select(Stream).ToList();
        return streams.Count == 1 ? streams[0] : (streams[0] + streams[1]) / 2;
    }

    private void Collect(Tensor values, Tensor indices, List<RankedProposal>[] result)
    {
        long k = values.shape[1];
        var v = values.cpu().data<float>().ToArray();
        var ix = indices.cpu().data<long>().ToArray();
        for (int q = 0; q < result.Length; q++)
        {
            result[q] = new((int)k);
            for (int j = 0; j < k; j++)
            {
                float d = v[q * k + j];
                if (float.IsPositiveInfinity(d)) break; // past the query's candidates
                int p = (int)ix[q * k + j];
                result[q].Add(new RankedProposal(_proposalVideo[p], _proposals[p], d));
            }
        }
    }

    public void Dispose()
    {
        _video?.Dispose();
        _sub?.Dispose();
    }
}

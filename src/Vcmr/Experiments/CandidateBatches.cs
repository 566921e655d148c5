using Vcmr.Data;
using Vcmr.Inference;
using Vcmr.Runtime;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Experiments;

/// <summary>Which first-stage candidates become a query's negative videos.</summary>
public sealed record NegativeSampling
{
    /// <summary>CONQUER's shared-normalisation training (neg_video_num 3, use_extend_pool 1000).</summary>
    public static NegativeSampling Conquer { get; } = new() { Negatives = 3, ExtendPool = 1000 };

    /// <summary>PREM's localizer: 4 hard negatives from the retriever's top 100 (2 on DiDeMo).</summary>
    public static NegativeSampling Prem { get; } = new() { Negatives = 4, TopPool = 100, ExtendPool = null };

    /// <summary>Negative videos per query (drawn uniformly, without replacement).</summary>
    public int Negatives { get; init; } = 3;

    /// <summary>Cut the candidate list to its first TopPool entries before anything else (PREM: 100); null keeps it whole.</summary>
    public int? TopPool { get; init; }

    /// <summary>CONQUER's use_extend_pool: the pool is the list without the ground truth, cut at the ground truth's rank
    /// plus this many entries (the videos ranked above it and the next ExtendPool); a ground truth not in the list
    /// counts as rank 100, as the reference's fallback. Null: no cut.</summary>
    public int? ExtendPool { get; init; } = 1000;

    public NegativeSampling Validate()
    {
        if (Negatives < 0) throw new ArgumentException($"NegativeSampling.Negatives: {Negatives} must be >= 0", nameof(Negatives));
        if (TopPool is < 1) throw new ArgumentException($"NegativeSampling.TopPool: {TopPool} must be >= 1", nameof(TopPool));
        if (ExtendPool is < 0) throw new ArgumentException($"NegativeSampling.ExtendPool: {ExtendPool} must be >= 0", nameof(ExtendPool));
        return this;
    }

    /// <summary>The negative pool of a query whose ground-truth video is <paramref name="gtVideoIdx"/>, best first.</summary>
    public List<int> Pool(IReadOnlyList<VideoCandidate> candidates, int gtVideoIdx)
    {
        var list = TopPool is int top ? candidates.Take(top).ToList() : candidates.ToList();
        int location = list.FindIndex(c => c.VideoIdx == gtVideoIdx);
        var pool = list.Where(c => c.VideoIdx != gtVideoIdx).Select(c => c.VideoIdx).ToList();
        if (ExtendPool is int extend) pool = pool.Take((location < 0 ? GtAbsentRank : location) + extend).ToList();
        return pool;
    }

    /// <summary>second_stage_start_end_dataset.py: location = 100 when the ground truth is not in the list.</summary>
    private const int GtAbsentRank = 100;
}

/// <summary>
/// Training batches of queries each with its ground-truth video and negatives sampled from its first-stage candidates
/// (<see cref="CandidateTrainingBatch"/>): CONQUER's shared-normalisation training and PREM's localizer. Queries are
/// shuffled per epoch as <see cref="PairedBatches"/> shuffles them; the negatives of epoch e come from
/// Seeding.Rng(seed, "candidate-negatives/e"), so a resumed run draws what an uninterrupted one would.
/// </summary>
public sealed class CandidateBatches : IBatchSource<CandidateTrainingBatch>
{
    private readonly TvrData _data;
    private readonly IReadOnlyList<TvrQuery> _queries;
    private readonly VideoCandidates _candidates;
    private readonly NegativeSampling _sampling;
    private readonly int _batchSize, _seed;

    /// <param name="candidates">first-stage candidates of the split's queries (video_idx of the split's index).</param>
    /// <param name="queries">the queries to train on (default: all of the split), e.g. those whose ground truth the
    /// first stage ranks high enough (CONQUER's top-100 selection).</param>
    public CandidateBatches(TvrData data, string split, VideoCandidates candidates, NegativeSampling sampling, int batchSize, int seed,
        IReadOnlyList<TvrQuery>? queries = null)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be >= 1");
        (_data, _queries, _candidates, _sampling, _batchSize, _seed) = (data, queries ?? data.Queries(split), candidates, sampling.Validate(), batchSize, seed);
        if (_queries.Count == 0) throw new ArgumentException($"split '{split}' has no queries to train on");
        foreach (var q in _queries)
        {
            if (!q.HasGroundTruth) throw new ArgumentException($"desc_id {q.DescId} has no ground truth: cannot train on it");
            int gt = candidates.Video2Idx.TryGetValue(q.VidName!, out int i) ? i
                : throw new KeyNotFoundException($"{candidates.Source}: ground-truth video '{q.VidName}' of desc_id {q.DescId} is not in the candidates' video index");
            int available = sampling.Pool(candidates[q.DescId], gt).Count;
            if (available < sampling.Negatives)
                throw new ArgumentException($"{candidates.Source}: desc_id {q.DescId} has {available} negative candidates for {sampling.Negatives} negatives");
        }
        StepsPerEpoch = (_queries.Count + batchSize - 1) / batchSize;
    }

    public int StepsPerEpoch { get; }

    public IEnumerable<CandidateTrainingBatch> Epoch(int epoch)
    {
        int[] order = Enumerable.Range(0, _queries.Count).ToArray();
        Seeding.Rng(_seed, $"train-shuffle-{epoch}").Shuffle(order);
        var rng = Seeding.Rng(_seed, $"candidate-negatives/{epoch}");
        for (int s = 0; s < order.Length; s += _batchSize)
            yield return _data.OnDevice(Batch(order.Skip(s).Take(_batchSize).Select(i => _queries[i]).ToList(), rng), b => b.To(_data.Device));
    }

    private CandidateTrainingBatch Batch(List<TvrQuery> queries, Random rng)
    {
        var names = new List<string>();
        var st = new long[queries.Count];
        var ed = new long[queries.Count];
        for (int q = 0; q < queries.Count; q++)
        {
            var gt = queries[q].VidName!;
            names.Add(gt);
            var pool = _sampling.Pool(_candidates[queries[q].DescId], _candidates.Video2Idx[gt]);
            foreach (int video in Sample(pool, _sampling.Negatives, rng)) names.Add(_candidates.VidName(video));
            (st[q], ed[q]) = ClipLabels.FromSeconds(queries[q].Start!.Value, queries[q].End!.Value, _data.Features.Shape(gt).Clips);
        }
        var query = _data.Batches.Queries(queries.Select(q => q.DescId).ToList());
        try
        {
            return new CandidateTrainingBatch(query, _data.Batches.Contexts(names), 1 + _sampling.Negatives, tensor(st), tensor(ed));
        }
        catch
        {
            query.Dispose();
            throw;
        }
    }

    /// <summary><paramref name="n"/> entries of <paramref name="pool"/> uniformly without replacement (partial Fisher-Yates).</summary>
    internal static List<int> Sample(List<int> pool, int n, Random rng)
    {
        var items = pool.ToArray();
        for (int i = 0; i < n; i++)
        {
            int j = rng.Next(i, items.Length);
            (items[i], items[j]) = (items[j], items[i]);
        }
        return items.Take(n).ToList();
    }
}

using Vcmr.Data;
using Vcmr.Runtime;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Models.Baselines.Cal;

/// <summary>
/// CAL/MCN training batches (ProposalRetrievalDataset): each query with its ground-truth moment aligned to the clip
/// grid, an intra-video negative (the lowest-IoU of IntraNegativeDraws random clip-aligned moments of at least two
/// clips) and an inter-video negative (the same relative span in the video of another, randomly drawn training query,
/// drawn again while it is the same video). Queries are shuffled per epoch from Seeding.Rng(seed,
/// "train-shuffle-{epoch}") as every paired source shuffles them; the moments of epoch e come from Seeding.Rng(seed,
/// "cal-negatives/{e}"), so a resumed run draws what an uninterrupted one would.
/// </summary>
public sealed class CalTrainingSource : IBatchSource<CalTrainingBatch>
{
    private readonly TvrFeatureSet _features;
    private readonly BatchBuilder _batches;
    private readonly IReadOnlyList<TvrQuery> _queries;
    private readonly CalConfig _config;
    private readonly int _batchSize, _seed;
    private readonly Device _device;

    /// <param name="features">the stores opened with <see cref="CalConfig.ReadOptions"/> (raw, whole videos).</param>
    /// <param name="queries">training queries with ground truth and durations, from at least two videos.</param>
    public CalTrainingSource(TvrFeatureSet features, IReadOnlyList<TvrQuery> queries, CalConfig config, int batchSize, int seed, Device? device = null)
    {
        config.Validate();
        var wanted = config.ReadOptions(features.Options);
        if (features.Options != wanted)
            throw new ArgumentException($"CAL reads the feature stores as CalConfig.ReadOptions gives ({wanted}), not as {features.Options}: open the corpus with those options");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be >= 1");
        foreach (var q in queries)
            if (!q.HasGroundTruth || q.Duration is null)
                throw new ArgumentException($"desc_id {q.DescId} has no ground truth moment and duration: cannot train on it");
        if (queries.Select(q => q.VidName).Distinct().Count() < 2)
            throw new ArgumentException("CAL's inter-video negatives need training queries from at least two videos");
        (_features, _batches, _queries, _config, _batchSize, _seed, _device) = (features, new BatchBuilder(features), queries, config, batchSize, seed, device ?? CPU);
        StepsPerEpoch = (queries.Count + batchSize - 1) / batchSize;
    }

    public int StepsPerEpoch { get; }

    public IEnumerable<CalTrainingBatch> Epoch(int epoch)
    {
        int[] order = Enumerable.Range(0, _queries.Count).ToArray();
        Seeding.Rng(_seed, $"train-shuffle-{epoch}").Shuffle(order);
        var rng = Seeding.Rng(_seed, $"cal-negatives/{epoch}");
        for (int s = 0; s < order.Length; s += _batchSize)
        {
            var batch = Batch(order.Skip(s).Take(_batchSize).Select(i => _queries[i]).ToList(), rng);
            if (_device.type == TorchSharp.DeviceType.CPU) yield return batch;
            else
                using (batch) yield return batch.To(_device);
        }
    }

    /// <summary>The batch of <paramref name="queries"/>, drawing negatives from <paramref name="rng"/>.</summary>
    public CalTrainingBatch Batch(IReadOnlyList<TvrQuery> queries, Random rng)
    {
        using var scope = NewDisposeScope();
        var cache = new Dictionary<string, (Tensor? Video, Tensor? Sub, Tensor? VideoCtx, Tensor? SubCtx)>();
        (Tensor? Video, Tensor? Sub, Tensor? VideoCtx, Tensor? SubCtx) Read(string vid)
        {
            if (cache.TryGetValue(vid, out var c)) return c;
            var raw = _features.ReadContext(vid);
            Tensor? T(FeatureMatrix? m) => m is null ? null : tensor(m.Data, [m.Rows, m.Cols]);
            var (video, sub) = (_config.HasVideo ? T(raw.Video) : null, _config.HasSub ? T(raw.Subtitle) : null);
            return cache[vid] = (video, sub, video is null ? null : CalFeatures.Context(video, _config.NormalizeVideo),
                sub is null ? null : CalFeatures.Context(sub, _config.NormalizeSubtitle));
        }
        var moments = new[] { (Video: new List<Tensor>(), Sub: new List<Tensor>()), ([], []), ([], []) };
        void Add(int slot, string vid, double duration, (double Start, double End) m)
        {
            var f = Read(vid);
            (double, double)? tef = _config.UseTef ? (m.Start / duration, m.End / duration) : null;
            int clips = (int)(f.Video ?? f.Sub)!.shape[0];
            var range = CalMoments.TrainingClips(m.Start, m.End, clips);
            if (f.Video is not null) moments[slot].Video.Add(CalFeatures.Moment(f.Video, range, f.VideoCtx!, tef, _config.NormalizeVideo, _config.PoolLocal));
            if (f.Sub is not null) moments[slot].Sub.Add(CalFeatures.Moment(f.Sub, range, f.SubCtx!, tef, _config.NormalizeSubtitle, _config.PoolLocal));
        }
        foreach (var q in queries)
        {
            double duration = q.Duration!.Value;
            var positive = CalMoments.AlignToClips(duration, q.Start!.Value, q.End!.Value);
            Add(0, q.VidName!, duration, positive);
            Add(1, q.VidName!, duration, CalMoments.IntraNegative(duration, q.Start.Value, q.End.Value, _config.IntraNegativeDraws, rng));
            TvrQuery other;
            do other = _queries[rng.Next(_queries.Count)];
            while (other.VidName == q.VidName);
            Add(2, other.VidName!, other.Duration!.Value, CalMoments.InterNegative(duration, positive, other.Duration.Value));
        }
        MomentBatch Moments(int slot)
        {
            (Tensor Data, Tensor Mask)? video = moments[slot].Video.Count > 0 ? CalFeatures.Pad(moments[slot].Video) : null;
            (Tensor Data, Tensor Mask)? sub = moments[slot].Sub.Count > 0 ? CalFeatures.Pad(moments[slot].Sub) : null;
            var batch = new MomentBatch(video?.Data, sub?.Data, (sub ?? video)!.Value.Mask);
            batch.Video?.MoveToOuterDisposeScope();
            batch.Sub?.MoveToOuterDisposeScope();
            batch.Mask.MoveToOuterDisposeScope();
            return batch;
        }
        var result = new CalTrainingBatch(_batches.Queries(queries.Select(q => q.DescId).ToList()), Moments(0), Moments(1), Moments(2));
        result.Query.Features.MoveToOuterDisposeScope();
        result.Query.Mask.MoveToOuterDisposeScope();
        return result;
    }
}

using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Data;

/// <summary>
/// Turns annotations plus feature stores into zero-padded CPU batches with float 1/0 masks (padding at the end,
/// padded to the batch maximum as the reference collate does). Move them with <c>To(device)</c>.
/// </summary>
public sealed class BatchBuilder(TvrFeatureSet features)
{
    public TvrFeatureSet Features { get; } = features;

    public QueryBatch Queries(IReadOnlyList<int> descIds)
    {
        var (data, mask) = Pad(descIds.Select(Features.ReadQuery).ToList());
        return new QueryBatch(descIds, data, mask);
    }

    public ContextBatch Contexts(IReadOnlyList<string> vidNames) => Contexts(vidNames, vidNames.Select(Features.ReadContext).ToList());

    /// <summary>Row i = query i with its own ground-truth video and inclusive (start, end) clip labels (see <see cref="ClipLabels"/>).</summary>
    public TrainingBatch Training(IReadOnlyList<TvrQuery> queries)
    {
        foreach (var q in queries)
            if (!q.HasGroundTruth) throw new ArgumentException($"desc_id {q.DescId} has no ground truth: cannot train on it");
        var vids = queries.Select(q => q.VidName!).ToList();
        var contexts = vids.Select(Features.ReadContext).ToList();
        var st = new long[queries.Count];
        var ed = new long[queries.Count];
        for (int i = 0; i < queries.Count; i++)
            (st[i], ed[i]) = ClipLabels.FromSeconds(queries[i].Start!.Value, queries[i].End!.Value, contexts[i].Clips);
        return new TrainingBatch(Queries(queries.Select(q => q.DescId).ToList()), Contexts(vids, contexts), tensor(st), tensor(ed));
    }

    /// <summary>One epoch of training batches in a seeded order (Seeding.Rng(seed, "train-shuffle-{epoch}")); the last batch may be short.</summary>
    public IEnumerable<TrainingBatch> TrainingEpoch(IReadOnlyList<TvrQuery> queries, int batchSize, int seed, int epoch)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be >= 1");
        int[] order = Enumerable.Range(0, queries.Count).ToArray();
        Seeding.Rng(seed, $"train-shuffle-{epoch}").Shuffle(order);
        for (int i = 0; i < order.Length; i += batchSize)
            yield return Training(order.Skip(i).Take(batchSize).Select(j => queries[j]).ToList());
    }

    private static ContextBatch Contexts(IReadOnlyList<string> vidNames, List<ContextFeatures> contexts)
    {
        Tensor? video = null, sub = null, mask = null;
        if (contexts.All(c => c.Video != null)) (video, mask) = Pad(contexts.Select(c => c.Video!).ToList());
        if (contexts.All(c => c.Subtitle != null))
        {
            var (s, m) = Pad(contexts.Select(c => c.Subtitle!).ToList());
            sub = s;
            if (mask is null) mask = m;
            else m.Dispose(); // same clip counts, so the same mask
        }
        return new ContextBatch(vidNames, video, sub, mask!);
    }

    private static (Tensor Data, Tensor Mask) Pad(List<FeatureMatrix> rows)
    {
        if (rows.Count == 0) throw new ArgumentException("empty batch");
        int n = rows.Count, maxLen = rows.Max(r => r.Rows), dim = rows[0].Cols;
        var data = new float[n * maxLen * dim];
        var mask = new float[n * maxLen];
        for (int i = 0; i < n; i++)
        {
            rows[i].Data.CopyTo(data, i * maxLen * dim);
            mask.AsSpan(i * maxLen, rows[i].Rows).Fill(1f);
        }
        return (tensor(data, [n, maxLen, dim]), tensor(mask, [n, maxLen]));
    }
}

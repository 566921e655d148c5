using System.Runtime.InteropServices;
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

    /// <summary>
    /// Each video is read straight into its row of the batch tensors' memory: fresh large buffers cost first-touch
    /// page faults (the dominant cost of batch assembly), so the batch is touched once instead of per video, in a
    /// padded copy and again in the tensor.
    /// </summary>
    public ContextBatch Contexts(IReadOnlyList<string> vidNames)
    {
        if (vidNames.Count == 0) throw new ArgumentException("empty batch");
        var shapes = vidNames.Select(Features.Shape).ToList();
        int n = vidNames.Count, maxLen = shapes.Max(s => Math.Max(s.Clips, s.SubtitleClips)), videoDim = shapes[0].VideoDim, subDim = shapes[0].SubtitleDim;
        bool ownSubtitleMask = Features.Subtitle != null && shapes.Any(s => s.SubtitleClips != s.Clips);
        Tensor? video = null, sub = null, mask = null, subMask = null;
        try
        {
            video = Features.Video == null ? null : empty(n, maxLen, videoDim);
            sub = Features.Subtitle == null ? null : empty(n, maxLen, subDim);
            mask = zeros(n, maxLen);
            subMask = ownSubtitleMask ? zeros(n, maxLen) : null;
            Span<float> videoData = video is null ? [] : MemoryMarshal.Cast<byte, float>(video.bytes);
            Span<float> subData = sub is null ? [] : MemoryMarshal.Cast<byte, float>(sub.bytes);
            var maskData = MemoryMarshal.Cast<byte, float>(mask.bytes);
            Span<float> subMaskData = subMask is null ? [] : MemoryMarshal.Cast<byte, float>(subMask.bytes);
            for (int i = 0; i < n; i++)
            {
                var (clips, subClips) = (shapes[i].Clips, shapes[i].SubtitleClips);
                var videoRow = videoData.Slice(i * maxLen * videoDim, maxLen * videoDim);
                var subRow = subData.Slice(i * maxLen * subDim, maxLen * subDim);
                Features.ReadContextInto(vidNames[i], videoRow[..(clips * videoDim)], subRow[..(subClips * subDim)]);
                videoRow[(clips * videoDim)..].Clear(); // padding
                subRow[(subClips * subDim)..].Clear();
                maskData.Slice(i * maxLen, clips).Fill(1f);
                if (subMask is not null) subMaskData.Slice(i * maxLen, subClips).Fill(1f);
            }
            return new ContextBatch(vidNames, video, sub, mask) { SubtitleMask = subMask };
        }
        catch
        {
            video?.Dispose();
            sub?.Dispose();
            mask?.Dispose();
            subMask?.Dispose();
            throw;
        }
    }

    /// <summary>Row i = query i with its own ground-truth video and inclusive (start, end) clip labels (see <see cref="ClipLabels"/>).</summary>
    public TrainingBatch Training(IReadOnlyList<TvrQuery> queries)
    {
        foreach (var q in queries)
            if (!q.HasGroundTruth) throw new ArgumentException($"desc_id {q.DescId} has no ground truth: cannot train on it");
        var vids = queries.Select(q => q.VidName!).ToList();
        var st = new long[queries.Count];
        var ed = new long[queries.Count];
        for (int i = 0; i < queries.Count; i++)
            (st[i], ed[i]) = ClipLabels.FromSeconds(queries[i].Start!.Value, queries[i].End!.Value, Features.Shape(vids[i]).Clips);
        return new TrainingBatch(Queries(queries.Select(q => q.DescId).ToList()), Contexts(vids), tensor(st), tensor(ed));
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

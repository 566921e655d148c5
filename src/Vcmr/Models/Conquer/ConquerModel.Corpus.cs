using static TorchSharp.torch;

namespace Vcmr.Models.Conquer;

public sealed partial class ConquerModel
{
    /// <summary>(query, video) pairs per forward of the heads at inference: bounds the activations (about 5 MB per pair
    /// at the paper size and 100 clips) whatever the query batch.</summary>
    public const int PairChunk = 64;

    /// <summary>Encodes batches of videos (no grad) into one index, in batch order; the chunks are padded to the widest.</summary>
    public ConquerVideos EncodeCorpus(IEnumerable<Data.ContextBatch> batches)
    {
        var chunks = new List<ConquerVideos>();
        using var noGrad = no_grad();
        try
        {
            foreach (var batch in batches)
                using (batch) chunks.Add(EncodeVideos(batch));
            if (chunks.Count == 0) throw new ArgumentException("no videos to encode", nameof(batches));
            return Concat(chunks);
        }
        finally
        {
            foreach (var c in chunks) c.Dispose();
        }
    }

    private static ConquerVideos Concat(IReadOnlyList<ConquerVideos> chunks)
    {
        long w = chunks.Max(c => c.Width);
        Tensor? Cat(Func<ConquerVideos, Tensor?> pick) => pick(chunks[0]) is null ? null : cat(chunks.Select(c => Fit(pick(c)!, w)).ToArray(), 0);
        return new ConquerVideos(Cat(c => c.Visual), Cat(c => c.Sub), Cat(c => c.Mask)!, Cat(c => c.SubMask)!);
    }

    /// <summary>
    /// Begin/end logits (Nq, K, W) and, for exclusive, video logits (Nq, K) of each query over its K candidates (rows of
    /// <paramref name="index"/>), in chunks of about <see cref="PairChunk"/> pairs. Padding (and, for general and
    /// disjoint, the clips past a chunk's longest candidate) is at <see cref="BiDirectionalAttention.VeryNegative"/>.
    /// </summary>
    public ConquerOutputs ScoreCandidates(ConquerQueries queries, ConquerVideos index, Tensor candidates)
    {
        using var scope = NewDisposeScope();
        long nq = candidates.shape[0], k = candidates.shape[1], w = index.Width;
        long rowsPerChunk = Math.Max(1, PairChunk / k);
        var begins = new List<Tensor>();
        var ends = new List<Tensor>();
        var videos = new List<Tensor>();
        for (long r = 0; r < nq; r += rowsPerChunk)
        {
            long n = Math.Min(rowsPerChunk, nq - r);
            var rows = arange(r, r + n, dtype: int64, device: candidates.device);
            var flat = candidates.narrow(0, r, n).flatten();
            long width = Config.Similarity == SimilarityMeasure.Exclusive ? w : Width(index.Mask.index_select(0, flat));
            var o = Score(queries.Select(rows), index.Gather(flat, Math.Min(width, w)), (int)k);
            begins.Add(Pad(o.Begin, w));
            ends.Add(Pad(o.End, w));
            if (o.Video is not null) videos.Add(o.Video);
        }
        return new ConquerOutputs(cat(begins, 0).MoveToOuterDisposeScope(), cat(ends, 0).MoveToOuterDisposeScope(),
            videos.Count > 0 ? cat(videos, 0).MoveToOuterDisposeScope() : null);
    }

    private static Tensor Pad(Tensor logits, long width) => logits.shape[2] == width ? logits
        : nn.functional.pad(logits, [0, width - logits.shape[2]], value: BiDirectionalAttention.VeryNegative);
}

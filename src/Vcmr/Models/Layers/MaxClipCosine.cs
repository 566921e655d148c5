using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>
/// Video-level score of late-fusion retrievers (XML's video scores, PREM's collaborative retriever): the cosine of a
/// query vector with a video's best clip, max over clips. Clip features are prepared once per corpus (L2-normalised,
/// padded clips repeating clip 0, which leaves every max unchanged and spares the scoring its mask), then each query
/// batch is one GEMM per chunk of videos.
/// </summary>
public static class MaxClipCosine
{
    /// <summary>Bytes of one (Nq, videos * L) cosine block. Measured at TVR val scale (2,000-query batches, XML): blocks
    /// of 13-26 MB ran at ~90 % of the GEMM rate, 51-102 MB at a third of it, since the max over clips then reads the
    /// block back from memory instead of cache.</summary>
    private const long ScoreBlockBytes = 16L << 20;

    /// <summary>(Nv, L, D) clip features made ready for <see cref="Scores"/>: unit norm, padded clips repeating clip 0.</summary>
    /// <param name="mask">(Nv, L) 1 for real clips.</param>
    public static Tensor Prepare(Tensor clips, Tensor mask)
    {
        using var scope = NewDisposeScope();
        return where(mask.unsqueeze(2) > 0, nn.functional.normalize(clips, dim: -1), nn.functional.normalize(clips[.., ..1], dim: -1))
            .MoveToOuterDisposeScope();
    }

    /// <summary>(Nq, Nv): max over clips of cos(q, clip), for clips made ready by <see cref="Prepare"/>.</summary>
    /// <param name="q">(Nq, D) query vectors (any norm).</param>
    public static Tensor Scores(Tensor q, Tensor prepared)
    {
        using var scope = NewDisposeScope();
        var qn = nn.functional.normalize(q, dim: -1);
        var chunks = new List<Tensor>();
        long videos = Math.Max(1, ScoreBlockBytes / (sizeof(float) * q.shape[0] * prepared.shape[1]));
        for (long v = 0; v < prepared.shape[0]; v += videos)
        {
            using var blockScope = NewDisposeScope(); // the block is freed before the next one
            long n = Math.Min(videos, prepared.shape[0] - v);
            var cos = mm(qn, prepared.narrow(0, v, n).reshape(-1, prepared.shape[^1]).t());
            chunks.Add(cos.view(q.shape[0], n, prepared.shape[1]).amax(2).MoveToOuterDisposeScope());
        }
        return cat(chunks, 1).MoveToOuterDisposeScope();
    }
}

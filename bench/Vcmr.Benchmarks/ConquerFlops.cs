using Vcmr.Models.Conquer;

namespace Vcmr.Benchmarks;

/// <summary>Matmul FLOPs (2 m n k) of CONQUER's parts, for the share of the GEMM floor.</summary>
internal static class ConquerFlops
{
    /// <summary>One BERT layer over n tokens: Q, K, V, output (4 D^2), FFN (2 D F) and the two attention products.</summary>
    private static double Layer(ConquerConfig c, long n) =>
        2.0 * n * (4L * c.HiddenSize * c.HiddenSize + 2L * c.HiddenSize * c.IntermediateSize) + 4.0 * n * n * c.HiddenSize;

    /// <summary>Query encoder, per query (MaxQueryLength tokens).</summary>
    public static double Query(ConquerConfig c) => 2.0 * c.MaxQueryLength * c.QueryDim * c.HiddenSize + c.Layers * Layer(c, c.MaxQueryLength);

    /// <summary>Video encoder, per video of <paramref name="l"/> positions (visual and subtitle tokens jointly).</summary>
    public static double Video(ConquerConfig c, long l) =>
        2.0 * l * (c.VisualDim + c.TextDim) * c.HiddenSize + c.Layers * Layer(c, 2 * l);

    /// <summary>Everything after the encoders, per (query, video) pair of <paramref name="l"/> positions: QDF, QAL, the
    /// contextual transformer, begin/end heads with ConvSE and (exclusive) the video scoring head.</summary>
    public static double Pair(ConquerConfig c, long l)
    {
        long d = c.HiddenSize, lq = c.MaxQueryLength;
        double qdf = 2.0 * lq * d * c.NetVladClusters * 2 + 2.0 * c.NetVladClusters * d * 2;
        double qal = 2.0 * l * lq * d * 2 + 2.0 * l * d;
        double Fc(long inputDim) => 2.0 * l * inputDim * d + c.Layers * Layer(c, l);
        double conv = 2 * (2.0 * l * d * c.ConvKernelSize * c.ConvChannels + 2.0 * l * c.ConvChannels);
        double vs = c.Similarity == SimilarityMeasure.Exclusive ? Fc(5 * d) + 2.0 * d * c.VideoScoringHidden : 0;
        return qdf + qal + Fc(4 * d) + Fc(5 * d) + Fc(2 * d) + conv + vs;
    }
}

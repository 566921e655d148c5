using Vcmr.Models.Prem;

namespace Vcmr.Benchmarks;

/// <summary>Matmul FLOPs (2 m n k) of PREM's parts, for the share of the GEMM floor.</summary>
internal static class PremFlops
{
    /// <summary>One BERT layer over n tokens: Q, K, V, output (4 D^2), feed-forward (2 D F), the two attention products.</summary>
    private static double Layer(PremEncoderConfig c, long n) =>
        2.0 * n * (4L * c.HiddenSize * c.HiddenSize + 2L * c.HiddenSize * c.IntermediateSize) + 4.0 * n * n * c.HiddenSize;

    /// <summary>Query encoder and pooling, per query of <paramref name="lq"/> tokens.</summary>
    public static double Query(PremEncoderConfig c, long lq) =>
        2.0 * lq * c.TextDim * c.HiddenSize + c.EncoderLayers * Layer(c, lq) + 2.0 * lq * c.HiddenSize * 2;

    /// <summary>Multi-modal video transformer, per video of <paramref name="l"/> clips (2 l tokens).</summary>
    public static double Video(PremEncoderConfig c, long l) =>
        2.0 * l * (c.VisualDim + c.TextDim) * c.HiddenSize + c.EncoderLayers * Layer(c, 2 * l);

    /// <summary>The retriever's clip cosines of one (query, video) pair, both modalities.</summary>
    public static double Cosines(PremEncoderConfig c, long l) => 2 * 2.0 * l * c.HiddenSize;

    /// <summary>The localizer after the encoders, per (query, video) pair: gates, fusion FC, fusion layers (self-attention,
    /// cross-attention to <paramref name="lq"/> words, feed-forward) and both ConvSE heads.</summary>
    public static double Pair(PremLocalizerConfig c, long l, long lq)
    {
        long d = c.HiddenSize;
        double gates = c.ModalityGates ? c.ModalityCount * 2.0 * l * (c.Gate == GateInput.ClipAndQuery ? 2 : 3) * d * d : 0;
        double fusion = c.ModalityCount == 2 ? 2.0 * l * 2 * d * d : 0;
        double cross = 2.0 * l * 2 * d * d + 2.0 * lq * 2 * d * d + 4.0 * l * lq * d;
        double heads = 2 * (2.0 * l * d * c.BoundaryKernelSize * c.BoundaryChannels + 2.0 * l * c.BoundaryChannels);
        return gates + fusion + c.FusionLayers * (Layer(c, l) + cross) + heads;
    }

    /// <summary>The adversarial classifier over <paramref name="segments"/> segments padded to <paramref name="width"/> clips.</summary>
    public static double Adversarial(PremLocalizerConfig c, long segments, long width) =>
        segments * (c.AdversarialLayers * Layer(c, width) + 2.0 * (2L * c.HiddenSize * c.HiddenSize + c.HiddenSize));
}

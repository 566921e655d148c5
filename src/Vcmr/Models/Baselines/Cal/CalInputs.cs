using Vcmr.Data;
using static TorchSharp.torch;

namespace Vcmr.Models.Baselines.Cal;

/// <summary>Padded moments, one per row: each clip's [clip; video context; tef] input per stream (MCN: one pooled
/// "clip" per moment), float 1/0 clip mask.</summary>
/// <param name="Video">(N, M, VideoInputDim) or null without a video stream.</param>
/// <param name="Sub">(N, M, SubInputDim) or null.</param>
/// <param name="Mask">(N, M).</param>
public sealed record MomentBatch(Tensor? Video, Tensor? Sub, Tensor Mask) : IDisposable
{
    public MomentBatch To(Device device) => new(Video?.to(device), Sub?.to(device), Mask.to(device));

    public void Dispose()
    {
        Video?.Dispose();
        Sub?.Dispose();
        Mask.Dispose();
    }
}

/// <summary>A CAL/MCN training batch: each query with its positive moment, a negative moment of the same video and
/// one of another video (ProposalRetrievalDataset).</summary>
public sealed record CalTrainingBatch(QueryBatch Query, MomentBatch Positive, MomentBatch IntraNegative, MomentBatch InterNegative) : ITrainingBatch
{
    public int Queries => Query.DescIds.Count;

    public CalTrainingBatch To(Device device) =>
        new(Query.To(device), Positive.To(device), IntraNegative.To(device), InterNegative.To(device));

    public void Dispose()
    {
        Query.Dispose();
        Positive.Dispose();
        IntraNegative.Dispose();
        InterNegative.Dispose();
    }
}

/// <summary>
/// The proposals of a group of videos as CAL's inference encodes them, decomposed so that nothing is computed per
/// (proposal, clip) pair but the MLP's second layer: the first layer of W [clip; context; tef] + b is split into
/// W_clip clip (once per clip), W_ctx context + b (once per video) and W_tef tef (once per proposal). CAL's units are
/// the videos' clips (each L2-normalised where the config says); MCN's are the proposals' pooled clips. Pair q joins
/// unit PairUnit[q] with proposal PairProposal[q]; every proposal has at least one pair.
/// </summary>
/// <param name="VideoUnits">(U, VisualDim) or null.</param>
/// <param name="SubUnits">(U, TextDim) or null.</param>
/// <param name="VideoContext">(V, VisualDim) per video, or null.</param>
/// <param name="SubContext">(V, TextDim) or null.</param>
/// <param name="Tef">(P, 2) [st, ed] / duration per proposal (used when the config has tef).</param>
/// <param name="ProposalVideo">(P) int64: the proposal's video in this group.</param>
/// <param name="PairUnit">(Q) int64.</param>
/// <param name="PairProposal">(Q) int64.</param>
public sealed record ProposalInputs(Tensor? VideoUnits, Tensor? SubUnits, Tensor? VideoContext, Tensor? SubContext,
    Tensor Tef, Tensor ProposalVideo, Tensor PairUnit, Tensor PairProposal) : IDisposable
{
    public void Dispose()
    {
        foreach (var t in new[] { VideoUnits, SubUnits, VideoContext, SubContext, Tef, ProposalVideo, PairUnit, PairProposal }) t?.Dispose();
    }
}

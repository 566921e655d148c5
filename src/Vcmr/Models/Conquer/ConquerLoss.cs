using static TorchSharp.torch;

namespace Vcmr.Models.Conquer;

/// <summary>CONQUER's training loss (model/conquer.py): shared-normalisation moment CE and, for the exclusive
/// similarity, the video CE.</summary>
public static class ConquerLoss
{
    /// <summary>
    /// The start and the end logits of each query's N videos are flattened into one softmax over N * W clips (the
    /// ground-truth video is slot 0, so its clip index is the label); moment CE = CE_st + CE_ed, weighted by
    /// lw_st_ed. Exclusive adds CE over the N video logits with label 0, weighted by lw_video_ce. With one video per
    /// query (no shared normalisation) the softmax covers the ground-truth video alone.
    /// </summary>
    /// <param name="start">(Nq) int64 start clip in the ground-truth video.</param>
    /// <param name="end">(Nq) int64 end clip (inclusive).</param>
    /// <returns>The weighted total, and the unweighted moment CE and video CE (null without a video head).</returns>
    public static (Tensor Total, Tensor MomentCe, Tensor? VideoCe) Compute(ConquerConfig config, ConquerOutputs outputs, Tensor start, Tensor end)
    {
        using var scope = NewDisposeScope();
        long nq = outputs.Begin.shape[0];
        var moment = nn.functional.cross_entropy(outputs.Begin.reshape(nq, -1), start)
            + nn.functional.cross_entropy(outputs.End.reshape(nq, -1), end);
        var total = moment * config.LossWeightStartEnd;
        Tensor? video = null;
        if (outputs.Video is not null)
        {
            video = nn.functional.cross_entropy(outputs.Video, zeros(nq, dtype: int64, device: outputs.Video.device));
            total = total + video * config.LossWeightVideoCe;
        }
        return (total.MoveToOuterDisposeScope(), moment.MoveToOuterDisposeScope(), video?.MoveToOuterDisposeScope());
    }
}

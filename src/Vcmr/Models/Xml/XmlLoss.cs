using Vcmr.Data;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Models.Xml;

/// <summary>
/// XML's training loss (model_xml.py of jayleicn/TVRetrieval): lw_st_ed * (CE start + CE end) + ranking loss in both directions
/// with one in-batch negative per row, sampled from the row's sorted scores.
/// </summary>
public static class XmlLoss
{
    /// <summary>Part names, as the reference's loss_st_ed, loss_neg_ctx and loss_neg_q.</summary>
    public const string StartEnd = "st_ed", NegContext = "neg_ctx", NegQuery = "neg_q";

    public static LossParts Compute(XmlConfig config, XmlOutputs outputs, TrainingBatch batch, int epoch, Random rng)
    {
        using var scope = NewDisposeScope();
        var stEd = nn.functional.cross_entropy(outputs.StartLogits, batch.StartLabels)
                 + nn.functional.cross_entropy(outputs.EndLogits, batch.EndLabels);
        var s = outputs.VideoScores;
        var positives = s.diagonal();
        bool hard = epoch >= config.HardNegativeStartEpoch;
        // rows: positive query vs a negative video; columns: positive video vs a negative query
        var negCtx = Ranking(config, positives, NegativeScores(s, hard, config.HardPoolSize, rng));
        var negQ = Ranking(config, positives, NegativeScores(s.t(), hard, config.HardPoolSize, rng));
        var total = config.LossWeightStartEnd * stEd + config.LossWeightNegContext * negCtx + config.LossWeightNegQuery * negQ;
        return new LossParts(total.MoveToOuterDisposeScope(),
        [
            new(StartEnd, stEd.item<float>(), config.LossWeightStartEnd, "start/end CE"),
            new(NegContext, negCtx.item<float>(), config.LossWeightNegContext, "ranking: negative video"),
            new(NegQuery, negQ.item<float>(), config.LossWeightNegQuery, "ranking: negative query"),
        ]);
    }

    /// <summary>One negative per row of <paramref name="scores"/>: sort the row (the diagonal forced first), draw a
    /// position uniformly from [1, N), or from [1, 1 + pool) when hard; take that entry of the differentiable scores.</summary>
    public static Tensor NegativeScores(Tensor scores, bool hard, int pool, Random rng)
    {
        long n = scores.shape[0];
        if (n < 2) throw new ArgumentException($"in-batch negatives need a batch of at least 2 pairs, got {n}");
        using var scope = NewDisposeScope();
        var masked = scores.detach().clone();
        masked.diagonal().fill_(999.0);
        var order = masked.argsort(1, descending: true);
        long hi = hard ? Math.Min(1 + pool, n) : n;
        var positions = tensor(Enumerable.Range(0, (int)n).Select(_ => (long)rng.NextInt64(1, hi)).ToArray(), device: scores.device);
        var columns = order.gather(1, positions.unsqueeze(1));
        return scores.gather(1, columns).squeeze(1).MoveToOuterDisposeScope();
    }

    private static Tensor Ranking(XmlConfig config, Tensor positive, Tensor negative) => config.RankingLoss switch
    {
        RankingLoss.Hinge => (config.Margin + negative - positive).clamp_min(0).mean(),
        RankingLoss.Lse => log1p(exp(negative - positive)).mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.RankingLoss, "unknown ranking loss"),
    };
}

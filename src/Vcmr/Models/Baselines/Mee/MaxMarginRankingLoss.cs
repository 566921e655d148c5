using static TorchSharp.torch;

namespace Vcmr.Models.Baselines.Mee;

/// <summary>
/// MEE's bidirectional max-margin ranking loss over every in-batch negative (model_components.py
/// MaxMarginRankingLoss): for scores S (N, N) with the positives on the diagonal,
/// mean over the 2N^2 terms relu(m - S_ii + S_ij) (query i against video j) and relu(m - S_ii + S_ji) (video i
/// against query j). The diagonal terms are included, as in the reference: each adds m, 2N m / 2N^2 = m / N in all.
/// </summary>
public static class MaxMarginRankingLoss
{
    public static Tensor Compute(Tensor scores, double margin)
    {
        if (scores.ndim != 2 || scores.shape[0] != scores.shape[1])
            throw new ArgumentException($"scores must be square (N, N), got ({string.Join(", ", scores.shape)})", nameof(scores));
        using var scope = NewDisposeScope();
        var positive = scores.diagonal().unsqueeze(1);                       // S_ii as a column
        var rows = nn.functional.relu(margin - positive + scores);           // query i vs video j
        var cols = nn.functional.relu(margin - positive + scores.t());       // video i vs query j
        return ((rows.sum() + cols.sum()) / (2.0 * scores.shape[0] * scores.shape[0])).MoveToOuterDisposeScope();
    }
}

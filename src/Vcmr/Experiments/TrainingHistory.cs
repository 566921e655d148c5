using Microsoft.Data.Analysis;
using Vcmr.Evaluation;

namespace Vcmr.Experiments;

/// <summary>One epoch of a run: mean training losses, throughput and the validation result.</summary>
public sealed record EpochRecord(int Epoch, double Loss, double StartEnd, double NegContext, double NegQuery,
    double QueriesPerSecond, double Seconds, TvrEvalResult Val)
{
    public double StopScore => VcmrEvaluation.StopScore(Val);
}

/// <summary>The epochs of a training run, in order, and the best one by stop score.</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochRecord> _epochs = [];

    public IReadOnlyList<EpochRecord> Epochs => _epochs;
    public EpochRecord? Best => _epochs.Count == 0 ? null : _epochs.MaxBy(e => e.StopScore);
    /// <summary>Where best.ckpt, last.ckpt and config.json were written (null when none).</summary>
    public string? CheckpointDir { get; init; }

    internal void Add(EpochRecord record) => _epochs.Add(record);

    /// <summary>One row per epoch: losses, throughput and the validation VCMR R@1 at both IoUs.</summary>
    public DataFrame ToDataFrame() => new(
        new PrimitiveDataFrameColumn<int>("epoch", _epochs.Select(e => e.Epoch)),
        new DoubleDataFrameColumn("loss", _epochs.Select(e => e.Loss)),
        new DoubleDataFrameColumn("st_ed", _epochs.Select(e => e.StartEnd)),
        new DoubleDataFrameColumn("neg_ctx", _epochs.Select(e => e.NegContext)),
        new DoubleDataFrameColumn("neg_q", _epochs.Select(e => e.NegQuery)),
        new DoubleDataFrameColumn("queries/s", _epochs.Select(e => Math.Round(e.QueriesPerSecond, 1))),
        new DoubleDataFrameColumn("VCMR 0.5-r1", _epochs.Select(e => e.Val["VCMR"]["0.5-r1"])),
        new DoubleDataFrameColumn("VCMR 0.7-r1", _epochs.Select(e => e.Val["VCMR"]["0.7-r1"])),
        new DoubleDataFrameColumn("VR r1", _epochs.Select(e => e.Val["VR"]["r1"])));
}

using Microsoft.Data.Analysis;
using Vcmr.Evaluation;
using Vcmr.Training;

namespace Vcmr.Experiments;

/// <summary>One epoch of a run: mean training loss and mean of each part the model reports (with its weight),
/// throughput, the validation result and its stop score.</summary>
public sealed record EpochRecord(int Epoch, double Loss, IReadOnlyList<LossPart> Parts, double QueriesPerSecond, double Seconds,
    TvrEvalResult Val, double StopScore)
{
    /// <summary>The epoch's mean of the part called <paramref name="name"/> (unweighted).</summary>
    public double Part(string name) => Parts.FirstOrDefault(p => p.Name == name)?.Value
        ?? throw new KeyNotFoundException($"loss part '{name}' is not in epoch {Epoch} (parts: {string.Join(", ", Parts.Select(p => p.Name))})");
}

/// <summary>The epochs of a training run, in order, and the best one by its stop metric.</summary>
public sealed class TrainingHistory(StopMetric stop)
{
    private readonly List<EpochRecord> _epochs = [];

    public StopMetric Stop { get; } = stop;
    public IReadOnlyList<EpochRecord> Epochs => _epochs;
    public EpochRecord? Best => _epochs.Count == 0 ? null : _epochs.MaxBy(e => e.StopScore);
    /// <summary>Where best.ckpt, last.ckpt and config.json were written (null when none).</summary>
    public string? CheckpointDir { get; init; }

    internal void Add(EpochRecord record) => _epochs.Add(record);

    /// <summary>The validation columns shown per epoch: VCMR R@1 at both IoUs and VR R@1 when the run validates whole
    /// pipelines, VR R@1/5/10/100 when it validates a retriever.</summary>
    public IReadOnlyList<(string Task, string Key)> ValidationKeys =>
        _epochs.Count > 0 && !_epochs[0].Val.Tables.Any(t => t.Name == "VCMR")
            ? [("VR", "r1"), ("VR", "r5"), ("VR", "r10"), ("VR", "r100")]
            : [("VCMR", "0.5-r1"), ("VCMR", "0.7-r1"), ("VR", "r1")];

    /// <summary>One row per epoch: loss and its parts, throughput and the validation columns.</summary>
    public DataFrame ToDataFrame()
    {
        var columns = new List<DataFrameColumn>
        {
            new PrimitiveDataFrameColumn<int>("epoch", _epochs.Select(e => e.Epoch)),
            new DoubleDataFrameColumn("loss", _epochs.Select(e => e.Loss)),
        };
        foreach (var name in _epochs.SelectMany(e => e.Parts.Select(p => p.Name)).Distinct())
            columns.Add(new DoubleDataFrameColumn(name, _epochs.Select(e => e.Parts.FirstOrDefault(p => p.Name == name)?.Value ?? double.NaN)));
        columns.Add(new DoubleDataFrameColumn("queries/s", _epochs.Select(e => Math.Round(e.QueriesPerSecond, 1))));
        foreach (var (task, key) in ValidationKeys)
            columns.Add(new DoubleDataFrameColumn($"{task} {key}", _epochs.Select(e => e.Val[task][key])));
        return new DataFrame(columns);
    }
}

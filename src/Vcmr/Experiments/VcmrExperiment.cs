using System.Diagnostics;
using TorchSharp;
using Vcmr.Data;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Training;

namespace Vcmr.Experiments;

/// <summary>How a one-network VCMR model (XML) is trained and validated on a TVR-format corpus.</summary>
public sealed record ExperimentOptions
{
    /// <summary>Epochs, learning rate, seed, patience and checkpoint folder.</summary>
    public TrainerOptions Trainer { get; init; } = new();
    /// <summary>bsz: training queries per batch (reference 128).</summary>
    public int BatchSize { get; init; } = 128;
    public string TrainSplit { get; init; } = "train";
    public string ValSplit { get; init; } = "val";
    /// <summary>Inference settings of the per-epoch validation.</summary>
    public CorpusInferenceOptions Inference { get; init; } = CorpusInferenceOptions.Tvr;
    /// <summary>The validation number that picks the best epoch and stops early.</summary>
    public StopMetric Stop { get; init; } = StopMetric.Vcmr;

    public ExperimentOptions Validate()
    {
        if (BatchSize < 2) throw new ArgumentException($"ExperimentOptions.BatchSize: {BatchSize} must be >= 2 (in-batch negatives)", nameof(BatchSize));
        Inference.Validate();
        return this;
    }
}

/// <summary>
/// One entry to train any model: a model, its batch source and its loss, validated after every epoch (the
/// <see cref="Validation"/>'s stop metric decides early stopping and the best checkpoint), with a per-epoch history
/// of the loss parts the model reports for the notebooks' tables and curves.
/// </summary>
public static class VcmrExperiment
{
    /// <param name="model">the module trained; with a checkpoint folder an <see cref="IConfiguredModel"/>.</param>
    /// <param name="progress">called after every step and every validation (console lines, a notebook's display handle).</param>
    /// <param name="resumeFrom">a last.ckpt to continue from (same kind and config), or null to start fresh.</param>
    /// <param name="stopEpoch">stop before this epoch as an interrupted run would (the schedule still plans all epochs).</param>
    /// <param name="epochEnd">called with each epoch's record once it is validated, before its checkpoints are written
    /// (a front end saves its metrics there).</param>
    public static TrainingHistory Train<TBatch>(torch.nn.Module model, IBatchSource<TBatch> batches, TrainingLoss<TBatch> loss,
        Validation validation, TrainerOptions trainer, Action<TrainingProgress>? progress = null, string? resumeFrom = null, int? stopEpoch = null,
        Action<EpochRecord>? epochEnd = null)
        where TBatch : ITrainingBatch
    {
        var run = new Trainer<TBatch>(model, batches, loss, trainer);
        if (resumeFrom is not null) run.Resume(resumeFrom);
        var history = new TrainingHistory(validation.Stop) { CheckpointDir = trainer.CheckpointDir };
        var sums = new Dictionary<string, (double Sum, double Weight, string Label)>();
        double lossSum = 0, speedSum = 0;
        int count = 0;
        var clock = Stopwatch.StartNew();
        void OnProgress(TrainingProgress p)
        {
            if (p.ValScore is null)
            {
                lossSum += p.Loss;
                speedSum += p.QueriesPerSecond;
                foreach (var part in p.Parts)
                    sums[part.Name] = (sums.GetValueOrDefault(part.Name).Sum + part.Value, part.Weight, part.Label);
                count++;
            }
            progress?.Invoke(p);
        }
        double Evaluate(int epoch)
        {
            var metrics = validation.Run();
            double n = Math.Max(count, 1);
            double score = validation.Stop.Score(metrics);
            var record = new EpochRecord(epoch, lossSum / n, sums.Select(kv => new LossPart(kv.Key, kv.Value.Sum / n, kv.Value.Weight, kv.Value.Label)).ToList(),
                speedSum / n, clock.Elapsed.TotalSeconds, metrics, score);
            history.Add(record);
            epochEnd?.Invoke(record);
            (lossSum, speedSum, count) = (0, 0, 0);
            sums.Clear();
            clock.Restart();
            return score;
        }
        run.Fit(Evaluate, OnProgress, stopEpoch);
        return history;
    }

    /// <summary>A one-network VCMR model (XML) trained on paired in-batch batches of <see cref="ExperimentOptions.TrainSplit"/>
    /// with its own loss, validated each epoch by its whole pipeline on <see cref="ExperimentOptions.ValSplit"/>
    /// (<see cref="AnyModel"/>.Plan).</summary>
    public static TrainingHistory Train<TIndex>(IVcmrModel<TIndex> model, TvrData data, ExperimentOptions options,
        Action<TrainingProgress>? progress = null, string? resumeFrom = null, int? stopEpoch = null) where TIndex : IDisposable =>
        AnyModel.Plan(model as torch.nn.Module ?? throw new ArgumentException($"{model.GetType().Name} is not a torch module", nameof(model)), data, options)
            .Run(progress, resumeFrom, stopEpoch);
}

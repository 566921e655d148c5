using System.Diagnostics;
using TorchSharp;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Training;

namespace Vcmr.Experiments;

/// <summary>How a model is trained and validated on a TVR-format corpus.</summary>
public sealed record ExperimentOptions
{
    /// <summary>Epochs, learning rate, seed, patience and checkpoint folder (StepsPerEpoch is derived from the data).</summary>
    public TrainerOptions Trainer { get; init; } = new();
    /// <summary>bsz: training queries per batch (reference 128).</summary>
    public int BatchSize { get; init; } = 128;
    public string TrainSplit { get; init; } = "train";
    public string ValSplit { get; init; } = "val";
    /// <summary>Inference settings of the per-epoch validation.</summary>
    public CorpusInferenceOptions Inference { get; init; } = CorpusInferenceOptions.Tvr;

    public ExperimentOptions Validate()
    {
        if (BatchSize < 2) throw new ArgumentException($"ExperimentOptions.BatchSize: {BatchSize} must be >= 2 (in-batch negatives)", nameof(BatchSize));
        Inference.Validate();
        return this;
    }
}

/// <summary>
/// One entry to train any VCMR model on any TVR-format corpus: seeded epochs of shuffled batches, the official
/// validation after every epoch (VCMR 0.5-r1 + 0.7-r1 decides early stopping and the best checkpoint) and a
/// per-epoch history for the notebooks' curves.
/// </summary>
public static class VcmrExperiment
{
    /// <param name="progress">called after every step and every validation (console lines, a notebook's display handle).</param>
    /// <param name="resumeFrom">a last.ckpt to continue from (same config), or null to start fresh.</param>
    /// <param name="stopEpoch">stop before this epoch as an interrupted run would (the schedule still plans all epochs).</param>
    public static TrainingHistory Train<TModel, TEnc>(TModel model, TvrData data, ExperimentOptions options,
        Action<TrainingProgress>? progress = null, string? resumeFrom = null, int? stopEpoch = null)
        where TModel : torch.nn.Module, ITrainable, IVideoRetriever<TEnc>, IMomentLocalizer<TEnc> where TEnc : IDisposable
    {
        options.Validate();
        if (model is IFeatureWidths widths) data.RequireWidths(widths);
        var train = data.Queries(options.TrainSplit);
        if (train.Count < 2) throw new ArgumentException($"split '{options.TrainSplit}' has {train.Count} queries: too few to train");
        int steps = (train.Count + options.BatchSize - 1) / options.BatchSize;
        var trainer = new Trainer<TModel>(model, options.Trainer with { StepsPerEpoch = steps });
        if (resumeFrom is not null) trainer.Resume(resumeFrom);
        var history = new TrainingHistory { CheckpointDir = options.Trainer.CheckpointDir };
        var sums = new double[5];
        int count = 0;
        var clock = Stopwatch.StartNew();
        void OnProgress(TrainingProgress p)
        {
            if (p.ValScore is null)
            {
                double[] parts = [p.Loss, p.StartEnd, p.NegContext, p.NegQuery, p.QueriesPerSecond];
                for (int i = 0; i < parts.Length; i++) sums[i] += parts[i];
                count++;
            }
            progress?.Invoke(p);
        }
        double Evaluate(int epoch)
        {
            var result = VcmrEvaluation.Run<TModel, TEnc>(model, data, options.ValSplit, options.Inference);
            double n = Math.Max(count, 1);
            history.Add(new EpochRecord(epoch, sums[0] / n, sums[1] / n, sums[2] / n, sums[3] / n, sums[4] / n,
                clock.Elapsed.TotalSeconds, result.Metrics));
            Array.Clear(sums);
            count = 0;
            clock.Restart();
            return result.StopScore;
        }
        trainer.Fit(epoch => FilterShort(data.TrainingEpoch(options.TrainSplit, options.BatchSize, options.Trainer.Seed, epoch)),
            Evaluate, OnProgress, stopEpoch);
        return history;
    }

    // In-batch negatives need two pairs: a last batch of one query is dropped (the reference's loader would crash on it).
    private static IEnumerable<Data.TrainingBatch> FilterShort(IEnumerable<Data.TrainingBatch> batches)
    {
        foreach (var b in batches)
        {
            if (b.StartLabels.shape[0] >= 2) yield return b;
            else b.Dispose();
        }
    }
}

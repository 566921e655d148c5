using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Inference;
using Vcmr.Training;

namespace Vcmr.Models.Prem;

/// <summary>
/// PREM's two training runs on a TVR-format corpus, composed from the shared seams: the retriever on paired in-batch
/// batches, validated by its VR metrics; the localizer on its ground-truth video plus hard negatives from a first
/// stage's candidates, validated by the whole pipeline (first stage -> PREM localizer, PREM's inference options).
/// </summary>
public static class PremExperiment
{
    /// <summary>The retriever's schedule in the paper: 100 epochs of 256 queries, AdamW lr 1e-4, weight decay 0.01;
    /// the best epoch by VR R@1 + R@5 + R@10 + R@100 on val.</summary>
    public static ExperimentOptions Retriever { get; } = new()
    {
        BatchSize = 256,
        Trainer = new TrainerOptions { Epochs = 100, LearningRate = 1e-4, WeightDecay = 0.01, Optimizer = OptimizerKind.AdamW },
        Stop = StopMetric.VrRecallSum,
    };

    /// <summary>The localizer's schedule in the paper: 15 epochs of 32 queries (each with 4 hard negatives from the top
    /// 100 of the first stage), AdamW lr 1e-4, weight decay 0.01; the best epoch by VCMR R@1 at IoU 0.5 + 0.7 on val
    /// under PREM's inference (top 10 videos, exp(s / tau) P_st P_ed, NMS 0.7).</summary>
    public static ExperimentOptions Localizer { get; } = new()
    {
        BatchSize = 32,
        Trainer = new TrainerOptions { Epochs = 15, LearningRate = 1e-4, WeightDecay = 0.01, Optimizer = OptimizerKind.AdamW },
        Inference = CorpusInferenceOptions.Prem,
        Stop = StopMetric.Vcmr,
    };

    /// <summary>Trains the retriever with its contrastive loss on <see cref="ExperimentOptions.TrainSplit"/>, validating
    /// its top-100 VR metrics on <see cref="ExperimentOptions.ValSplit"/> after every epoch.</summary>
    public static TrainingHistory TrainRetriever(PremRetriever retriever, TvrData data, ExperimentOptions options,
        Action<TrainingProgress>? progress = null, string? resumeFrom = null, int? stopEpoch = null)
    {
        options.Validate();
        data.RequireWidths(retriever);
        var batches = new PairedBatches(data, options.TrainSplit, options.BatchSize, options.Trainer.Seed);
        var validation = Validation.Retrieval(RetrieverStage.From(retriever), data, options.ValSplit, stop: options.Stop);
        return VcmrExperiment.Train(retriever, batches, retriever.Loss, validation, options.Trainer, progress, resumeFrom, stopEpoch);
    }

    /// <summary>Trains the localizer on <see cref="ExperimentOptions.TrainSplit"/> with negatives drawn from
    /// <paramref name="trainCandidates"/> (the first stage's ranking of the training queries, e.g. PREM's retriever's
    /// top 100), validating the pipeline <paramref name="firstStage"/> -> localizer on <see cref="ExperimentOptions.ValSplit"/>.</summary>
    /// <param name="sampling">which candidates become negatives (default: PREM's 4 from the top 100).</param>
    /// <param name="queries">the training queries to train on (default: all of the split).</param>
    public static TrainingHistory TrainLocalizer(PremLocalizer localizer, TvrData data, VideoCandidates trainCandidates, RetrieverStage firstStage,
        ExperimentOptions options, NegativeSampling? sampling = null, Action<TrainingProgress>? progress = null, string? resumeFrom = null, int? stopEpoch = null,
        IReadOnlyList<TvrQuery>? queries = null)
    {
        options.Validate();
        data.RequireWidths(localizer);
        var batches = new CandidateBatches(data, options.TrainSplit, trainCandidates, sampling ?? NegativeSampling.Prem, options.BatchSize, options.Trainer.Seed, queries);
        var validation = Validation.Vcmr(new VcmrPipeline(firstStage, LocalizerStage.From(localizer), options.Inference), data, options.ValSplit, options.Stop);
        return VcmrExperiment.Train(localizer, batches, localizer.Loss, validation, options.Trainer, progress, resumeFrom, stopEpoch);
    }
}

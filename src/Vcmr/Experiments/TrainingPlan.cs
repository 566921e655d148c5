using TorchSharp;
using Vcmr.Data;
using Vcmr.Training;

namespace Vcmr.Experiments;

/// <summary>A training run prepared but not started: a model with its batch source, loss, validation and trainer
/// options, whatever its batch kind (<see cref="AnyModel"/>.Plan builds one for a model known only as an object), so a
/// front end (the command line) can show progress against <see cref="StepsPerEpoch"/> before it starts.</summary>
public abstract class TrainingPlan
{
    /// <summary>Optimiser steps per epoch.</summary>
    public abstract int StepsPerEpoch { get; }

    /// <summary>Epochs, learning rate, seed, patience and checkpoint folder.</summary>
    public abstract TrainerOptions Trainer { get; }

    /// <summary>The validation number that picks the best epoch.</summary>
    public abstract StopMetric Stop { get; }

    /// <summary>Runs the plan through <see cref="VcmrExperiment"/> (its Train of a model, batch source, loss and validation).</summary>
    public abstract TrainingHistory Run(Action<TrainingProgress>? progress = null, string? resumeFrom = null, int? stopEpoch = null,
        Action<EpochRecord>? epochEnd = null);

    public static TrainingPlan Of<TBatch>(torch.nn.Module model, IBatchSource<TBatch> batches, TrainingLoss<TBatch> loss, Validation validation,
        TrainerOptions trainer) where TBatch : ITrainingBatch => new Typed<TBatch>(model, batches, loss, validation, trainer);

    private sealed class Typed<TBatch>(torch.nn.Module model, IBatchSource<TBatch> batches, TrainingLoss<TBatch> loss, Validation validation,
        TrainerOptions trainer) : TrainingPlan where TBatch : ITrainingBatch
    {
        public override int StepsPerEpoch => batches.StepsPerEpoch;
        public override TrainerOptions Trainer => trainer;
        public override StopMetric Stop => validation.Stop;

        public override TrainingHistory Run(Action<TrainingProgress>? progress, string? resumeFrom, int? stopEpoch, Action<EpochRecord>? epochEnd) =>
            VcmrExperiment.Train(model, batches, loss, validation, trainer, progress, resumeFrom, stopEpoch, epochEnd);
    }
}

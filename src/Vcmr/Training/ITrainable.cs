using Vcmr.Data;

namespace Vcmr.Training;

/// <summary>Where a training step is: the epoch and step count, and the epoch's random stream for anything a loss
/// samples (negatives), drawn as Seeding.Rng(seed, "negatives/{epoch}") so a resumed run draws what an uninterrupted
/// one would.</summary>
public sealed record TrainingStep(int Epoch, long Step, Random Rng);

/// <summary>A loss on one batch of a model's batch kind.</summary>
public delegate LossParts TrainingLoss<in TBatch>(TBatch batch, TrainingStep step);

/// <summary>A model with its own training loss on its batch kind: paired in-batch <see cref="TrainingBatch"/> (XML,
/// MEE, ExCL), a query with candidate videos (<see cref="CandidateTrainingBatch"/>: CONQUER, PREM's localizer), or any
/// other <see cref="ITrainingBatch"/>.</summary>
public interface ITrainable<in TBatch> where TBatch : ITrainingBatch
{
    LossParts Loss(TBatch batch, TrainingStep step);
}

/// <summary>The training batches of a model, one seeded enumeration per epoch.</summary>
public interface IBatchSource<out TBatch> where TBatch : ITrainingBatch
{
    /// <summary>Batches per epoch, for the schedule's t_total = StepsPerEpoch * epochs.</summary>
    int StepsPerEpoch { get; }

    /// <summary>A fresh enumeration of the epoch's batches, the same for the same epoch (so a resumed run sees what an
    /// uninterrupted one would); each batch is handed over and disposed by the trainer after its step.</summary>
    IEnumerable<TBatch> Epoch(int epoch);
}

/// <summary>A batch source from a function (tests, one-off experiments).</summary>
public sealed class BatchSource<TBatch>(int stepsPerEpoch, Func<int, IEnumerable<TBatch>> epoch) : IBatchSource<TBatch>
    where TBatch : ITrainingBatch
{
    public int StepsPerEpoch { get; } = stepsPerEpoch > 0 ? stepsPerEpoch
        : throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "must be > 0");

    public IEnumerable<TBatch> Epoch(int e) => epoch(e);
}

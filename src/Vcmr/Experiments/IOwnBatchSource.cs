using Vcmr.Data;
using Vcmr.Training;

namespace Vcmr.Experiments;

/// <summary>A model that trains on a batch kind of its own (CAL's proposals) and builds that kind's source from a
/// corpus, so <see cref="AnyModel"/>.Plan can train it without naming its types.</summary>
public interface IOwnBatchSource<TBatch> : ITrainable<TBatch> where TBatch : ITrainingBatch
{
    /// <summary>The seeded per-epoch batches of <paramref name="split"/> of <paramref name="data"/> (opened with the
    /// model's read options), <paramref name="batchSize"/> queries each.</summary>
    IBatchSource<TBatch> TrainingBatches(TvrData data, string split, int batchSize, int seed);
}

using Vcmr.Data;
using Vcmr.Training;

namespace Vcmr.Experiments;

/// <summary>
/// Paired training batches (query i with its ground-truth video i), shuffled per epoch from the seed: XML's, and
/// every model that takes its negatives inside the batch (MEE, PREM's retriever) or needs none (ExCL). A last batch
/// smaller than the minimum (2 by default) is dropped (in-batch negatives need two pairs; the reference's loader
/// would crash on one).
/// </summary>
public sealed class PairedBatches : IBatchSource<TrainingBatch>
{
    private readonly TvrData _data;
    private readonly string _split;
    private readonly int _batchSize, _seed, _minBatch;

    public PairedBatches(TvrData data, string split, int batchSize, int seed, int minBatch = 2)
    {
        if (batchSize < minBatch) throw new ArgumentException($"batch size {batchSize} is below the minimum of {minBatch} queries per batch", nameof(batchSize));
        int queries = data.Queries(split).Count;
        if (queries < minBatch) throw new ArgumentException($"split '{split}' has {queries} queries: too few to train");
        (_data, _split, _batchSize, _seed, _minBatch) = (data, split, batchSize, seed, minBatch);
        StepsPerEpoch = (queries + batchSize - 1) / batchSize;
    }

    public int StepsPerEpoch { get; }

    public IEnumerable<TrainingBatch> Epoch(int epoch)
    {
        foreach (var b in _data.TrainingEpoch(_split, _batchSize, _seed, epoch))
        {
            if (b.Queries >= _minBatch) yield return b;
            else b.Dispose();
        }
    }
}

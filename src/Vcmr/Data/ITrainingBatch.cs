namespace Vcmr.Data;

/// <summary>A training batch of any kind, owning its tensors.</summary>
public interface ITrainingBatch : IDisposable
{
    /// <summary>Queries in the batch (for throughput).</summary>
    int Queries { get; }
}

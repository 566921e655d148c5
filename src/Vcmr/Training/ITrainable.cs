using Vcmr.Data;

namespace Vcmr.Training;

/// <summary>A model the <see cref="Trainer{TModel}"/> can train: it computes its own loss on a training batch.</summary>
public interface ITrainable
{
    /// <summary>The loss of one batch; <paramref name="rng"/> drives the batch's sampling (e.g. negatives).</summary>
    LossParts Loss(TrainingBatch batch, int epoch, Random rng);

    /// <summary>Config serialised beside checkpoints and checked on load.</summary>
    string ConfigJson();
}

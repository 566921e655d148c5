using static TorchSharp.torch;

namespace Vcmr.Training;

/// <summary>What the trainer needs of an optimiser: a step over the gradients, and its state for checkpoints.</summary>
public interface IOptimizer
{
    void ZeroGrad();

    void Step();

    /// <summary>The state as named tensors (per parameter: exp_avg, exp_avg_sq, step).</summary>
    Dictionary<string, Tensor> StateDict();

    /// <summary>Restores <see cref="StateDict"/> output (copies the tensors).</summary>
    void LoadStateDict(IReadOnlyDictionary<string, Tensor> state);
}

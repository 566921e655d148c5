using static TorchSharp.torch;

namespace Vcmr.Training;

/// <summary>An optimiser the trainer drives: its step, its learning-rate schedule and its state for checkpoints.</summary>
public interface IOptimizer
{
    /// <summary>The learning rate the next step uses.</summary>
    double LearningRate { get; }

    /// <summary>Called before each epoch's first step: epoch-wise schedules (ExponentialLR, StepLR) set the epoch's rate
    /// from the epoch number, so a resumed run continues the schedule.</summary>
    void StartEpoch(int epoch);

    void ZeroGrad();
    void Step();

    /// <summary>The state (moments, momentum buffers, step counts) as named tensors.</summary>
    Dictionary<string, Tensor> StateDict();

    /// <summary>Restores <see cref="StateDict"/> output (copies the tensors).</summary>
    void LoadStateDict(IReadOnlyDictionary<string, Tensor> state);
}

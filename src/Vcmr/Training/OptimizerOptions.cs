using static TorchSharp.torch;

namespace Vcmr.Training;

/// <summary>Which optimiser (and learning-rate schedule) a trainer builds: the reference training script's choice
/// for each model.</summary>
public abstract record OptimizerOptions
{
    /// <summary>The optimiser over <paramref name="parameters"/> for a run of <paramref name="totalSteps"/> steps.</summary>
    public abstract IOptimizer Create(IEnumerable<(string Name, Tensor Param)> parameters, long totalSteps);
}

/// <summary>BertAdam with warmup_linear over the run (TVR's XML).</summary>
public sealed record BertAdamOptions(double LearningRate = 1e-4, double Warmup = 0.01, double WeightDecay = 0.01, double MaxGradNorm = 1.0) : OptimizerOptions
{
    public override IOptimizer Create(IEnumerable<(string Name, Tensor Param)> parameters, long totalSteps) =>
        new BertAdam(parameters, LearningRate, Warmup, totalSteps, weightDecay: WeightDecay, maxGradNorm: MaxGradNorm);
}

/// <summary>torch.optim.Adam, the rate multiplied by <see cref="EpochDecay"/> after every epoch (ExponentialLR; MEE
/// 1e-4 x 0.95^epoch, ExCL 1e-3 constant).</summary>
public sealed record AdamOptions(double LearningRate, double EpochDecay = 1, double WeightDecay = 0) : OptimizerOptions
{
    public override IOptimizer Create(IEnumerable<(string Name, Tensor Param)> parameters, long totalSteps) =>
        new Adam(parameters, LearningRate, weightDecay: WeightDecay, epochDecay: EpochDecay);
}

/// <summary>torch.optim.SGD with momentum, the rate multiplied by <see cref="StepGamma"/> every
/// <see cref="StepEpochs"/> epochs (StepLR; CAL/MCN 0.05, momentum 0.95, /10 every 30 epochs).</summary>
public sealed record SgdOptions(double LearningRate, double Momentum = 0, double WeightDecay = 0, int StepEpochs = int.MaxValue, double StepGamma = 1) : OptimizerOptions
{
    public override IOptimizer Create(IEnumerable<(string Name, Tensor Param)> parameters, long totalSteps) =>
        new Sgd(parameters, LearningRate, Momentum, WeightDecay, StepEpochs, StepGamma);
}

using static TorchSharp.torch;

namespace Vcmr.Training;

/// <summary>What torch's Adam and SGD share here: the trainable parameters, L2 weight decay added to each gradient, and
/// a learning rate set per epoch by a schedule (lr x <see cref="EpochFactor"/>).</summary>
public abstract class TorchOptimizer : IOptimizer, IEpochSchedule
{
    private readonly List<(string Name, Tensor Param)> _params;
    private readonly double _lr, _weightDecay;

    protected TorchOptimizer(string name, IEnumerable<(string Name, Tensor Param)> named, double lr, double weightDecay)
    {
        if (!(lr > 0)) throw new ArgumentException($"{name} lr: {lr} must be > 0", nameof(lr));
        if (!(weightDecay >= 0)) throw new ArgumentException($"{name} weight decay: {weightDecay} must be >= 0", nameof(weightDecay));
        _params = named.Where(p => p.Param.requires_grad).ToList();
        (_lr, _weightDecay, LearningRate) = (lr, weightDecay, lr);
    }

    public double LearningRate { get; private set; }

    /// <summary>The schedule: the factor on the base rate in epoch <paramref name="epoch"/>.</summary>
    protected abstract double EpochFactor(int epoch);

    public void StartEpoch(int epoch) => LearningRate = _lr * EpochFactor(epoch);

    public void ZeroGrad()
    {
        foreach (var (_, p) in _params) p.grad?.zero_();
    }

    public void Step()
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in _params)
        {
            if (p.grad is not { } grad) continue;
            using var scope = NewDisposeScope();
            Update(name, p, _weightDecay != 0 ? grad + _weightDecay * p : grad);
        }
    }

    /// <summary>One parameter's step with its (decayed) gradient, at <see cref="LearningRate"/>.</summary>
    protected abstract void Update(string name, Tensor param, Tensor grad);

    /// <summary>The parameters, for restoring per-parameter state.</summary>
    protected IReadOnlyList<(string Name, Tensor Param)> Parameters => _params;

    public abstract Dictionary<string, Tensor> StateDict();
    public abstract void LoadStateDict(IReadOnlyDictionary<string, Tensor> state);
}

/// <summary>
/// torch.optim.Adam (no AMSGrad): bias-corrected first and second moments, L2 weight decay added to the gradient;
/// the learning rate of epoch e is lr x <see cref="EpochDecay"/>^e (ExponentialLR stepped after every epoch, as MEE's
/// train.py does; 1 keeps it constant, as ExCL's).
/// </summary>
public sealed class Adam : TorchOptimizer
{
    private sealed class State
    {
        public required Tensor M, V;
        public long Step;
    }

    private readonly Dictionary<string, State> _state = new();
    private readonly double _b1, _b2, _eps;

    public double EpochDecay { get; }

    public Adam(IEnumerable<(string Name, Tensor Param)> named, double lr, double b1 = 0.9, double b2 = 0.999, double eps = 1e-8,
        double weightDecay = 0, double epochDecay = 1) : base("Adam", named, lr, weightDecay)
    {
        if (!(epochDecay > 0 && epochDecay <= 1)) throw new ArgumentException($"Adam epochDecay: {epochDecay} must be in (0, 1]", nameof(epochDecay));
        (_b1, _b2, _eps, EpochDecay) = (b1, b2, eps, epochDecay);
    }

    protected override double EpochFactor(int epoch) => Math.Pow(EpochDecay, epoch);

    protected override void Update(string name, Tensor p, Tensor g)
    {
        if (!_state.TryGetValue(name, out var s))
            _state[name] = s = new State { M = zeros_like(p).DetachFromDisposeScope(), V = zeros_like(p).DetachFromDisposeScope() };
        s.M.mul_(_b1).add_(g, alpha: 1 - _b1);
        s.V.mul_(_b2).addcmul_(g, g, value: 1 - _b2);
        s.Step++;
        double bc1 = 1 - Math.Pow(_b1, s.Step), bc2 = 1 - Math.Pow(_b2, s.Step);
        p.addcdiv_(s.M, s.V.sqrt() / Math.Sqrt(bc2) + _eps, value: -LearningRate / bc1);
    }

    public override Dictionary<string, Tensor> StateDict() => _state.SelectMany(kv => new[]
    {
        KeyValuePair.Create($"{kv.Key}.exp_avg", kv.Value.M), KeyValuePair.Create($"{kv.Key}.exp_avg_sq", kv.Value.V),
        KeyValuePair.Create($"{kv.Key}.step", tensor(kv.Value.Step)),
    }).ToDictionary();

    public override void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        _state.Clear();
        foreach (var (name, p) in Parameters)
            if (state.TryGetValue($"{name}.exp_avg", out var m))
                _state[name] = new State
                {
                    M = OptimizerState.Copy(m, $"{name}.exp_avg", p), V = OptimizerState.Entry(state, $"{name}.exp_avg_sq", p),
                    Step = OptimizerState.Entry(state, $"{name}.step").item<long>(),
                };
    }
}

/// <summary>
/// torch.optim.SGD with momentum (no dampening, not Nesterov; the first step's buffer is the gradient) and L2 weight
/// decay; the learning rate of epoch e is lr x <see cref="StepGamma"/>^(e / <see cref="StepEpochs"/>) (StepLR stepped
/// after every epoch, as CAL's train.py does: /10 every 30 epochs).
/// </summary>
public sealed class Sgd : TorchOptimizer
{
    private readonly Dictionary<string, Tensor> _momentum = new();
    private readonly double _mu;

    public int StepEpochs { get; }
    public double StepGamma { get; }

    public Sgd(IEnumerable<(string Name, Tensor Param)> named, double lr, double momentum = 0, double weightDecay = 0, int stepEpochs = int.MaxValue, double stepGamma = 1)
        : base("SGD", named, lr, weightDecay)
    {
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentException($"SGD momentum: {momentum} must be in [0, 1)", nameof(momentum));
        if (stepEpochs < 1) throw new ArgumentException($"SGD stepEpochs: {stepEpochs} must be >= 1", nameof(stepEpochs));
        (_mu, StepEpochs, StepGamma) = (momentum, stepEpochs, stepGamma);
    }

    protected override double EpochFactor(int epoch) => Math.Pow(StepGamma, epoch / StepEpochs);

    protected override void Update(string name, Tensor p, Tensor g)
    {
        if (_mu > 0)
        {
            if (_momentum.TryGetValue(name, out var buf)) buf.mul_(_mu).add_(g);
            else _momentum[name] = buf = g.clone().DetachFromDisposeScope();
            g = buf;
        }
        p.add_(g, alpha: -LearningRate);
    }

    public override Dictionary<string, Tensor> StateDict() => _momentum.ToDictionary(kv => $"{kv.Key}.momentum_buffer", kv => kv.Value);

    public override void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        _momentum.Clear();
        foreach (var (name, p) in Parameters)
            if (state.TryGetValue($"{name}.momentum_buffer", out var buf)) _momentum[name] = OptimizerState.Copy(buf, name, p);
    }
}

/// <summary>Checks and copies of optimiser state read from a checkpoint.</summary>
internal static class OptimizerState
{
    public static Tensor Entry(IReadOnlyDictionary<string, Tensor> state, string key) =>
        state.TryGetValue(key, out var t) ? t : throw new InvalidDataException($"optimiser state '{key}' is missing");

    public static Tensor Entry(IReadOnlyDictionary<string, Tensor> state, string key, Tensor param) => Copy(Entry(state, key), key, param);

    /// <summary>A detached copy on the parameter's device; a shape other than the parameter's is an error naming it.</summary>
    public static Tensor Copy(Tensor t, string name, Tensor param)
    {
        if (!t.shape.SequenceEqual(param.shape))
            throw new InvalidDataException($"optimiser state for '{name}' has shape [{string.Join(",", t.shape)}], parameter has [{string.Join(",", param.shape)}]");
        using var noGrad = no_grad();
        return t.to(param.device).clone().DetachFromDisposeScope();
    }
}

using static TorchSharp.torch;

namespace Vcmr.Training;

/// <summary>What torch's Adam and SGD share here: the trainable parameters, L2 weight decay added to each gradient, and
/// torch's StepLR stepped after every epoch: the rate of epoch e is lr x lrDecay^(e / lrDecayEpochs) (ExponentialLR is
/// lrDecayEpochs = 1; lrDecay = 1 keeps the rate constant).</summary>
public abstract class TorchOptimizer : IOptimizer, IEpochSchedule
{
    private readonly List<(string Name, Tensor Param)> _params;
    private readonly double _lr, _weightDecay;

    protected TorchOptimizer(string name, IEnumerable<(string Name, Tensor Param)> named, double lr, double weightDecay, double lrDecay, int lrDecayEpochs)
    {
        if (!(lr > 0)) throw new ArgumentException($"{name} lr: {lr} must be > 0", nameof(lr));
        if (!(weightDecay >= 0)) throw new ArgumentException($"{name} weight decay: {weightDecay} must be >= 0", nameof(weightDecay));
        if (!(lrDecay > 0 && lrDecay <= 1)) throw new ArgumentException($"{name} lrDecay: {lrDecay} must be in (0, 1]", nameof(lrDecay));
        if (lrDecayEpochs < 1) throw new ArgumentException($"{name} lrDecayEpochs: {lrDecayEpochs} must be >= 1", nameof(lrDecayEpochs));
        _params = named.Where(p => p.Param.requires_grad).ToList();
        (_lr, _weightDecay, LearningRate, LrDecay, LrDecayEpochs) = (lr, weightDecay, lr, lrDecay, lrDecayEpochs);
    }

    public double LearningRate { get; private set; }
    public double LrDecay { get; }
    public int LrDecayEpochs { get; }

    public void StartEpoch(int epoch) => LearningRate = _lr * Math.Pow(LrDecay, epoch / LrDecayEpochs);

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
/// MEE's train.py decays the rate by 0.95 after every epoch (ExponentialLR), ExCL's keeps it constant.
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

    public Adam(IEnumerable<(string Name, Tensor Param)> named, double lr, double b1 = 0.9, double b2 = 0.999, double eps = 1e-8,
        double weightDecay = 0, double lrDecay = 1, int lrDecayEpochs = 1) : base("Adam", named, lr, weightDecay, lrDecay, lrDecayEpochs) =>
        (_b1, _b2, _eps) = (b1, b2, eps);

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
/// decay; CAL's train.py divides the rate by 10 every 30 epochs (StepLR).
/// </summary>
public sealed class Sgd : TorchOptimizer
{
    private readonly Dictionary<string, Tensor> _momentum = new();
    private readonly double _mu;

    public Sgd(IEnumerable<(string Name, Tensor Param)> named, double lr, double momentum = 0, double weightDecay = 0, double lrDecay = 1, int lrDecayEpochs = 1)
        : base("SGD", named, lr, weightDecay, lrDecay, lrDecayEpochs)
    {
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentException($"SGD momentum: {momentum} must be in [0, 1)", nameof(momentum));
        _mu = momentum;
    }

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

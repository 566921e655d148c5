using TorchSharp;
using static TorchSharp.torch;

namespace Vcmr.Training;

/// <summary>
/// BertAdam as in pytorch_pretrained_bert (used by TVR): Adam without bias correction, decoupled weight decay,
/// a grad-norm clip per parameter (not global) and the warmup_linear schedule on the step / t_total ratio.
/// </summary>
public sealed class BertAdam : IOptimizer
{
    private readonly List<(string Name, Tensor Param, double WeightDecay)> _params;
    private readonly AdamMoments _state = new();
    private readonly double _lr, _warmup, _b1, _b2, _eps, _maxGradNorm;
    private readonly long _tTotal;

    /// <param name="named">named parameters; names containing "bias" or "LayerNorm.weight" get no weight decay
    /// (the reference's substring rule).</param>
    /// <param name="tTotal">total optimisation steps (len(loader) * epochs); -1 keeps the lr constant.</param>
    public BertAdam(IEnumerable<(string Name, Tensor Param)> named, double lr = 1e-4, double warmup = 0.01, long tTotal = -1,
        double b1 = 0.9, double b2 = 0.999, double eps = 1e-6, double weightDecay = 0.01, double maxGradNorm = 1.0)
    {
        if (!(lr > 0)) throw new ArgumentException($"BertAdam lr: {lr} must be > 0", nameof(lr));
        if (tTotal != -1 && tTotal <= 0) throw new ArgumentException($"BertAdam tTotal: {tTotal} must be > 0 or -1", nameof(tTotal));
        if (!(warmup > 0 && warmup < 1)) throw new ArgumentException($"BertAdam warmup: {warmup} must be in (0, 1)", nameof(warmup));
        _params = named.Where(p => p.Param.requires_grad)
            .Select(p => (p.Name, p.Param, NoDecay(p.Name) ? 0.0 : weightDecay)).ToList();
        (_lr, _warmup, _tTotal, _b1, _b2, _eps, _maxGradNorm) = (lr, warmup, tTotal, b1, b2, eps, maxGradNorm);
    }

    private static bool NoDecay(string name) => name.Contains("bias") || name.Contains("LayerNorm.weight");

    /// <summary>warmup_linear: x / warmup during warm-up, then a linear decay reaching 0 at x = 1.</summary>
    public static double WarmupLinear(double x, double warmup) => x < warmup ? x / warmup : Math.Max((x - 1) / (warmup - 1), 0);

    public void ZeroGrad()
    {
        foreach (var (_, p, _) in _params) p.grad?.zero_();
    }

    public void Step()
    {
        using var noGrad = no_grad();
        foreach (var (name, p, wd) in _params)
        {
            var grad = p.grad;
            if (grad is null) continue;
            using var scope = NewDisposeScope();
            if (_maxGradNorm > 0)
            {
                double norm = grad.norm().item<float>();
                double coef = _maxGradNorm / (norm + 1e-6);
                if (coef < 1) grad.mul_(coef);
            }
            var s = _state.Of(name, p);
            s.M.mul_(_b1).add_(grad, alpha: 1 - _b1);
            s.V.mul_(_b2).addcmul_(grad, grad, value: 1 - _b2);
            var update = s.M / (s.V.sqrt() + _eps);
            if (wd > 0) update.add_(p, alpha: wd);
            s.Step++;
            double lr = _tTotal == -1 ? _lr : _lr * WarmupLinear((double)s.Step / _tTotal, _warmup);
            p.sub_(update * lr);
        }
    }

    public Dictionary<string, Tensor> StateDict() => _state.StateDict();

    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state) => _state.Load(state, _params.Select(p => (p.Name, p.Param)));
}

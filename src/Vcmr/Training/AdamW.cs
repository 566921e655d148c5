using static TorchSharp.torch;

namespace Vcmr.Training;

/// <summary>
/// AdamW as UNITER and CONQUER ship it (optim/adamw.py, from HuggingFace): Adam with bias correction, eps added to
/// sqrt(v), then decoupled weight decay p -= lr * wd * p on the updated weights; constant learning rate (no
/// schedule), no gradient clipping. Names containing "bias", "LayerNorm.bias" or "LayerNorm.weight" get no decay
/// (train.py's no_decay substrings); parameters whose names start with a backbone prefix (CONQUER: "encoder",
/// "query_weight") use lr * <c>backboneLrMultiplier</c> (lr_mul).
/// </summary>
public sealed class AdamW : IOptimizer
{
    private readonly List<(string Name, Tensor Param, double Lr, double WeightDecay)> _params;
    private readonly AdamMoments _state = new();
    private readonly double _b1, _b2, _eps;

    public AdamW(IEnumerable<(string Name, Tensor Param)> named, double lr = 1e-4, double weightDecay = 0.01, double b1 = 0.9,
        double b2 = 0.999, double eps = 1e-6, IReadOnlyCollection<string>? backbonePrefixes = null, double backboneLrMultiplier = 1)
    {
        if (!(lr > 0)) throw new ArgumentException($"AdamW lr: {lr} must be > 0", nameof(lr));
        if (!(weightDecay >= 0)) throw new ArgumentException($"AdamW weight decay: {weightDecay} must be >= 0", nameof(weightDecay));
        if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) throw new ArgumentException($"AdamW betas: ({b1}, {b2}) must be in [0, 1)");
        if (!(eps >= 0)) throw new ArgumentException($"AdamW eps: {eps} must be >= 0", nameof(eps));
        if (!(backboneLrMultiplier > 0)) throw new ArgumentException($"AdamW lr multiplier: {backboneLrMultiplier} must be > 0", nameof(backboneLrMultiplier));
        bool Backbone(string name) => backbonePrefixes?.Any(p => name.StartsWith(p, StringComparison.Ordinal)) ?? false;
        _params = named.Where(p => p.Param.requires_grad)
            .Select(p => (p.Name, p.Param, Backbone(p.Name) ? lr * backboneLrMultiplier : lr, NoDecay(p.Name) ? 0.0 : weightDecay)).ToList();
        (_b1, _b2, _eps) = (b1, b2, eps);
    }

    private static bool NoDecay(string name) => name.Contains("bias") || name.Contains("LayerNorm.weight");

    public void ZeroGrad()
    {
        foreach (var (_, p, _, _) in _params) p.grad?.zero_();
    }

    public void Step()
    {
        using var noGrad = no_grad();
        foreach (var (name, p, lr, wd) in _params)
        {
            var grad = p.grad;
            if (grad is null) continue;
            using var scope = NewDisposeScope();
            var s = _state.Of(name, p);
            s.Step++;
            s.M.mul_(_b1).add_(grad, alpha: 1 - _b1);
            s.V.mul_(_b2).addcmul_(grad, grad, value: 1 - _b2);
            var denom = s.V.sqrt().add_(_eps);
            double stepSize = lr * Math.Sqrt(1 - Math.Pow(_b2, s.Step)) / (1 - Math.Pow(_b1, s.Step));
            p.addcdiv_(s.M, denom, value: -stepSize);
            if (wd > 0) p.add_(p, alpha: -lr * wd);
        }
    }

    public Dictionary<string, Tensor> StateDict() => _state.StateDict();

    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state) => _state.Load(state, _params.Select(p => (p.Name, p.Param)));
}

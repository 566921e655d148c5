using static TorchSharp.torch;

namespace Vcmr.Training;

/// <summary>Adam's first and second moments (exp_avg, exp_avg_sq) and step count per parameter name: the state
/// BertAdam and AdamW keep, and how it goes into and out of a checkpoint.</summary>
internal sealed class AdamMoments
{
    internal sealed class Moments
    {
        public required Tensor M, V;
        public long Step;
    }

    private readonly Dictionary<string, Moments> _state = new();

    /// <summary>The moments of <paramref name="param"/>, zero at its first step (kept outside any dispose scope).</summary>
    public Moments Of(string name, Tensor param)
    {
        if (!_state.TryGetValue(name, out var s))
        {
            s = new Moments { M = zeros_like(param).DetachFromDisposeScope(), V = zeros_like(param).DetachFromDisposeScope() };
            _state[name] = s;
        }
        return s;
    }

    /// <summary>Named tensors: per parameter exp_avg, exp_avg_sq and step.</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>();
        foreach (var (name, s) in _state)
        {
            d[$"{name}.exp_avg"] = s.M;
            d[$"{name}.exp_avg_sq"] = s.V;
            d[$"{name}.step"] = tensor(s.Step);
        }
        return d;
    }

    /// <summary>Restores <see cref="StateDict"/> output for <paramref name="parameters"/> (copies the tensors); a
    /// parameter without state starts from zero, incomplete or misshapen state is an error naming the parameter.</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> state, IEnumerable<(string Name, Tensor Param)> parameters)
    {
        using var noGrad = no_grad();
        _state.Clear();
        foreach (var (name, p) in parameters)
        {
            if (!state.TryGetValue($"{name}.exp_avg", out var m)) continue;
            if (!state.TryGetValue($"{name}.exp_avg_sq", out var v) || !state.TryGetValue($"{name}.step", out var step))
                throw new InvalidDataException($"optimiser state for '{name}' is incomplete");
            if (!m.shape.SequenceEqual(p.shape))
                throw new InvalidDataException($"optimiser state for '{name}' has shape [{string.Join(",", m.shape)}], parameter has [{string.Join(",", p.shape)}]");
            _state[name] = new Moments { M = m.to(p.device).clone().DetachFromDisposeScope(), V = v.to(p.device).clone().DetachFromDisposeScope(), Step = step.item<long>() };
        }
    }
}

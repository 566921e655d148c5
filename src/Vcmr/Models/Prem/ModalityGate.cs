using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Prem;

/// <summary>
/// A modality-specific gate (focus): g = sigmoid(FC(input)) with the input built from each clip h_j and the
/// L2-normalised modality query q_m (<see cref="GateInput"/>), one sigmoid per hidden unit as in gated self-matching
/// networks; the gated clip is g * h_j.
/// </summary>
public sealed class ModalityGate : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear fc;
    private readonly GateInput _input;

    public ModalityGate(int hidden, GateInput input) : base(nameof(ModalityGate))
    {
        _input = input;
        fc = nn.Linear(input == GateInput.ClipAndQuery ? 2 * hidden : 3 * hidden, hidden);
        RegisterComponents();
    }

    /// <param name="clips">(P, L, D) clips h.</param>
    /// <param name="query">(P, D) the modality's query vector q_m (normalised here).</param>
    /// <returns>(P, L, D) gated clips.</returns>
    public override Tensor forward(Tensor clips, Tensor query)
    {
        using var gate = Activations(clips, query);
        return gate * clips;
    }

    /// <summary>(P, L, D) the gate values in (0, 1).</summary>
    public Tensor Activations(Tensor clips, Tensor query)
    {
        using var scope = NewDisposeScope();
        var q = nn.functional.normalize(query, dim: -1).unsqueeze(1).expand_as(clips);
        var input = _input == GateInput.ClipAndQuery ? cat([clips, q], -1) : cat([clips, q, clips * q], -1);
        return sigmoid(fc.forward(input)).MoveToOuterDisposeScope();
    }
}

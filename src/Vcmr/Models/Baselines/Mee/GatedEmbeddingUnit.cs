using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Baselines.Mee;

/// <summary>MEE's gated embedding unit: Linear(in, out), context gating, L2 normalisation (model_components.py).</summary>
public sealed class GatedEmbeddingUnit : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc;
    private readonly ContextGating cg;

    public GatedEmbeddingUnit(int inputDim, int outputDim) : base(nameof(GatedEmbeddingUnit))
    {
        fc = nn.Linear(inputDim, outputDim);
        cg = new ContextGating(outputDim);
        RegisterComponents();
    }

    /// <param name="x">(N, in)</param>
    /// <returns>(N, out), unit rows.</returns>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return nn.functional.normalize(cg.forward(fc.forward(x)), dim: 1).MoveToOuterDisposeScope();
    }
}

/// <summary>Context gating: x * sigmoid(BatchNorm(Linear(x))), the GLU of [x; BN(Linear(x))].</summary>
public sealed class ContextGating : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc;
    private readonly BatchNorm1d batch_norm;

    public ContextGating(int dim) : base(nameof(ContextGating))
    {
        fc = nn.Linear(dim, dim);
        batch_norm = nn.BatchNorm1d(dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x * sigmoid(batch_norm.forward(fc.forward(x)))).MoveToOuterDisposeScope();
    }
}

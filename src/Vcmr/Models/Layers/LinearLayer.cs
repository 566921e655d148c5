using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>TVR's input projection: LayerNorm(in) -> Dropout -> Linear(in, out) -> ReLU.</summary>
/// <remarks>Submodule names (<c>LayerNorm</c>, <c>net.1</c>) match the reference state dict.</remarks>
public sealed class LinearLayer : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm LayerNorm;
    private readonly Sequential net;

    public LinearLayer(int inDim, int outDim, double dropout) : base(nameof(LinearLayer))
    {
        LayerNorm = nn.LayerNorm(inDim);
        // In place: LayerNorm's backward needs its input, not its output, so the (N, L, 3072) copy is saved.
        net = nn.Sequential(("0", new FastDropout(dropout, inplace: true)), ("1", nn.Linear(inDim, outDim)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.relu(net.forward(LayerNorm.forward(x)));
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>x + Embedding(position) -> LayerNorm -> Dropout (TVR's TrainablePositionalEncoding).</summary>
public sealed class TrainablePositionalEncoding : nn.Module<Tensor, Tensor>
{
    private readonly Embedding position_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly FastDropout dropout;

    public TrainablePositionalEncoding(int maxPositions, int hidden, double dropout) : base(nameof(TrainablePositionalEncoding))
    {
        position_embeddings = nn.Embedding(maxPositions, hidden);
        LayerNorm = nn.LayerNorm(hidden);
        this.dropout = new FastDropout(dropout, inplace: true); // LayerNorm's backward does not read its output
        RegisterComponents();
    }

    /// <param name="x">(N, L, D) with L at most the number of positions.</param>
    public override Tensor forward(Tensor x)
    {
        using var positions = arange(x.shape[1], dtype: int64, device: x.device);
        using var summed = x + position_embeddings.forward(positions).unsqueeze(0);
        return dropout.forward(LayerNorm.forward(summed));
    }
}

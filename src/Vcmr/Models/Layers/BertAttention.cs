using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>Self-attention + dense + dropout + residual LayerNorm (BERT's BertAttention). TVR uses it as its
/// whole "transformer" encoder: there is no feed-forward sublayer.</summary>
public sealed class BertAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly BertSelfAttention self;
    private readonly BertSelfOutput output;

    public BertAttention(int hidden, int heads, double dropout) : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(hidden, heads, dropout);
        output = new BertSelfOutput(hidden, dropout);
        RegisterComponents();
    }

    /// <param name="x">(N, L, D).</param>
    /// <param name="mask">(N, L) 1 for real positions.</param>
    public override Tensor forward(Tensor x, Tensor mask)
    {
        using var pairMask = mask.unsqueeze(1);
        using var attended = self.forward(x, x, x, pairMask);
        return output.forward(attended, x);
    }
}

/// <summary>dense -> dropout -> LayerNorm(. + residual).</summary>
public sealed class BertSelfOutput : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;

    public BertSelfOutput(int hidden, double dropout) : base(nameof(BertSelfOutput))
    {
        dense = nn.Linear(hidden, hidden);
        LayerNorm = nn.LayerNorm(hidden);
        this.dropout = nn.Dropout(dropout, inplace: true); // Linear's backward does not read its output
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor residual)
    {
        using var projected = dropout.forward(dense.forward(hidden));
        using var summed = projected + residual;
        return LayerNorm.forward(summed);
    }
}

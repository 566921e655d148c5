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

    public BertAttention(int hidden, int heads, double dropout) : this(hidden, heads, dropout, dropout, 1e-5) { }

    /// <param name="attentionDropout">dropout on the attention probabilities (attention_probs_dropout_prob).</param>
    /// <param name="hiddenDropout">dropout before the residual LayerNorm (hidden_dropout_prob).</param>
    public BertAttention(int hidden, int heads, double attentionDropout, double hiddenDropout, double layerNormEps) : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(hidden, heads, attentionDropout);
        output = new BertSelfOutput(hidden, hiddenDropout, layerNormEps);
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

/// <summary>dense (input -> hidden) -> dropout -> LayerNorm(. + residual): BERT's BertSelfOutput, and with the
/// intermediate size as input its BertOutput (the feed-forward block's second half).</summary>
public sealed class BertSelfOutput : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
    private readonly FastDropout dropout;

    public BertSelfOutput(int hidden, double dropout, double layerNormEps = 1e-5, int? input = null) : base(nameof(BertSelfOutput))
    {
        dense = nn.Linear(input ?? hidden, hidden);
        LayerNorm = nn.LayerNorm(hidden, layerNormEps);
        this.dropout = new FastDropout(dropout, inplace: true); // Linear's backward does not read its output
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor residual)
    {
        using var projected = dropout.forward(dense.forward(hidden));
        using var summed = projected + residual;
        return LayerNorm.forward(summed);
    }
}

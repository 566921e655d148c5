using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>HuggingFace BERT's BertIntermediate: dense (hidden -> intermediate) then GELU (the erf form).</summary>
public sealed class BertIntermediate : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public BertIntermediate(int hidden, int intermediate) : base(nameof(BertIntermediate))
    {
        dense = nn.Linear(hidden, intermediate);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var projected = dense.forward(x);
        return nn.functional.gelu(projected);
    }
}

/// <summary>One HuggingFace BERT layer: self-attention block, then the feed-forward block (intermediate + output).
/// Submodule names (attention.self, attention.output, intermediate.dense, output.dense/LayerNorm) are BERT's.</summary>
public sealed class BertLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly BertAttention attention;
    private readonly BertIntermediate intermediate;
    private readonly BertSelfOutput output;

    public BertLayer(int hidden, int heads, int intermediateSize, double dropout, double attentionDropout, double layerNormEps)
        : base(nameof(BertLayer))
    {
        attention = new BertAttention(hidden, heads, attentionDropout, dropout, layerNormEps);
        intermediate = new BertIntermediate(hidden, intermediateSize);
        output = new BertSelfOutput(hidden, dropout, layerNormEps, input: intermediateSize);
        RegisterComponents();
    }

    /// <param name="x">(N, L, D).</param>
    /// <param name="mask">(N, L) 1 for positions that may be attended to.</param>
    public override Tensor forward(Tensor x, Tensor mask)
    {
        using var attended = attention.forward(x, mask);
        using var inner = intermediate.forward(attended);
        return output.forward(inner, attended);
    }
}

/// <summary>HuggingFace BERT's BertEncoder: a stack of <see cref="BertLayer"/>s (state-dict names layer.0, layer.1 ...)
/// with the additive -10000 key mask.</summary>
public sealed class BertEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<BertLayer> layer;

    public BertEncoder(int layers, int hidden, int heads, int intermediateSize, double dropout, double attentionDropout, double layerNormEps)
        : base(nameof(BertEncoder))
    {
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "a BERT encoder needs at least one layer");
        layer = new ModuleList<BertLayer>(Enumerable.Range(0, layers)
            .Select(_ => new BertLayer(hidden, heads, intermediateSize, dropout, attentionDropout, layerNormEps)).ToArray());
        RegisterComponents();
    }

    /// <summary>The last layer's output (N, L, D).</summary>
    public override Tensor forward(Tensor x, Tensor mask)
    {
        var h = layer[0].forward(x, mask);
        for (int i = 1; i < layer.Count; i++)
        {
            using var previous = h;
            h = layer[i].forward(previous, mask);
        }
        return h;
    }
}

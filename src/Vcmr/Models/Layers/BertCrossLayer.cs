using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>HuggingFace BERT's cross-attention block (BertAttention run with encoder_hidden_states): the sequence's
/// positions attend to a context sequence, then dense + dropout + residual LayerNorm. Submodule names are HuggingFace's
/// (self.query/key/value, output.dense/LayerNorm).</summary>
public sealed class BertCrossAttention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly BertSelfAttention self;
    private readonly BertSelfOutput output;

    public BertCrossAttention(int hidden, int heads, double dropout, double layerNormEps) : base(nameof(BertCrossAttention))
    {
        self = new BertSelfAttention(hidden, heads, dropout);
        output = new BertSelfOutput(hidden, dropout, layerNormEps);
        RegisterComponents();
    }

    /// <param name="x">(N, L, D) the attending sequence.</param>
    /// <param name="context">(N, Lc, D) keys and values.</param>
    /// <param name="contextMask">(N, Lc) 1 for real context positions.</param>
    public override Tensor forward(Tensor x, Tensor context, Tensor contextMask)
    {
        using var pairMask = contextMask.unsqueeze(1);
        using var attended = self.forward(x, context, context, pairMask);
        return output.forward(attended, x);
    }

    /// <summary>(N, heads, L, Lc) attention probabilities of <see cref="forward"/>, without dropout.</summary>
    public Tensor Probabilities(Tensor x, Tensor context, Tensor contextMask)
    {
        using var pairMask = contextMask.unsqueeze(1);
        return self.Probabilities(x, context, pairMask);
    }
}

/// <summary>
/// A BERT layer that also reads a second sequence (HuggingFace's BertLayer with add_cross_attention): self-attention,
/// cross-attention to the context, then the feed-forward block, each with its residual and post-LayerNorm. Submodule
/// names are HuggingFace's (attention, crossattention, intermediate, output).
/// </summary>
public sealed class BertCrossLayer : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    private readonly BertAttention attention;
    private readonly BertCrossAttention crossattention;
    private readonly BertIntermediate intermediate;
    private readonly BertSelfOutput output;

    public BertCrossLayer(int hidden, int heads, int intermediateSize, double dropout, double layerNormEps = 1e-5) : base(nameof(BertCrossLayer))
    {
        attention = new BertAttention(hidden, heads, dropout, dropout, layerNormEps);
        crossattention = new BertCrossAttention(hidden, heads, dropout, layerNormEps);
        intermediate = new BertIntermediate(hidden, intermediateSize);
        output = new BertSelfOutput(hidden, dropout, layerNormEps, input: intermediateSize);
        RegisterComponents();
    }

    /// <param name="x">(N, L, D).</param>
    /// <param name="mask">(N, L) 1 for real positions.</param>
    /// <param name="context">(N, Lc, D) the sequence cross-attention reads (keys and values).</param>
    /// <param name="contextMask">(N, Lc) 1 for real context positions.</param>
    public override Tensor forward(Tensor x, Tensor mask, Tensor context, Tensor contextMask)
    {
        using var attended = attention.forward(x, mask);
        using var crossed = crossattention.forward(attended, context, contextMask);
        using var inner = intermediate.forward(crossed);
        return output.forward(inner, crossed);
    }

    /// <summary>(N, heads, L, Lc) this layer's cross-attention probabilities for input <paramref name="x"/>, without
    /// dropout (to show which context positions each position reads).</summary>
    public Tensor CrossAttentionProbabilities(Tensor x, Tensor mask, Tensor context, Tensor contextMask)
    {
        using var attended = attention.forward(x, mask);
        return crossattention.Probabilities(attended, context, contextMask);
    }
}

/// <summary>A stack of <see cref="BertCrossLayer"/>s, every layer reading the same context (names layer.0, layer.1 ...).</summary>
public sealed class BertCrossEncoder : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    private readonly ModuleList<BertCrossLayer> layer;

    public BertCrossEncoder(int layers, int hidden, int heads, int intermediateSize, double dropout) : base(nameof(BertCrossEncoder))
    {
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "an encoder needs at least one layer");
        layer = new ModuleList<BertCrossLayer>(Enumerable.Range(0, layers).Select(_ => new BertCrossLayer(hidden, heads, intermediateSize, dropout)).ToArray());
        RegisterComponents();
    }

    public int Count => layer.Count;

    public BertCrossLayer this[int i] => layer[i];

    public override Tensor forward(Tensor x, Tensor mask, Tensor context, Tensor contextMask)
    {
        using var scope = NewDisposeScope();
        foreach (var l in layer) x = l.forward(x, mask, context, contextMask);
        return x.MoveToOuterDisposeScope();
    }
}

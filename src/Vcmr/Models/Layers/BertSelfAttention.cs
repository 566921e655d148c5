using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>Multi-head scaled dot-product attention with an additive -1e4 mask (BERT's BertSelfAttention).</summary>
public sealed class BertSelfAttention : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    private readonly Linear query, key, value;
    private readonly Dropout dropout;
    private readonly int _heads;

    public BertSelfAttention(int hidden, int heads, double dropout) : base(nameof(BertSelfAttention))
    {
        if (hidden % heads != 0) throw new ArgumentException($"hidden size {hidden} is not a multiple of heads {heads}");
        _heads = heads;
        query = nn.Linear(hidden, hidden);
        key = nn.Linear(hidden, hidden);
        value = nn.Linear(hidden, hidden);
        this.dropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <param name="q">(N, Lq, D) queries.</param>
    /// <param name="k">(N, Lk, D) keys.</param>
    /// <param name="v">(N, Lk, D) values.</param>
    /// <param name="mask">(N, Lq, Lk) or broadcastable, 1 where attention is allowed.</param>
    public override Tensor forward(Tensor q, Tensor k, Tensor v, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var heads = Split(query.forward(q));
        var keys = Split(key.forward(k));
        var values = Split(value.forward(v));
        var scores = matmul(heads, keys.transpose(-1, -2)) / Math.Sqrt(heads.shape[^1]);
        scores = scores + (1 - mask.unsqueeze(1)) * -10000.0;
        var probs = dropout.forward(softmax(scores, -1));
        var context = matmul(probs, values).permute(0, 2, 1, 3);
        return context.reshape(q.shape[0], q.shape[1], -1).MoveToOuterDisposeScope();
    }

    private Tensor Split(Tensor x) => x.view(x.shape[0], x.shape[1], _heads, -1).permute(0, 2, 1, 3);
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>Multi-head scaled dot-product attention with an additive -1e4 mask (BERT's BertSelfAttention).</summary>
public sealed class BertSelfAttention : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    private readonly Linear query, key, value;
    private readonly FastDropout dropout;
    private readonly int _heads;

    public BertSelfAttention(int hidden, int heads, double dropout) : base(nameof(BertSelfAttention))
    {
        if (hidden % heads != 0) throw new ArgumentException($"hidden size {hidden} is not a multiple of heads {heads}");
        _heads = heads;
        query = nn.Linear(hidden, hidden);
        key = nn.Linear(hidden, hidden);
        value = nn.Linear(hidden, hidden);
        this.dropout = new FastDropout(dropout);
        RegisterComponents();
    }

    /// <param name="q">(N, Lq, D) queries.</param>
    /// <param name="k">(N, Lk, D) keys.</param>
    /// <param name="v">(N, Lk, D) values.</param>
    /// <param name="mask">(N, Lq, Lk), or (N, 1, Lk) for one key mask per row: 1 where attention is allowed.</param>
    public override Tensor forward(Tensor q, Tensor k, Tensor v, Tensor mask)
    {
        using var scope = NewDisposeScope();
        long n = q.shape[0], lq = q.shape[1];
        var probs = dropout.forward(Attention(q, k, mask));
        var context = bmm(probs, Heads(value.forward(v))).view(n, _heads, lq, -1).permute(0, 2, 1, 3);
        return context.reshape(n, lq, -1).MoveToOuterDisposeScope();
    }

    /// <summary>(N, heads, Lq, Lk) attention probabilities of <see cref="forward"/>, before dropout.</summary>
    public Tensor Probabilities(Tensor q, Tensor k, Tensor mask)
    {
        using var probs = Attention(q, k, mask);
        return probs.view(q.shape[0], _heads, q.shape[1], k.shape[1]);
    }

    /// <summary>(N * heads, Lq, Lk) softmax(Q K^T / sqrt(d_head) - 1e4 (1 - mask)); the scale and the mask ride in
    /// one baddbmm instead of two passes over the scores.</summary>
    private Tensor Attention(Tensor q, Tensor k, Tensor mask)
    {
        if (mask.dim() != 3) throw new ArgumentException($"attention mask of shape [{string.Join(", ", mask.shape)}]: expected (N, Lq, Lk) or (N, 1, Lk)");
        using var scope = NewDisposeScope();
        long n = q.shape[0], headDim = q.shape[2] / _heads;
        var bias = ((1 - mask) * -10000.0).unsqueeze(1);
        bias = bias.expand(n, _heads, bias.shape[2], bias.shape[3]).reshape(n * _heads, bias.shape[2], bias.shape[3]);
        var scores = BAddBmm(bias, Heads(query.forward(q)), Heads(key.forward(k)).transpose(1, 2), (float)(1 / Math.Sqrt(headDim)));
        return softmax(scores, -1).MoveToOuterDisposeScope();
    }

    /// <summary>input + alpha * batch1 @ batch2. TorchSharp 0.107's baddbmm hands its three tensors to the native
    /// call in the wrong order (self, batch1, batch2 as batch1, batch2, input), so it is called rotated here;
    /// BertSelfAttentionTests pins the result.</summary>
    internal static Tensor BAddBmm(Tensor input, Tensor batch1, Tensor batch2, float alpha) => batch1.baddbmm(batch2, input, 1, alpha);

    /// <summary>(N, L, D) as (N * heads, L, D / heads).</summary>
    private Tensor Heads(Tensor x) => x.view(x.shape[0], x.shape[1], _heads, -1).transpose(1, 2).reshape(x.shape[0] * _heads, x.shape[1], -1);
}

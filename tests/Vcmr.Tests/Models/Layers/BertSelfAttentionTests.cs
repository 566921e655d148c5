using Vcmr.Models.Layers;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Layers;

/// <summary>BertSelfAttention against attention written out op by op, for both mask shapes it takes.</summary>
public sealed class BertSelfAttentionTests
{
    [Theory]
    [InlineData(true)]  // (N, 1, Lk): one key mask per row
    [InlineData(false)] // (N, Lq, Lk): a mask per query position
    public void MatchesAttentionWrittenOut(bool keyMaskOnly)
    {
        Seeding.Seed(4);
        using var scope = NewDisposeScope();
        const int n = 3, lq = 5, lk = 7, d = 8, heads = 2;
        var attention = new BertSelfAttention(d, heads, dropout: 0.5);
        attention.eval();
        var p = attention.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        Tensor Project(string name, Tensor x) => (matmul(x, p[$"{name}.weight"].t()) + p[$"{name}.bias"]).view(n, -1, heads, d / heads).transpose(1, 2);
        var q = randn(n, lq, d);
        var kv = randn(n, lk, d);
        var mask = keyMaskOnly ? (rand(n, 1, lk) > 0.3).to_type(float32) : (rand(n, lq, lk) > 0.3).to_type(float32);
        mask[.., .., 0] = 1; // every query position sees a key

        var scores = matmul(Project("query", q), Project("key", kv).transpose(-1, -2)) / Math.Sqrt(d / heads) - 10000 * (1 - mask.unsqueeze(1));
        var probs = softmax(scores, -1);
        var expected = matmul(probs, Project("value", kv)).transpose(1, 2).reshape(n, lq, d);

        Assert.True(attention.Probabilities(q, kv, mask).allclose(probs, 1e-5, 1e-6));
        Assert.True(attention.forward(q, kv, kv, mask).allclose(expected, 1e-5, 1e-6));
        Assert.Throws<ArgumentException>(() => attention.forward(q, kv, kv, mask.flatten()));
    }

    [Fact]
    public void BAddBmmIsInputPlusAlphaTimesTheProduct()
    {
        // pins the argument rotation around TorchSharp 0.107's baddbmm: a TorchSharp that fixes it fails here
        Seeding.Seed(2);
        using var scope = NewDisposeScope();
        var input = randn(4, 1, 6);
        var b1 = randn(4, 3, 5);
        var b2 = randn(4, 5, 6);
        Assert.True(BertSelfAttention.BAddBmm(input, b1, b2, 0.25f).allclose(input + 0.25 * bmm(b1, b2), 1e-5, 1e-6));
    }
}

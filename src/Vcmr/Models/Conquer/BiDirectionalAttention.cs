using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Conquer;

/// <summary>
/// Query-aware feature learning (QAL, model/qal/query_aware_learning_module.py): BiDAF-style context-query attention.
/// S_ij = w^T [v_i; q_j; v_i * q_j] with one bias-free Linear(3D, 1) (<c>similarity_weight</c>), masked with -1e10;
/// V2Q = softmax_j(S) Q; Q2V = softmax_i(max_j S) V tiled over the clips; QAL = [V; V2Q; V * V2Q; V * Q2V] (4D wide).
/// </summary>
/// <remarks>The reference materialises [v_i; q_j; v_i * q_j] for every clip and word, (N, L, Lq, 3D) floats, and
/// reduces it with the Linear. Split into its three D-wide parts, the same weight gives v_i . w1 + q_j . w2 +
/// (v_i * w3) . q_j: two matrix-vector products and one batched (L, D) x (D, Lq) product, the same S up to rounding.</remarks>
public sealed class BiDirectionalAttention : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    private readonly Linear similarity_weight;
    private readonly long _dim;

    public BiDirectionalAttention(int dim) : base(nameof(BiDirectionalAttention))
    {
        similarity_weight = nn.Linear(3 * dim, 1, hasBias: false);
        _dim = dim;
        RegisterComponents();
    }

    /// <summary>(N, L, Lq) masked similarities S (-1e10 where the clip or the word is padding).</summary>
    public Tensor Similarity(Tensor video, Tensor query, Tensor videoMask, Tensor queryMask)
    {
        using var scope = NewDisposeScope();
        var w = similarity_weight.weight!.view(3, _dim);
        var s = matmul(video, w[0]).unsqueeze(2) + matmul(query, w[1]).unsqueeze(1) + bmm(video * w[2], query.transpose(1, 2));
        var mask = videoMask.unsqueeze(2) * queryMask.unsqueeze(1);
        return (s * mask + (1 - mask) * VeryNegative).MoveToOuterDisposeScope();
    }

    /// <summary>utils/model_utils.py's VERY_NEGATIVE_NUMBER, the fill of mask_logits.</summary>
    public const double VeryNegative = -1e10;

    /// <param name="video">(N, L, D) query-dependent fused clips.</param>
    /// <param name="query">(N, Lq, D) encoded query tokens.</param>
    /// <param name="videoMask">(N, L).</param>
    /// <param name="queryMask">(N, Lq).</param>
    /// <returns>(N, L, 4D).</returns>
    public override Tensor forward(Tensor video, Tensor query, Tensor videoMask, Tensor queryMask)
    {
        using var scope = NewDisposeScope();
        var s = Similarity(video, query, videoMask, queryMask);
        var v2q = bmm(softmax(s, -1), query);                                  // (N, L, D)
        var b = softmax(s.amax(2), -1).unsqueeze(1);                            // (N, 1, L)
        var q2v = bmm(b, video);                                                // (N, 1, D)
        return cat([video, v2q, video * v2q, video * q2v], 2).MoveToOuterDisposeScope();
    }
}

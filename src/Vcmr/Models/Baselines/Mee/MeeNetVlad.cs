using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Baselines.Mee;

/// <summary>
/// MEE's NetVLAD pooling of a token sequence (Arandjelovic et al.; as Miech et al.'s MEE code and TVR's
/// baselines/mixture_embedding_experts/model_components.py implement it): soft-assignment of each token to K
/// clusters through a (D, K) projection and BatchNorm over all tokens, residuals to learned centres, intra-normalised
/// per cluster, flattened (D-major) and L2-normalised. Output (N, K * D). CONQUER's NetVLAD
/// (<see cref="Layers.NetVlad"/>) normalises the assignment logits with LayerNorm instead: another submodule, other
/// numbers, so MEE keeps its own.
/// </summary>
/// <remarks>Every position of the (N, L, D) input is a token, padding included (the reference passes no mask): zero
/// rows still receive an assignment and so shift the residuals and the BatchNorm statistics. Callers that want the
/// reference's numbers give the padding the reference had.</remarks>
public sealed class MeeNetVlad : nn.Module<Tensor, Tensor>
{
    private readonly Parameter clusters, clusters2;
    private readonly BatchNorm1d batch_norm;

    public int FeatureSize { get; }
    public int ClusterSize { get; }
    /// <summary>Width of the pooled vector, K * D.</summary>
    public int OutputDim => FeatureSize * ClusterSize;

    public MeeNetVlad(int clusterSize, int featureSize) : base(nameof(MeeNetVlad))
    {
        (FeatureSize, ClusterSize) = (featureSize, clusterSize);
        double scale = 1 / Math.Sqrt(featureSize);
        clusters = new Parameter(randn(featureSize, clusterSize) * scale);
        clusters2 = new Parameter(randn(1, featureSize, clusterSize) * scale);
        batch_norm = nn.BatchNorm1d(clusterSize);
        RegisterComponents();
    }

    /// <param name="x">(N, L, D) token features.</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], l = x.shape[1];
        var assignment = softmax(batch_norm.forward(x.reshape(-1, FeatureSize).mm(clusters)), 1).view(n, l, ClusterSize);
        var a = assignment.sum(1, keepdim: true) * clusters2;                         // (N, D, K)
        var vlad = assignment.transpose(1, 2).bmm(x).transpose(1, 2) - a;          // (N, D, K)
        vlad = nn.functional.normalize(vlad, dim: 1);                                // each cluster's residual
        return nn.functional.normalize(vlad.reshape(n, OutputDim), dim: 1).MoveToOuterDisposeScope();
    }
}

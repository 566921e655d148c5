using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>
/// NetVLAD pooling as the Mixture-of-Embedding-Experts code has it (and CONQUER's model/layers.py): soft assignment of
/// each of the M inputs to K clusters (a product with <c>clusters</c>, LayerNorm over the K logits, softmax), residuals
/// to the cluster centres <c>clusters2</c> summed per cluster, intra-normalised per cluster, flattened (D-major) and
/// L2-normalised: a (K * D) vector per row. All M positions take part (no padding mask), as in the reference.
/// </summary>
public sealed class NetVlad : nn.Module<Tensor, Tensor>
{
    private readonly Parameter clusters, clusters2;
    private readonly LayerNorm LayerNorm;
    private readonly int _features, _clusters;

    public NetVlad(int clusterSize, int featureSize) : base(nameof(NetVlad))
    {
        (_features, _clusters) = (featureSize, clusterSize);
        double scale = 1 / Math.Sqrt(featureSize);
        clusters = new Parameter(randn(featureSize, clusterSize) * scale);
        clusters2 = new Parameter(randn(1, featureSize, clusterSize) * scale);
        LayerNorm = nn.LayerNorm(clusterSize);
        RegisterComponents();
    }

    /// <summary>Width of the pooled vector, K * D.</summary>
    public int OutputDim => _clusters * _features;

    /// <summary>Soft assignments (N, M, K) of each input to each cluster.</summary>
    public Tensor Assignments(Tensor x)
    {
        using var scope = NewDisposeScope();
        var logits = LayerNorm.forward(matmul(x, clusters));
        return softmax(logits, -1).MoveToOuterDisposeScope();
    }

    /// <param name="x">(N, M, D).</param>
    /// <returns>(N, K * D).</returns>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var assignment = Assignments(x);                                  // (N, M, K)
        var centres = assignment.sum(1, keepdim: true) * clusters2;        // (N, D, K)
        var vlad = matmul(assignment.transpose(1, 2), x).transpose(1, 2) - centres; // (N, D, K)
        vlad = nn.functional.normalize(vlad, dim: 1);                      // intra-normalisation, per cluster
        vlad = nn.functional.normalize(vlad.reshape(x.shape[0], _clusters * _features), dim: 1);
        return vlad.MoveToOuterDisposeScope();
    }
}

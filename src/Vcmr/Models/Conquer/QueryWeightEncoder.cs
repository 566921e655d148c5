using TorchSharp;
using TorchSharp.Modules;
using Vcmr.Models.Layers;
using static TorchSharp.torch;

namespace Vcmr.Models.Conquer;

/// <summary>
/// Query-dependent fusion weights (QDF, model/backbone/encoder.py's QueryWeightEncoder): NetVLAD over the encoded
/// query tokens (all of them, padding included, as the reference), dropout, a bias-free Linear to one logit per
/// stream, softmax: (N, 2) weights of the visual and the subtitle stream.
/// </summary>
public sealed class QueryWeightEncoder : nn.Module<Tensor, Tensor>
{
    private readonly NetVlad text_pooling;
    private readonly FastDropout moe_txt_dropout;
    private readonly Linear moe_fc_txt;

    public QueryWeightEncoder(ConquerConfig c) : base(nameof(QueryWeightEncoder))
    {
        text_pooling = new NetVlad(c.NetVladClusters, c.HiddenSize);
        moe_txt_dropout = new FastDropout(c.MoeDropout);
        moe_fc_txt = nn.Linear(text_pooling.OutputDim, 2, hasBias: false);
        RegisterComponents();
    }

    /// <param name="query">(N, Lq, D) encoded query tokens.</param>
    /// <returns>(N, 2): column 0 weighs the visual stream, column 1 the subtitle stream.</returns>
    public override Tensor forward(Tensor query)
    {
        using var scope = NewDisposeScope();
        return softmax(moe_fc_txt.forward(moe_txt_dropout.forward(text_pooling.forward(query))), 1).MoveToOuterDisposeScope();
    }
}

using TorchSharp;
using TorchSharp.Modules;
using Vcmr.Models.Layers;
using static TorchSharp.torch;

namespace Vcmr.Models.Conquer;

/// <summary>BertEmbeddings (position + token type) and a BERT encoder over feature inputs (model/backbone/encoder.py's
/// TransformerBaseModel).</summary>
public sealed class TransformerBaseModel : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    private readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;

    public TransformerBaseModel(ConquerConfig c, int maxPositions) : base(nameof(TransformerBaseModel))
    {
        embeddings = new BertEmbeddings(maxPositions, 2, c.HiddenSize, c.Dropout, c.LayerNormEps);
        encoder = new BertEncoder(c.Layers, c.HiddenSize, c.Heads, c.IntermediateSize, c.Dropout, c.AttentionDropout, c.LayerNormEps);
        RegisterComponents();
    }

    /// <param name="features">(N, L, D).</param>
    /// <param name="positionIds">(L) int64.</param>
    /// <param name="tokenTypeIds">(L) int64.</param>
    /// <param name="mask">(N, L) 1 for real positions.</param>
    public override Tensor forward(Tensor features, Tensor positionIds, Tensor tokenTypeIds, Tensor mask)
    {
        using var embedded = embeddings.forward(features, positionIds, tokenTypeIds);
        return encoder.forward(embedded, mask);
    }
}

/// <summary>One stream (the query, or a one-modality video): LinearLayer to the hidden size, then
/// <see cref="TransformerBaseModel"/> with positions 0..L-1 and one token type.</summary>
public sealed class OneModalEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly LinearLayer linear;
    private readonly TransformerBaseModel transformer;
    private readonly long _tokenType;

    public OneModalEncoder(ConquerConfig c, int inputDim, int maxPositions, long tokenType) : base(nameof(OneModalEncoder))
    {
        linear = new LinearLayer(inputDim, c.HiddenSize, c.Dropout);
        transformer = new TransformerBaseModel(c, maxPositions);
        _tokenType = tokenType;
        RegisterComponents();
    }

    /// <param name="features">(N, L, D_in).</param>
    /// <param name="mask">(N, L).</param>
    public override Tensor forward(Tensor features, Tensor mask)
    {
        using var scope = NewDisposeScope();
        long l = features.shape[1];
        var positions = arange(l, dtype: int64, device: features.device);
        var types = full(l, _tokenType, dtype: int64, device: features.device);
        return transformer.forward(linear.forward(features), positions, types, mask).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The visual and subtitle clips of a video in one transformer (TwoModalEncoder): each stream through its LinearLayer,
/// the two concatenated along time (L visual then L subtitle tokens, positions 0..L-1 each, token type 0 for visual
/// and 1 for subtitle), one BERT encoder, split back into V̂ and Ŝ.
/// </summary>
public sealed class TwoModalEncoder : nn.Module<Tensor, Tensor, Tensor, Tensor, (Tensor Visual, Tensor Sub)>
{
    private readonly LinearLayer img_linear, text_linear;
    private readonly TransformerBaseModel transformer;

    public TwoModalEncoder(ConquerConfig c) : base(nameof(TwoModalEncoder))
    {
        img_linear = new LinearLayer(c.VisualDim, c.HiddenSize, c.Dropout);
        text_linear = new LinearLayer(c.TextDim, c.HiddenSize, c.Dropout);
        transformer = new TransformerBaseModel(c, c.MaxContextLength);
        RegisterComponents();
    }

    /// <param name="visual">(N, L, D_v).</param>
    /// <param name="sub">(N, L, D_s), on the same clip grid.</param>
    /// <param name="visualMask">(N, L).</param>
    /// <param name="subMask">(N, L).</param>
    public override (Tensor Visual, Tensor Sub) forward(Tensor visual, Tensor sub, Tensor visualMask, Tensor subMask)
    {
        using var scope = NewDisposeScope();
        long l = visual.shape[1];
        var device = visual.device;
        var positions = arange(l, dtype: int64, device: device).repeat(2);
        var types = cat([zeros(l, dtype: int64, device: device), ones(l, dtype: int64, device: device)]);
        var joint = transformer.forward(cat([img_linear.forward(visual), text_linear.forward(sub)], 1), positions, types,
            cat([visualMask, subMask], 1));
        return (joint.narrow(1, 0, l).MoveToOuterDisposeScope(), joint.narrow(1, l, l).MoveToOuterDisposeScope());
    }
}

/// <summary>
/// CONQUER's backbone (VideoQueryEncoder): the video encoder (<see cref="TwoModalEncoder"/> for visual + subtitle, a
/// <see cref="OneModalEncoder"/> for one stream) and the query encoder (a <see cref="OneModalEncoder"/>, token type 1).
/// </summary>
public sealed class VideoQueryEncoder : nn.Module
{
    private readonly nn.Module videoEncoder;
    private readonly OneModalEncoder queryEncoder;
    private readonly ConquerContext _context;

    public VideoQueryEncoder(ConquerConfig c) : base(nameof(VideoQueryEncoder))
    {
        _context = c.Context;
        videoEncoder = c.Context switch
        {
            ConquerContext.VisualSub => new TwoModalEncoder(c),
            ConquerContext.Visual => new OneModalEncoder(c, c.VisualDim, c.MaxContextLength, tokenType: 0),
            _ => new OneModalEncoder(c, c.TextDim, c.MaxContextLength, tokenType: 1),
        };
        queryEncoder = new OneModalEncoder(c, c.QueryDim, c.MaxQueryLength, tokenType: 1);
        RegisterComponents();
    }

    /// <summary>Q̂ (N, Lq, D).</summary>
    public Tensor EncodeQuery(Tensor features, Tensor mask) => queryEncoder.forward(features, mask);

    /// <summary>V̂ and Ŝ (N, L, D) of the streams the context mode reads (null for the other).</summary>
    public (Tensor? Visual, Tensor? Sub) EncodeVideo(Tensor? visual, Tensor? sub, Tensor visualMask, Tensor subMask) => _context switch
    {
        ConquerContext.VisualSub => ((TwoModalEncoder)videoEncoder).forward(visual!, sub!, visualMask, subMask),
        ConquerContext.Visual => (((OneModalEncoder)videoEncoder).forward(visual!, visualMask), null),
        _ => (null, ((OneModalEncoder)videoEncoder).forward(sub!, subMask)),
    };
}

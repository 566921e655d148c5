using TorchSharp;
using Vcmr.Data;
using Vcmr.Models.Layers;
using static TorchSharp.torch;

namespace Vcmr.Models.Prem;

/// <summary>A query batch as a PREM module encodes it.</summary>
/// <param name="Words">(N, Lq, D) contextual word representations.</param>
/// <param name="Mask">(N, Lq) 1 for real words.</param>
/// <param name="Vectors">(N, M, D) the query vector of each modality the module reads, image first.</param>
public sealed record PremQuery(Tensor Words, Tensor Mask, Tensor Vectors) : IDisposable
{
    public void Dispose()
    {
        Words.Dispose();
        Vectors.Dispose(); // the mask belongs to the query batch
    }
}

/// <summary>PREM's query side: token features -> LinearLayer -> position embeddings -> word transformer -> modality
/// pooling.</summary>
public sealed class PremQueryEncoder : nn.Module<QueryBatch, PremQuery>
{
    private readonly LinearLayer input_proj;
    private readonly TrainablePositionalEncoding pos_embed;
    private readonly BertEncoder encoder;
    private readonly ModalityPooling pooling;
    private readonly int _maxLength;

    public PremQueryEncoder(PremEncoderConfig c, int modalities) : base(nameof(PremQueryEncoder))
    {
        input_proj = new LinearLayer(c.TextDim, c.HiddenSize, c.InputDropout);
        pos_embed = new TrainablePositionalEncoding(c.MaxQueryLength, c.HiddenSize, c.InputDropout);
        encoder = new BertEncoder(c.EncoderLayers, c.HiddenSize, c.Heads, c.IntermediateSize, c.Dropout, c.Dropout, PremEncoderConfig.LayerNormEps);
        pooling = new ModalityPooling(c.Pooling, c.HiddenSize, modalities);
        _maxLength = c.MaxQueryLength;
        RegisterComponents();
    }

    public override PremQuery forward(QueryBatch queries)
    {
        if (queries.Features.shape[1] > _maxLength)
            throw new ArgumentException($"query batch has {queries.Features.shape[1]} tokens, more than {nameof(PremEncoderConfig.MaxQueryLength)}={_maxLength}");
        using var scope = NewDisposeScope();
        var words = Words(queries);
        var vectors = pooling.forward(words, queries.Mask);
        return new PremQuery(words.MoveToOuterDisposeScope(), queries.Mask, vectors.MoveToOuterDisposeScope());
    }

    /// <summary>(N, Lq, M) word weights of each modality's query (see <see cref="ModalityPooling.Weights"/>).</summary>
    public Tensor? WordWeights(QueryBatch queries)
    {
        using var scope = NewDisposeScope();
        return pooling.Weights(Words(queries), queries.Mask)?.MoveToOuterDisposeScope();
    }

    private Tensor Words(QueryBatch q) => encoder.forward(pos_embed.forward(input_proj.forward(q.Features)), q.Mask);
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>
/// HuggingFace BERT's BertEmbeddings without the word embeddings (the inputs are already feature vectors, as HERO's
/// and CONQUER's bert_embed.py use it): inputs + position embedding + token-type embedding -> LayerNorm -> dropout.
/// </summary>
public sealed class BertEmbeddings : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Embedding position_embeddings, token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly FastDropout dropout;

    public BertEmbeddings(int maxPositions, int typeVocabulary, int hidden, double dropout, double layerNormEps) : base(nameof(BertEmbeddings))
    {
        position_embeddings = nn.Embedding(maxPositions, hidden);
        token_type_embeddings = nn.Embedding(typeVocabulary, hidden);
        LayerNorm = nn.LayerNorm(hidden, layerNormEps);
        this.dropout = new FastDropout(dropout, inplace: true); // LayerNorm's backward does not read its output
        RegisterComponents();
    }

    /// <param name="inputs">(N, L, D) input features.</param>
    /// <param name="positionIds">(L) int64 position of each column (the same for every row).</param>
    /// <param name="tokenTypeIds">(L) int64 token type of each column.</param>
    public override Tensor forward(Tensor inputs, Tensor positionIds, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var added = position_embeddings.forward(positionIds) + token_type_embeddings.forward(tokenTypeIds); // (L, D)
        var summed = inputs + added.unsqueeze(0);
        return dropout.forward(LayerNorm.forward(summed)).MoveToOuterDisposeScope();
    }
}

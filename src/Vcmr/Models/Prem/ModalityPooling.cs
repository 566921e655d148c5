using TorchSharp;
using TorchSharp.Modules;
using Vcmr.Models.Layers;
using static TorchSharp.torch;

namespace Vcmr.Models.Prem;

/// <summary>
/// From word representations to one query vector per modality (<see cref="QueryPooling"/>). Modality-specific pooling
/// is one FC column per modality (modular_vector_mapping, as XML and ReLoCLNet name it) scoring each word, a masked
/// softmax over the words and the weighted sum; mean and max pool the words once and give every modality that vector.
/// </summary>
public sealed class ModalityPooling : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear? modular_vector_mapping;
    private readonly QueryPooling _pooling;
    private readonly int _modalities;

    public ModalityPooling(QueryPooling pooling, int hidden, int modalities) : base(nameof(ModalityPooling))
    {
        if (modalities < 1) throw new ArgumentOutOfRangeException(nameof(modalities), modalities, "at least one modality");
        (_pooling, _modalities) = (pooling, modalities);
        // Bias would shift every word of a column equally: the softmax ignores it.
        if (pooling == QueryPooling.ModalitySpecific) modular_vector_mapping = nn.Linear(hidden, modalities, hasBias: false);
        RegisterComponents();
    }

    /// <param name="words">(N, Lq, D) word representations.</param>
    /// <param name="mask">(N, Lq) 1 for real words.</param>
    /// <returns>(N, M, D): the query vector of each modality.</returns>
    public override Tensor forward(Tensor words, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var pooled = _pooling switch
        {
            QueryPooling.ModalitySpecific => einsum("blm,bld->bmd", Weights(words, mask)!, words),
            QueryPooling.Mean => ((words * mask.unsqueeze(2)).sum(1) / mask.sum(1, keepdim: true).clamp_min(1)).unsqueeze(1).expand(-1, _modalities, -1),
            QueryPooling.Max => Masking.MaskLogits(words, mask.unsqueeze(2)).amax(1).unsqueeze(1).expand(-1, _modalities, -1),
            _ => throw new ArgumentOutOfRangeException(nameof(_pooling), _pooling, "unknown pooling"),
        };
        return pooled.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>(N, Lq, M) word weights of each modality (padding 0): the softmax of modality-specific pooling, 1/|words|
    /// for mean pooling; null for max pooling, which has no weights.</summary>
    public Tensor? Weights(Tensor words, Tensor mask)
    {
        using var scope = NewDisposeScope();
        Tensor? weights = _pooling switch
        {
            QueryPooling.ModalitySpecific => softmax(Masking.MaskLogits(modular_vector_mapping!.forward(words), mask.unsqueeze(2)), 1),
            QueryPooling.Mean => (mask / mask.sum(1, keepdim: true).clamp_min(1)).unsqueeze(2).expand(-1, -1, _modalities).contiguous(),
            _ => null,
        };
        return weights?.MoveToOuterDisposeScope();
    }
}

using static TorchSharp.torch;

namespace Vcmr.Models.Xml;

/// <summary>XML's encoding of a set of videos: shallow (feat1, for VR; L2-normalised per clip, padded clips repeating
/// clip 0 so a max over clips needs no mask) and deep (feat2, for
/// ConvSE) clip features per stream, each (Nv, L, D), and the (Nv, L) clip mask. Streams absent from the context
/// mode are null.</summary>
public sealed record XmlEncodedContext(Tensor? Feat1Video, Tensor? Feat2Video, Tensor? Feat1Sub, Tensor? Feat2Sub, Tensor Mask)
    : IDisposable
{
    public long Count => Mask.shape[0];

    /// <summary>Moves every tensor out of the current dispose scope (for an index kept across batches).</summary>
    public XmlEncodedContext MoveToOuterDisposeScope()
    {
        foreach (var t in Tensors()) t.MoveToOuterDisposeScope();
        return this;
    }

    public IEnumerable<Tensor> Tensors() =>
        new[] { Feat1Video, Feat2Video, Feat1Sub, Feat2Sub, Mask }.Where(t => t is not null).Select(t => t!);

    public void Dispose()
    {
        foreach (var t in Tensors()) t.Dispose();
    }
}

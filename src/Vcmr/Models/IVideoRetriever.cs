using Vcmr.Data;
using static TorchSharp.torch;

namespace Vcmr.Models;

/// <summary>First stage of VCMR: encode the corpus once, then score queries against every encoded video.</summary>
/// <typeparam name="TEncoded">The encoded corpus chunk (kept on the device between query batches).</typeparam>
public interface IVideoRetriever<TEncoded> : IQueryEncoder where TEncoded : IDisposable
{
    /// <summary>Encodes one batch of corpus videos.</summary>
    TEncoded EncodeContext(ContextBatch context);

    /// <summary>Concatenates encoded chunks (in order) into one corpus index.</summary>
    TEncoded Concat(IReadOnlyList<TEncoded> chunks);

    /// <summary>(Nq, Nv) video-level scores of every query against every encoded video.</summary>
    Tensor ScoreVideos(EncodedQueries queries, TEncoded encoded);
}

/// <summary>Second stage of VCMR: start/end logits of each query over its candidate videos.</summary>
/// <remarks>When one model is both retriever and localizer (XML), the pipeline encodes each query batch once.</remarks>
public interface IMomentLocalizer<TEncoded> : IQueryEncoder where TEncoded : IDisposable
{
    /// <summary>(Nq, K, L) start and end logits (padding at -1e10) for query q over videos candidates[q, k]
    /// of the encoded corpus.</summary>
    (Tensor Start, Tensor End) SpanLogits(EncodedQueries queries, TEncoded encoded, Tensor candidates);
}

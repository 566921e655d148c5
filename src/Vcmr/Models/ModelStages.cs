using static TorchSharp.torch;

namespace Vcmr.Models;

/// <summary>Builds what a model keeps of a corpus for one pipeline run: encoded videos (XML), or a handle on the raw
/// features for a stage that encodes each candidate together with its query (CONQUER).</summary>
/// <typeparam name="TIndex">The model's index type; the pipeline disposes it after the run.</typeparam>
public interface ICorpusIndexer<TIndex> where TIndex : IDisposable
{
    TIndex IndexCorpus(VideoCorpus corpus);
}

/// <summary>First stage of VCMR: index the corpus once, then score queries against every video of it.</summary>
public interface IVideoRetriever<TIndex> : IQueryEncoder, ICorpusIndexer<TIndex> where TIndex : IDisposable
{
    /// <summary>(Nq, Nv) video-level scores of every query against every video of the index, in corpus order.</summary>
    Tensor ScoreVideos(EncodedQueries queries, TIndex index);
}

/// <summary>Second stage of VCMR: start/end logits of each query over its candidate videos.</summary>
public interface IMomentLocalizer<TIndex> : IQueryEncoder, ICorpusIndexer<TIndex> where TIndex : IDisposable
{
    /// <summary>Logits of query q over the videos at corpus positions candidates[q, k] ((Nq, K) int64).</summary>
    MomentLogits Localize(EncodedQueries queries, TIndex index, Tensor candidates);
}

/// <summary>One moment a second stage ranks: the candidate slot of its video (the first stage's K axis; with every
/// video of the corpus as candidates, the corpus position), its span in seconds and its score (higher is better).</summary>
public readonly record struct RankedMoment(int Slot, double Start, double End, float Score);

/// <summary>Second stage of VCMR that ranks whole moments (proposals in seconds) instead of giving start/end logits
/// over clips: CAL and MCN.</summary>
public interface IMomentRanker<TIndex> : IQueryEncoder, ICorpusIndexer<TIndex> where TIndex : IDisposable
{
    /// <summary>For each query its <paramref name="top"/> best moments, best first, among the videos at corpus
    /// positions candidates[q, k] (slot k; valid[q, k] false: no video there), or, with <paramref name="candidates"/>
    /// null, among every video of the index (slot = corpus position).</summary>
    IReadOnlyList<RankedMoment>[] RankMoments(EncodedQueries queries, TIndex index, Tensor? candidates, Tensor? valid, int top);
}

/// <summary>One network that is both stages (XML): a pipeline of it indexes the corpus and encodes each query batch
/// once for both.</summary>
public interface IVcmrModel<TIndex> : IVideoRetriever<TIndex>, IMomentLocalizer<TIndex> where TIndex : IDisposable { }

/// <summary>What a localizer gives for each query over its K candidate videos.</summary>
/// <param name="Start">(Nq, K, L) start logits, padded clips at -1e10.</param>
/// <param name="End">(Nq, K, L) end logits, padded clips at -1e10.</param>
/// <param name="Video">(Nq, K) video logits of a localizer that also scores its candidates (CONQUER's video scoring
/// head, used by its exclusive fusion), else null.</param>
public sealed record MomentLogits(Tensor Start, Tensor End, Tensor? Video = null)
{
    /// <summary>Softmax over each video's clips (padding gets 0).</summary>
    public (Tensor Start, Tensor End) Probabilities() => (softmax(Start, -1), softmax(End, -1));
}

/// <summary>Encoding a whole corpus batch by batch, for models whose index is their encoded videos.</summary>
public static class CorpusEncoding
{
    /// <summary>Encodes every video (no grad), disposing each batch once encoded, and concatenates the chunks in corpus
    /// order into one index.</summary>
    public static TIndex EncodeAll<TIndex>(VideoCorpus corpus, Func<Data.ContextBatch, TIndex> encode,
        Func<IReadOnlyList<TIndex>, TIndex> concat) where TIndex : IDisposable
    {
        var chunks = new List<TIndex>();
        using var noGrad = no_grad();
        try
        {
            foreach (var batch in corpus.Batches())
                using (batch) chunks.Add(encode(batch));
            return concat(chunks);
        }
        finally
        {
            foreach (var c in chunks) c.Dispose();
        }
    }
}

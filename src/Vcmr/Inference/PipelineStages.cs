using Vcmr.Data;
using Vcmr.Models;
using static TorchSharp.torch;

namespace Vcmr.Inference;

/// <summary>
/// One pipeline run over one corpus: each model's corpus index, built once and shared by every stage of that model
/// (XML's retriever and localizer read one encoded corpus), and per query batch each query encoder's encodings
/// (XML encodes a batch once for both stages). Disposes what it built.
/// </summary>
internal sealed class StageSession(VideoCorpus corpus, InferenceProfile profile) : IDisposable
{
    private readonly Dictionary<(object Indexer, Type Index), IDisposable> _indices = [];
    private readonly Dictionary<IQueryEncoder, EncodedQueries> _queries = new(ReferenceEqualityComparer.Instance);

    public VideoCorpus Corpus { get; } = corpus;
    public InferenceProfile Profile { get; } = profile;

    public TIndex Index<TIndex>(ICorpusIndexer<TIndex> indexer) where TIndex : IDisposable
    {
        if (_indices.TryGetValue((indexer, typeof(TIndex)), out var index)) return (TIndex)index;
        var built = Profile.Time("encode corpus", () => indexer.IndexCorpus(Corpus));
        _indices[(indexer, typeof(TIndex))] = built;
        return built;
    }

    /// <summary>Encodes <paramref name="batch"/> once per distinct encoder (the previous batch's encodings are disposed).</summary>
    public void Begin(QueryBatch batch, IEnumerable<IQueryEncoder?> encoders)
    {
        End();
        foreach (var e in encoders)
            if (e is not null && !_queries.ContainsKey(e)) _queries[e] = Profile.Time("encode queries", () => e.EncodeQueries(batch));
    }

    public EncodedQueries Queries(IQueryEncoder encoder) => _queries[encoder];

    public void End()
    {
        foreach (var q in _queries.Values) q.Dispose();
        _queries.Clear();
    }

    public void Dispose()
    {
        End();
        foreach (var i in _indices.Values) i.Dispose();
        _indices.Clear();
    }
}

/// <summary>What a first stage gives a query batch: (Nq, K) scores of its best videos, best first, their corpus
/// positions (int64), and which slots hold a video (null: all; a ragged candidate list leaves some empty).</summary>
internal sealed record FirstStage(Tensor Scores, Tensor Videos, Tensor? Valid);

/// <summary>The first stage of a <see cref="VcmrPipeline"/>: a retriever of the suite, or first-stage results given as
/// data (<see cref="VideoCandidates"/>).</summary>
public abstract class RetrieverStage
{
    public static RetrieverStage From<TIndex>(IVideoRetriever<TIndex> retriever) where TIndex : IDisposable => new ModelRetriever<TIndex>(retriever);

    public static RetrieverStage From(VideoCandidates candidates) => new CandidateRetriever(candidates);

    /// <summary>The model behind the stage; null for given candidates.</summary>
    public abstract object? Model { get; }

    internal abstract IQueryEncoder? Encoder { get; }
    internal abstract void Prepare(StageSession session);
    internal abstract FirstStage Retrieve(StageSession session, QueryBatch batch, int k);

    /// <summary>The <paramref name="topK"/> best videos of every query, with the stage's raw scores, as data.</summary>
    /// <param name="video2Idx">video name to the video_idx the candidates record; must hold every corpus video.</param>
    /// <remarks>Query batches are disposed once used: pass a fresh enumeration.</remarks>
    public VideoCandidates Retrieve(VideoCorpus corpus, IEnumerable<QueryBatch> queryBatches, IReadOnlyDictionary<string, int> video2Idx,
        int topK, InferenceProfile? profile = null)
    {
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "must be >= 1");
        var corpusIdx = VcmrPipeline.CorpusVideoIdx(corpus, video2Idx);
        var lists = new Dictionary<int, IReadOnlyList<VideoCandidate>>();
        using var session = new StageSession(corpus, profile ?? new InferenceProfile());
        using var noGrad = no_grad();
        Prepare(session);
        foreach (var qb in queryBatches)
        {
            using var owned = qb;
            using var scope = NewDisposeScope();
            session.Begin(qb, [Encoder]);
            var first = session.Profile.Time("video retrieval", () => Retrieve(session, qb, topK));
            var scores = first.Scores.cpu().data<float>().ToArray();
            var videos = first.Videos.cpu().data<long>().ToArray();
            var valid = first.Valid?.cpu().data<bool>().ToArray();
            long k = first.Videos.shape[1];
            for (int r = 0; r < qb.DescIds.Count; r++)
                lists[qb.DescIds[r]] = Enumerable.Range(0, (int)k).Where(v => valid?[r * k + v] ?? true)
                    .Select(v => new VideoCandidate(corpusIdx[videos[r * k + v]], scores[r * k + v])).ToList();
            session.End();
        }
        return new VideoCandidates(video2Idx, lists, $"first stage {Model?.GetType().Name ?? "candidates"}");
    }
}

internal sealed class ModelRetriever<TIndex>(IVideoRetriever<TIndex> retriever) : RetrieverStage where TIndex : IDisposable
{
    public override object? Model => retriever;
    internal override IQueryEncoder Encoder => retriever;

    internal override void Prepare(StageSession session) => session.Index(retriever);

    internal override FirstStage Retrieve(StageSession session, QueryBatch batch, int k)
    {
        var scores = retriever.ScoreVideos(session.Queries(retriever), session.Index(retriever));
        var (values, videos) = scores.topk((int)Math.Min(k, scores.shape[1]), dim: 1);
        return new FirstStage(values, videos, null);
    }
}

/// <summary>Given first-stage results: each query's first K candidates, mapped onto the corpus.</summary>
internal sealed class CandidateRetriever(VideoCandidates candidates) : RetrieverStage
{
    public override object? Model => null;
    internal override IQueryEncoder? Encoder => null;

    internal override void Prepare(StageSession session) { }

    internal override FirstStage Retrieve(StageSession session, QueryBatch batch, int k)
    {
        var lists = batch.DescIds.Select(id => candidates[id].Take(k).ToList()).ToList();
        int width = Math.Max(1, lists.Max(l => l.Count));
        var scores = new float[lists.Count * width];
        var videos = new long[lists.Count * width];
        var valid = new bool[lists.Count * width];
        for (int q = 0; q < lists.Count; q++)
            for (int v = 0; v < lists[q].Count; v++)
            {
                string name = candidates.VidName(lists[q][v].VideoIdx);
                if (!session.Corpus.Contains(name))
                    throw new KeyNotFoundException($"{candidates.Source}: desc_id {batch.DescIds[q]}: candidate video '{name}' is not in the corpus");
                (scores[q * width + v], videos[q * width + v], valid[q * width + v]) = ((float)lists[q][v].Score, session.Corpus.Position(name), true);
            }
        var device = batch.Features.device;
        return new FirstStage(tensor(scores, [lists.Count, width], device: device), tensor(videos, [lists.Count, width], device: device),
            valid.All(x => x) ? null : tensor(valid, [lists.Count, width], device: device));
    }
}

/// <summary>The second stage of a <see cref="VcmrPipeline"/>: a moment localizer of the suite.</summary>
public abstract class LocalizerStage
{
    public static LocalizerStage From<TIndex>(IMomentLocalizer<TIndex> localizer) where TIndex : IDisposable => new ModelLocalizer<TIndex>(localizer);

    public abstract object Model { get; }
    internal abstract IQueryEncoder Encoder { get; }
    internal abstract void Prepare(StageSession session);

    /// <summary>Logits of the batch's queries (or of its <paramref name="rows"/>) over candidates[q, k] (corpus positions).</summary>
    internal abstract MomentLogits Localize(StageSession session, Tensor? rows, Tensor candidates);
}

internal sealed class ModelLocalizer<TIndex>(IMomentLocalizer<TIndex> localizer) : LocalizerStage where TIndex : IDisposable
{
    public override object Model => localizer;
    internal override IQueryEncoder Encoder => localizer;

    internal override void Prepare(StageSession session) => session.Index(localizer);

    internal override MomentLogits Localize(StageSession session, Tensor? rows, Tensor candidates)
    {
        var queries = session.Queries(localizer);
        if (rows is null) return localizer.Localize(queries, session.Index(localizer), candidates);
        using var subset = queries.Select(rows);
        return localizer.Localize(subset, session.Index(localizer), candidates);
    }
}

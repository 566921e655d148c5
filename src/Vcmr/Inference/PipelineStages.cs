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
/// positions (int64), and which slots hold a video (null: all; a ragged candidate list leaves some empty).
/// <paramref name="EveryVideo"/>: the candidates are the whole corpus in corpus order (slot = corpus position).</summary>
internal sealed record FirstStage(Tensor Scores, Tensor Videos, Tensor? Valid, bool EveryVideo = false);

/// <summary>What a second stage gives a query batch: per query its best moments (at most MaxBeforeNms, best first)
/// and its VR list of (slot, score) in order.</summary>
internal sealed record StageMoments(IReadOnlyList<RankedMoment>[] Vcmr, List<(int Slot, float Score)>[] Vr);

/// <summary>The first stage of a <see cref="VcmrPipeline"/>: a retriever of the suite, or first-stage results given as
/// data (<see cref="VideoCandidates"/>).</summary>
public abstract class RetrieverStage
{
    public static RetrieverStage From<TIndex>(IVideoRetriever<TIndex> retriever) where TIndex : IDisposable => new ModelRetriever<TIndex>(retriever);

    public static RetrieverStage From(VideoCandidates candidates) => new CandidateRetriever(candidates);

    /// <summary>No first stage: every video of the corpus is a candidate of every query, in corpus order, with score
    /// 0, whatever TopVideos says (CAL and MCN rank every (video, proposal) pair of the corpus this way).</summary>
    public static RetrieverStage EveryVideo { get; } = new EveryVideoRetriever();

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

/// <summary>Every video of the corpus as every query's candidates (<see cref="RetrieverStage.EveryVideo"/>).</summary>
internal sealed class EveryVideoRetriever : RetrieverStage
{
    public override object? Model => null;
    internal override IQueryEncoder? Encoder => null;

    internal override void Prepare(StageSession session) { }

    internal override FirstStage Retrieve(StageSession session, QueryBatch batch, int k)
    {
        long nq = batch.DescIds.Count, nv = session.Corpus.Count;
        var device = batch.Features.device;
        return new FirstStage(zeros(1, nv, device: device).expand(nq, nv), arange(nv, device: device).unsqueeze(0).expand(nq, nv), null, EveryVideo: true);
    }
}

/// <summary>The second stage of a <see cref="VcmrPipeline"/>: a moment localizer of the suite (start/end logits turned
/// into spans by the options' fusion and span search) or a moment ranker (proposals ranked whole).</summary>
public abstract class LocalizerStage
{
    public static LocalizerStage From<TIndex>(IMomentLocalizer<TIndex> localizer) where TIndex : IDisposable => new ModelLocalizer<TIndex>(localizer);

    public static LocalizerStage From<TIndex>(IMomentRanker<TIndex> ranker) where TIndex : IDisposable => new RankerLocalizer<TIndex>(ranker);

    public abstract object Model { get; }
    internal abstract IQueryEncoder Encoder { get; }
    internal abstract void Prepare(StageSession session);

    /// <summary>The VCMR moments and the VR list of the batch's queries over the first stage's candidates.</summary>
    internal abstract StageMoments Moments(StageSession session, FirstStage first, CorpusInferenceOptions options);

    /// <summary>SVMR: the moments of the batch's <paramref name="rows"/> on videos[g] (one corpus position each), the
    /// video term neutral.</summary>
    internal abstract IReadOnlyList<RankedMoment>[] Svmr(StageSession session, Tensor rows, Tensor videos, CorpusInferenceOptions options);
}

internal sealed class ModelLocalizer<TIndex>(IMomentLocalizer<TIndex> localizer) : LocalizerStage where TIndex : IDisposable
{
    public override object Model => localizer;
    internal override IQueryEncoder Encoder => localizer;

    internal override void Prepare(StageSession session) => session.Index(localizer);

    internal override StageMoments Moments(StageSession session, FirstStage first, CorpusInferenceOptions options)
    {
        var fused = session.Profile.Time("start/end probabilities", () =>
            options.Fusion.Fuse(Localize(session, null, first.Videos), first.Scores, first.Valid));
        var spans = session.Profile.Time("span search", () => SpanSearch.Top(fused, options));
        var valid = first.Valid?.cpu().data<bool>().ToArray();
        var ranking = options.Fusion.RankVideos(fused, options);
        var scores = (ranking ?? fused.Video).cpu().data<float>().ToArray();
        int k = (int)first.Videos.shape[1];
        var vr = new List<(int, float)>[spans.Length];
        for (int r = 0; r < spans.Length; r++)
        {
            int row = r;
            var slots = Enumerable.Range(0, k).Where(v => valid?[row * k + v] ?? true);
            if (ranking is not null) slots = slots.OrderByDescending(v => scores[row * k + v]);
            vr[r] = slots.Select(v => (v, scores[row * k + v])).ToList();
        }
        return new StageMoments(spans.Select(s => Seconds(s, options)).ToArray(), vr);
    }

    internal override IReadOnlyList<RankedMoment>[] Svmr(StageSession session, Tensor rows, Tensor videos, CorpusInferenceOptions options) =>
        SpanSearch.Top(options.Fusion.Fuse(Localize(session, rows, videos), null, null), options).Select(s => Seconds(s, options)).ToArray();

    // clip spans (i, j) to seconds: [i * clip, (j + 1) * clip]
    private static IReadOnlyList<RankedMoment> Seconds(List<(int Slot, int Start, int End, float Score)> spans, CorpusInferenceOptions o) =>
        spans.Select(s => new RankedMoment(s.Slot, s.Start * o.ClipSeconds, (s.End + 1) * o.ClipSeconds, s.Score)).ToList();

    /// <summary>Logits of the batch's queries (or of its <paramref name="rows"/>) over candidates[q, k] (corpus positions).</summary>
    private MomentLogits Localize(StageSession session, Tensor? rows, Tensor candidates)
    {
        var queries = session.Queries(localizer);
        if (rows is null) return localizer.Localize(queries, session.Index(localizer), candidates);
        using var subset = queries.Select(rows);
        return localizer.Localize(subset, session.Index(localizer), candidates);
    }
}

/// <summary>A moment ranker as the second stage. Its VR list is the videos of its best moments in order, repeats
/// included, as CAL's inference.py derives it (the official evaluation counts a repeated video in every slot).</summary>
internal sealed class RankerLocalizer<TIndex>(IMomentRanker<TIndex> ranker) : LocalizerStage where TIndex : IDisposable
{
    public override object Model => ranker;
    internal override IQueryEncoder Encoder => ranker;

    internal override void Prepare(StageSession session) => session.Index(ranker);

    internal override StageMoments Moments(StageSession session, FirstStage first, CorpusInferenceOptions options)
    {
        var moments = session.Profile.Time("moment ranking", () => ranker.RankMoments(session.Queries(ranker), session.Index(ranker),
            first.EveryVideo ? null : first.Videos, first.Valid, options.MaxBeforeNms));
        return new StageMoments(moments, moments.Select(m => m.Select(x => (x.Slot, x.Score)).ToList()).ToArray());
    }

    internal override IReadOnlyList<RankedMoment>[] Svmr(StageSession session, Tensor rows, Tensor videos, CorpusInferenceOptions options)
    {
        using var subset = session.Queries(ranker).Select(rows);
        return ranker.RankMoments(subset, session.Index(ranker), videos, null, options.MaxBeforeNms);
    }
}

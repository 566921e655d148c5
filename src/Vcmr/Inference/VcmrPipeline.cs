using Vcmr.Data;
using Vcmr.Models;
using static TorchSharp.torch;

namespace Vcmr.Inference;

/// <summary>A query to answer: its batch row is matched by desc_id; GtVideo (val only) enables SVMR.</summary>
public sealed record InferenceQuery(int DescId, string Desc, string? GtVideo);

/// <summary>
/// Two-stage VCMR over a corpus (TVR inference.py, generalised): the retriever stage keeps each query's
/// <see cref="CorpusInferenceOptions.TopVideos"/> best videos (or hands over every video,
/// <see cref="RetrieverStage.EveryVideo"/>), the localizer stage gives start/end logits over them, the options'
/// <see cref="ScoreFusion"/> turns both into span scores, and the span search keeps the best spans under the length
/// window; a moment ranker (CAL) ranks its proposals of the candidates instead. Emits VCMR, SVMR (where the ground-truth video is known: spans on it alone, the video term
/// neutral) and VR lists holding the top MaxBeforeNms entries (the NMS input); <see cref="Finish"/> applies NMS and
/// the cut. Any localizer runs over any retriever or over given <see cref="VideoCandidates"/>; a model serving both
/// stages (XML) indexes the corpus and encodes each query batch once.
/// </summary>
public sealed record VcmrPipeline(RetrieverStage Retriever, LocalizerStage Localizer, CorpusInferenceOptions Options)
{
    public VcmrPipeline(RetrieverStage retriever, LocalizerStage localizer) : this(retriever, localizer, CorpusInferenceOptions.Tvr) { }

    /// <summary>A model that is both stages (XML), with the TVR inference defaults unless <paramref name="options"/>.</summary>
    public static VcmrPipeline For<TIndex>(IVcmrModel<TIndex> model, CorpusInferenceOptions? options = null) where TIndex : IDisposable =>
        new(RetrieverStage.From(model), LocalizerStage.From(model), options ?? CorpusInferenceOptions.Tvr);

    /// <summary>The models of both stages (one object when a model serves both).</summary>
    public IEnumerable<object> Models => new[] { Retriever.Model, Localizer.Model }.OfType<object>().Distinct(ReferenceEqualityComparer.Instance);

    /// <param name="video2Idx">video name to the submission's video_idx; must hold every corpus video.</param>
    /// <param name="profile">collects the seconds of each stage when given.</param>
    /// <remarks>Query batches (and the corpus batches the stages read) are disposed once used: pass a fresh enumeration.</remarks>
    public Submission Run(VideoCorpus corpus, IEnumerable<QueryBatch> queryBatches, IReadOnlyDictionary<int, InferenceQuery> queries,
        IReadOnlyDictionary<string, int> video2Idx, InferenceProfile? profile = null)
    {
        var options = Options.Validate();
        var corpusIdx = CorpusVideoIdx(corpus, video2Idx);
        var vcmr = new List<QueryPredictions>();
        var svmr = new List<QueryPredictions>();
        var vr = new List<QueryPredictions>();
        using var session = new StageSession(corpus, profile ?? new InferenceProfile());
        using var noGrad = no_grad();
        Retriever.Prepare(session);
        Localizer.Prepare(session);
        foreach (var qb in queryBatches)
        {
            using var owned = qb;
            using var scope = NewDisposeScope();
            var info = qb.DescIds.Select(id => queries.TryGetValue(id, out var q) ? q
                : throw new KeyNotFoundException($"desc_id {id} of a query batch has no query record")).ToList();
            session.Begin(qb, [Retriever.Encoder, Localizer.Encoder]);
            var first = session.Profile.Time("video retrieval", () => Retriever.Retrieve(session, qb, options.TopVideos));
            var moments = Localizer.Moments(session, first, options);
            int k = (int)first.Videos.shape[1];
            var videos = first.EveryVideo ? null : first.Videos.cpu().data<long>().ToArray();
            for (int r = 0; r < info.Count; r++)
            {
                int row = r;
                int VideoIdx(int slot) => corpusIdx[videos is null ? slot : videos[row * k + slot]];
                vcmr.Add(new(info[r].DescId, info[r].Desc, moments.Vcmr[r].Select(m => new Prediction(VideoIdx(m.Slot), m.Start, m.End, m.Score)).ToList()));
                vr.Add(new(info[r].DescId, info[r].Desc, moments.Vr[r].Select(v => new Prediction(VideoIdx(v.Slot), 0, 0, v.Score)).ToList()));
            }
            svmr.AddRange(Svmr(session, info, corpusIdx, options));
            session.End();
        }
        return new Submission(video2Idx, vcmr, svmr.Count > 0 ? svmr : null, vr);
    }

    // Spans on the ground-truth video alone (where it is known), the video term neutral (XML: P_st * P_ed).
    private IEnumerable<QueryPredictions> Svmr(StageSession session, List<InferenceQuery> info, int[] corpusIdx, CorpusInferenceOptions options)
    {
        var gtRows = Enumerable.Range(0, info.Count).Where(r => info[r].GtVideo is not null).ToList();
        if (gtRows.Count == 0) return [];
        var device = session.Queries(Localizer.Encoder).Batch.Features.device;
        var gt = tensor(gtRows.Select(r => session.Corpus.Contains(info[r].GtVideo!) ? (long)session.Corpus.Position(info[r].GtVideo!)
            : throw new KeyNotFoundException($"ground-truth video '{info[r].GtVideo}' of desc_id {info[r].DescId} is not in the corpus")).ToArray(),
            device: device).unsqueeze(1);
        using var rows = tensor(gtRows.Select(r => (long)r).ToArray(), device: device);
        var top = session.Profile.Time("svmr", () => Localizer.Svmr(session, rows, gt, options));
        var gtPositions = gt.cpu().data<long>().ToArray();
        return gtRows.Select((r, g) => new QueryPredictions(info[r].DescId, info[r].Desc,
            top[g].Select(m => new Prediction(corpusIdx[gtPositions[g]], m.Start, m.End, m.Score)).ToList())).ToList();
    }

    /// <summary>The video_idx of each corpus video, in corpus order; a video missing from video2idx is an error naming it.</summary>
    internal static int[] CorpusVideoIdx(VideoCorpus corpus, IReadOnlyDictionary<string, int> video2Idx) =>
        corpus.VidNames.Select(n => video2Idx.TryGetValue(n, out int i) ? i
            : throw new KeyNotFoundException($"video '{n}' of the corpus is not in video2idx")).ToArray();

    /// <summary>From <see cref="Run"/>'s lists to the submission: temporal NMS on VCMR (per video) and SVMR when
    /// <see cref="CorpusInferenceOptions.NmsThreshold"/> is set, then the cut to MaxPredictions.</summary>
    public static Submission Finish(Submission raw, CorpusInferenceOptions options)
    {
        if (options.NmsThreshold is not double thd) return Cut(raw, options.MaxPredictions);
        return Cut(raw with
        {
            Vcmr = raw.Vcmr is null ? null : TemporalNms.Apply(raw.Vcmr, svmr: false, thd, options.MaxBeforeNms, options.MaxPredictions),
            Svmr = raw.Svmr is null ? null : TemporalNms.Apply(raw.Svmr, svmr: true, thd, options.MaxBeforeNms, options.MaxPredictions),
        }, options.MaxPredictions);
    }

    /// <summary>Cuts every list to <paramref name="n"/> (get_submission_top_n).</summary>
    public static Submission Cut(Submission s, int n)
    {
        IReadOnlyList<QueryPredictions>? Trim(IReadOnlyList<QueryPredictions>? list) =>
            list?.Select(q => q with { Predictions = q.Predictions.Take(n).ToList() }).ToList();
        return s with { Vcmr = Trim(s.Vcmr), Svmr = Trim(s.Svmr), Vr = Trim(s.Vr) };
    }
}

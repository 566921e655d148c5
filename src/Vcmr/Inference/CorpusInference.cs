using Vcmr.Data;
using Vcmr.Models;
using static TorchSharp.torch;

namespace Vcmr.Inference;

/// <summary>A query to answer: its batch row is matched by desc_id; GtVideo (val only) enables SVMR.</summary>
public sealed record InferenceQuery(int DescId, string Desc, string? GtVideo);

/// <summary>
/// TVR corpus-level inference (reference/tvr-xml.md section 3) for any model that is both a video retriever and a
/// moment localizer: encode every video once, score all (query, video) pairs, keep the top videos, score spans
/// P_st * exp(alpha * s) * P_ed under the length mask, and emit VCMR, SVMR and VR lists. Lists hold the top
/// MaxBeforeNms entries (the NMS input); <see cref="Cut"/> trims them to MaxPredictions.
/// </summary>
public static class CorpusInference
{
    /// <summary>Encodes the corpus batch by batch into one index (in the order of the batches); disposes each batch.</summary>
    public static (TEnc Index, List<string> VidNames) EncodeCorpus<TEnc>(IVideoRetriever<TEnc> retriever, IEnumerable<ContextBatch> corpus)
        where TEnc : IDisposable
    {
        var chunks = new List<TEnc>();
        var names = new List<string>();
        using var noGrad = no_grad();
        try
        {
            foreach (var batch in corpus)
            {
                using (batch) chunks.Add(retriever.EncodeContext(batch));
                names.AddRange(batch.VidNames);
            }
            if (chunks.Count == 0) throw new ArgumentException("the corpus has no videos", nameof(corpus));
            return (retriever.Concat(chunks), names);
        }
        finally
        {
            foreach (var c in chunks) c.Dispose();
        }
    }

    /// <param name="video2idx">video name to the submission's video_idx; must hold every corpus video.</param>
    /// <param name="profile">collects the seconds of each stage when given.</param>
    /// <remarks>Context and query batches are disposed once used: pass a fresh enumeration.</remarks>
    public static Submission Run<TModel, TEnc>(TModel model, IEnumerable<ContextBatch> corpus, IEnumerable<QueryBatch> queryBatches,
        IReadOnlyDictionary<int, InferenceQuery> queries, IReadOnlyDictionary<string, int> video2idx, CorpusInferenceOptions options,
        InferenceProfile? profile = null)
        where TModel : IVideoRetriever<TEnc>, IMomentLocalizer<TEnc> where TEnc : IDisposable
    {
        options.Validate();
        profile ??= new InferenceProfile();
        var (index, names) = profile.Time("encode corpus", () => EncodeCorpus(model, corpus));
        using var _ = index;
        var corpusIdx = names.Select(n => video2idx.TryGetValue(n, out int i) ? i
            : throw new KeyNotFoundException($"video '{n}' of the corpus is not in video2idx")).ToArray();
        var position = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        var vcmr = new List<QueryPredictions>();
        var svmr = new List<QueryPredictions>();
        var vr = new List<QueryPredictions>();
        using var noGrad = no_grad();
        foreach (var qb in queryBatches)
        {
            using var owned = qb;
            using var scope = NewDisposeScope();
            var info = qb.DescIds.Select(id => queries.TryGetValue(id, out var q) ? q
                : throw new KeyNotFoundException($"desc_id {id} of a query batch has no query record")).ToList();
            using var encoded = profile.Time("encode queries", () => model.EncodeQueries(qb));
            var (topScores, topVideos) = profile.Time("video retrieval", () => TopVideos(model, encoded, index, options));
            var (st, ed) = profile.Time("start/end probabilities", () => Probabilities(model, encoded, index, topVideos));
            var vcmrTop = profile.Time("span search", () => TopSpans(st, ed, topScores, options));
            var vrScores = topScores.cpu().data<float>().ToArray();
            var vrVideos = topVideos.cpu().data<long>().ToArray();
            long k = topVideos.shape[1];
            for (int r = 0; r < info.Count; r++)
            {
                vcmr.Add(new(info[r].DescId, info[r].Desc, vcmrTop[r].Select(s => ToPrediction(s, v => corpusIdx[vrVideos[r * k + v]], options)).ToList()));
                vr.Add(new(info[r].DescId, info[r].Desc, Enumerable.Range(0, (int)k)
                    .Select(v => new Prediction(corpusIdx[vrVideos[r * k + v]], 0, 0, vrScores[r * k + v])).ToList()));
            }
            // SVMR: spans on the ground-truth video only, scored P_st * P_ed.
            var gtRows = Enumerable.Range(0, info.Count).Where(r => info[r].GtVideo is not null).ToList();
            if (gtRows.Count == 0) continue;
            var gt = tensor(gtRows.Select(r => position.TryGetValue(info[r].GtVideo!, out int p) ? (long)p
                : throw new KeyNotFoundException($"ground-truth video '{info[r].GtVideo}' of desc_id {info[r].DescId} is not in the corpus")).ToArray(),
                device: topVideos.device).unsqueeze(1);
            using var rows = tensor(gtRows.Select(r => (long)r).ToArray(), device: topVideos.device);
            using var sub = encoded.Select(rows);
            var svmrTop = profile.Time("svmr", () =>
            {
                var (gst, ged) = Probabilities(model, sub, index, gt);
                return TopSpans(gst, ged, ones(gtRows.Count, 1, device: gst.device), options);
            });
            var gtPositions = gt.cpu().data<long>().ToArray();
            for (int g = 0; g < gtRows.Count; g++)
            {
                int vid = corpusIdx[gtPositions[g]];
                var q = info[gtRows[g]];
                svmr.Add(new(q.DescId, q.Desc, svmrTop[g].Select(s => ToPrediction(s, _ => vid, options)).ToList()));
            }
        }
        return new Submission(video2idx, vcmr, svmr.Count > 0 ? svmr : null, vr);
    }

    /// <summary>(Nq, K) exp(alpha * s) of the K best videos and their positions in the index, best first.</summary>
    public static (Tensor Scores, Tensor Videos) TopVideos<TEnc>(IVideoRetriever<TEnc> retriever, EncodedQueries queries, TEnc index,
        CorpusInferenceOptions options) where TEnc : IDisposable
    {
        var scores = retriever.ScoreVideos(queries, index);
        int k = (int)Math.Min(options.TopVideos, scores.shape[1]);
        var (values, videos) = scores.topk(k, dim: 1);
        return (exp(values * options.Alpha), videos);
    }

    /// <summary>(Nq, K, L) start and end probabilities (softmax over clips; padding at 0).</summary>
    public static (Tensor Start, Tensor End) Probabilities<TEnc>(IMomentLocalizer<TEnc> localizer, EncodedQueries queries, TEnc index,
        Tensor candidates) where TEnc : IDisposable
    {
        var (st, ed) = localizer.SpanLogits(queries, index, candidates);
        return (softmax(st, -1), softmax(ed, -1));
    }

    /// <summary>Queries per span search: bounds the (rows, K, L, MaxSpan - MinSpan) band tensor.</summary>
    private const int SpanRows = 64;

    /// <summary>For each query, the MaxBeforeNms best (video slot, i, j, score) over its K videos, where
    /// score = P_st[i] * videoScore * P_ed[j] and MinSpan &lt;= j - i &lt; MaxSpan (the reference's length mask).</summary>
    /// <remarks>Only the band of valid spans is built, (Nq, K, L, MaxSpan - MinSpan) instead of the reference's
    /// (Nq, K, L, L) product times the mask: 7x less memory and top-k input on TVR, same candidates.</remarks>
    public static List<(int Slot, int Start, int End, float Score)>[] TopSpans(Tensor st, Tensor ed, Tensor videoScores,
        CorpusInferenceOptions options)
    {
        long nq = st.shape[0];
        var result = new List<(int, int, int, float)>[nq];
        for (long r = 0; r < nq; r += SpanRows)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(SpanRows, nq - r);
            TopBandSpans(st.narrow(0, r, n), ed.narrow(0, r, n), videoScores.narrow(0, r, n), options).CopyTo(result, r);
        }
        return result;
    }

    private static List<(int Slot, int Start, int End, float Score)>[] TopBandSpans(Tensor st, Tensor ed, Tensor videoScores,
        CorpusInferenceOptions options)
    {
        long nq = st.shape[0], k = st.shape[1], l = st.shape[2];
        int width = options.MaxSpan - options.MinSpan;
        // window[.., i, d] = P_ed[i + MinSpan + d], zero past the last clip
        var window = nn.functional.pad(ed, [0, options.MaxSpan]).unfold(-1, width, 1).narrow(2, options.MinSpan, l);
        var band = st.unsqueeze(3) * videoScores.unsqueeze(2).unsqueeze(3) * window;
        int top = (int)Math.Min(options.MaxBeforeNms, k * l * width);
        var (values, flat) = band.view(nq, -1).topk(top, dim: 1);
        var v = values.cpu().data<float>().ToArray();
        var f = flat.cpu().data<long>().ToArray();
        var result = new List<(int, int, int, float)>[nq];
        for (int q = 0; q < nq; q++)
        {
            result[q] = new(top);
            for (int t = 0; t < top; t++)
            {
                long x = f[q * top + t];
                if (v[q * top + t] <= 0) break; // only spans past the end or on padding are left
                int i = (int)(x / width % l);
                result[q].Add(((int)(x / (l * width)), i, i + options.MinSpan + (int)(x % width), v[q * top + t]));
            }
        }
        return result;
    }

    private static Prediction ToPrediction((int Slot, int Start, int End, float Score) s, Func<int, int> videoIdx, CorpusInferenceOptions o) =>
        new(videoIdx(s.Slot), s.Start * o.ClipSeconds, (s.End + 1) * o.ClipSeconds, s.Score);

    /// <summary>From <see cref="Run{TModel,TEnc}"/>'s lists to the submission: temporal NMS on VCMR (per video) and
    /// SVMR when <see cref="CorpusInferenceOptions.NmsThreshold"/> is set, then the cut to MaxPredictions.</summary>
    public static Submission Finish(Submission raw, CorpusInferenceOptions options)
    {
        if (options.NmsThreshold is not double thd) return Cut(raw, options.MaxPredictions);
        return Cut(raw with
        {
            Vcmr = raw.Vcmr is null ? null : TemporalNms.Apply(raw.Vcmr, svmr: false, thd, options.MaxBeforeNms, options.MaxPredictions),
            Svmr = raw.Svmr is null ? null : TemporalNms.Apply(raw.Svmr, svmr: true, thd, options.MaxBeforeNms, options.MaxPredictions),
        }, options.MaxPredictions);
    }

    /// <summary>Cuts every list to MaxPredictions (get_submission_top_n).</summary>
    public static Submission Cut(Submission s, int n)
    {
        IReadOnlyList<QueryPredictions>? Trim(IReadOnlyList<QueryPredictions>? list) =>
            list?.Select(q => q with { Predictions = q.Predictions.Take(n).ToList() }).ToList();
        return s with { Vcmr = Trim(s.Vcmr), Svmr = Trim(s.Svmr), Vr = Trim(s.Vr) };
    }
}

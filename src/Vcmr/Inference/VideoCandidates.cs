using Vcmr.Data;

namespace Vcmr.Inference;

/// <summary>One first-stage result: a video (its video_idx) and its first-stage score.</summary>
public readonly record struct VideoCandidate(int VideoIdx, double Score);

/// <summary>
/// First-stage results as data: per desc_id, the top videos best first, with the score the first stage gave them
/// (a retriever's raw score, e.g. XML's cosine; a submission's VR score; a ranklist's score). What a first stage
/// produces and a second stage consumes, whichever produced it: a retriever of the suite
/// (<see cref="RetrieverStage"/>.Retrieve), the VR list of a submission file (<see cref="FromSubmission"/>), or a
/// ranklist in CONQUER's release format (<see cref="CandidatesLmdb"/>).
/// </summary>
public sealed class VideoCandidates
{
    private readonly IReadOnlyDictionary<int, IReadOnlyList<VideoCandidate>> _lists;
    private readonly Lazy<Dictionary<int, string>> _names;

    /// <param name="video2Idx">the video index the video_idx values refer to ({vid_name: video_idx}).</param>
    /// <param name="source">where the lists come from (a file, a model), for messages.</param>
    public VideoCandidates(IReadOnlyDictionary<string, int> video2Idx, IReadOnlyDictionary<int, IReadOnlyList<VideoCandidate>> lists, string source)
    {
        (Video2Idx, _lists, Source) = (video2Idx, lists, source);
        var known = video2Idx.Values.ToHashSet();
        foreach (var (descId, list) in lists)
            for (int i = 0; i < list.Count; i++)
            {
                if (!known.Contains(list[i].VideoIdx))
                    throw new DataFormatException($"{source}: desc_id {descId}: video_idx {list[i].VideoIdx} (entry {i}) is not a video of the index ({video2Idx.Count} videos)");
                if (!double.IsFinite(list[i].Score))
                    throw new DataFormatException($"{source}: desc_id {descId}: score {list[i].Score} (entry {i}) is not finite");
            }
        _names = new(() => video2Idx.ToDictionary(kv => kv.Value, kv => kv.Key));
    }

    public IReadOnlyDictionary<string, int> Video2Idx { get; }
    public string Source { get; }
    public IReadOnlyCollection<int> DescIds => (IReadOnlyCollection<int>)_lists.Keys;
    public int Count => _lists.Count;

    public bool Contains(int descId) => _lists.ContainsKey(descId);

    /// <summary>The candidates of a query, best first; a query without a list is an error naming it and the source.</summary>
    public IReadOnlyList<VideoCandidate> this[int descId] => _lists.TryGetValue(descId, out var list) ? list
        : throw new KeyNotFoundException($"{Source}: desc_id {descId} has no first-stage candidates");

    /// <summary>The vid_name of a video_idx of <see cref="Video2Idx"/>.</summary>
    public string VidName(int videoIdx) => _names.Value.TryGetValue(videoIdx, out var name) ? name
        : throw new KeyNotFoundException($"{Source}: video_idx {videoIdx} is not in its video index");

    /// <summary>The first <paramref name="k"/> candidates of every query.</summary>
    public VideoCandidates Top(int k) => new(Video2Idx,
        _lists.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<VideoCandidate>)kv.Value.Take(k).ToList()), Source);

    /// <summary>The VR lists of a submission ([video_idx, 0, 0, score] rows) as candidates.</summary>
    public static VideoCandidates FromSubmission(Submission submission, string source)
    {
        var vr = submission.Vr ?? throw new DataFormatException($"{source}: the submission has no VR list");
        var lists = new Dictionary<int, IReadOnlyList<VideoCandidate>>();
        foreach (var q in vr)
            if (!lists.TryAdd(q.DescId, q.Predictions.Select(p => new VideoCandidate(p.VideoIdx, p.Score)).ToList()))
                throw new DataFormatException($"{source}: key VR: desc_id {q.DescId} is listed twice");
        return new VideoCandidates(submission.Video2Idx, lists, source);
    }

    /// <summary>A VR-only submission of the candidates (for the official VR metrics), in <paramref name="descs"/>'
    /// order when given (desc_id to desc), else by desc_id.</summary>
    public Submission ToSubmission(IReadOnlyDictionary<int, string>? descs = null)
    {
        var ids = descs?.Keys ?? _lists.Keys.Order();
        return new Submission(Video2Idx, null, null, ids.Select(id => new QueryPredictions(id, descs?[id] ?? "",
            this[id].Select(c => new Prediction(c.VideoIdx, 0, 0, c.Score)).ToList())).ToList());
    }
}

namespace Vcmr.Inference;

/// <summary>One row of a TVR prediction list: [video_idx, st, ed, score]; VR rows have st = ed = 0.</summary>
public readonly record struct Prediction(int VideoIdx, double Start, double End, double Score);

/// <summary>The ranked predictions of one query (the official evaluation reads the first 100, in list order).</summary>
public sealed record QueryPredictions(int DescId, string Desc, IReadOnlyList<Prediction> Predictions);

/// <summary>
/// A TVR submission file: <c>{"video2idx": {...}, "VCMR": [...], "SVMR": [...], "VR": [...]}</c>; a task that was
/// not predicted is null (test_public has no SVMR).
/// </summary>
public sealed record Submission(
    IReadOnlyDictionary<string, int> Video2Idx,
    IReadOnlyList<QueryPredictions>? Vcmr,
    IReadOnlyList<QueryPredictions>? Svmr,
    IReadOnlyList<QueryPredictions>? Vr);

namespace Vcmr.Data;

/// <summary>TVR query type: which modality the annotator used (v = video, t = subtitle text, vt = both).</summary>
public enum QueryType { V, T, VT }

/// <summary>
/// One line of a TVR annotation jsonl. train/val lines carry the ground truth (video, duration, moment, type);
/// test_public lines have only <see cref="Desc"/> and <see cref="DescId"/>.
/// </summary>
public sealed record TvrQuery(
    int DescId,
    string Desc,
    string? VidName = null,
    double? Duration = null,
    double? Start = null,
    double? End = null,
    QueryType? Type = null)
{
    public bool HasGroundTruth => VidName != null && Start != null && End != null;
}

using Vcmr.Data;
using static TorchSharp.torch;

namespace Vcmr.Training;

/// <summary>
/// Queries each with several videos (CONQUER's and PREM's localizer training): query q's videos are rows
/// q * VideosPerQuery .. (q + 1) * VideosPerQuery - 1 of <see cref="Videos"/>, its ground-truth video first, then
/// negatives sampled from its first-stage candidates. A shared-normalisation loss flattens a query's videos into one
/// softmax over VideosPerQuery * L clips, where the ground-truth clip index is the plain label (slot 0).
/// </summary>
/// <param name="StartLabels">(N) int64 start clip of the moment in the ground-truth video (inclusive convention of
/// <see cref="ClipLabels"/>).</param>
/// <param name="EndLabels">(N) int64 end clip, inclusive.</param>
public sealed record CandidateTrainingBatch(QueryBatch Query, ContextBatch Videos, int VideosPerQuery, Tensor StartLabels, Tensor EndLabels)
    : ITrainingBatch
{
    public int Queries => Query.DescIds.Count;

    public CandidateTrainingBatch To(Device device) =>
        new(Query.To(device), Videos.To(device), VideosPerQuery, StartLabels.to(device), EndLabels.to(device));

    public void Dispose()
    {
        Query.Dispose();
        Videos.Dispose();
        StartLabels.Dispose();
        EndLabels.Dispose();
    }
}

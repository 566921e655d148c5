using static TorchSharp.torch;

namespace Vcmr.Data;

// Padded batches handed from the data layer to models. Features are float32; masks are float32 1/0 with the
// padding at the end; every tensor of one batch is on one device. Batches own their tensors: dispose them, or
// create them inside a dispose scope.

/// <summary>Query token features of a batch of queries.</summary>
/// <param name="DescIds">desc_id of each row.</param>
/// <param name="Features">(N, Lq, Dq) token features, L2-normalised per token, cut to max_desc_l.</param>
/// <param name="Mask">(N, Lq) 1 for real tokens.</param>
public sealed record QueryBatch(IReadOnlyList<int> DescIds, Tensor Features, Tensor Mask) : IDisposable
{
    public QueryBatch To(Device device) => new(DescIds, Features.to(device), Mask.to(device));

    public void Dispose()
    {
        Features.Dispose();
        Mask.Dispose();
    }
}

/// <summary>Clip features of a batch of videos; the video and subtitle streams are aligned clip for clip.</summary>
/// <param name="VidNames">vid_name of each row.</param>
/// <param name="Video">(N, L, Dv) visual clip features, or null when the context mode has no video.</param>
/// <param name="Subtitle">(N, L, Ds) subtitle clip features (zero rows for clips without speech), or null.</param>
/// <param name="Mask">(N, L) 1 for real clips (of both streams unless <see cref="SubtitleMask"/> is set).</param>
public sealed record ContextBatch(IReadOnlyList<string> VidNames, Tensor? Video, Tensor? Subtitle, Tensor Mask) : IDisposable
{
    /// <summary>(N, L) 1 for real subtitle clips, when a store's subtitle clips do not follow the visual clip grid
    /// (CONQUER's release pads and masks each stream on its own); null when <see cref="Mask"/> covers both.</summary>
    public Tensor? SubtitleMask { get; init; }

    public ContextBatch To(Device device) =>
        new(VidNames, Video?.to(device), Subtitle?.to(device), Mask.to(device)) { SubtitleMask = SubtitleMask?.to(device) };

    public void Dispose()
    {
        Video?.Dispose();
        Subtitle?.Dispose();
        Mask.Dispose();
        SubtitleMask?.Dispose();
    }
}

/// <summary>Row i pairs query i with its ground-truth video i and the moment's start/end clip labels.</summary>
/// <param name="StartLabels">(N) int64 start clip index.</param>
/// <param name="EndLabels">(N) int64 end clip index (the convention is documented where the data layer builds it).</param>
public sealed record TrainingBatch(QueryBatch Query, ContextBatch Context, Tensor StartLabels, Tensor EndLabels) : ITrainingBatch
{
    public int Queries => Query.DescIds.Count;

    public TrainingBatch To(Device device) =>
        new(Query.To(device), Context.To(device), StartLabels.to(device), EndLabels.to(device));

    public void Dispose()
    {
        Query.Dispose();
        Context.Dispose();
        StartLabels.Dispose();
        EndLabels.Dispose();
    }
}

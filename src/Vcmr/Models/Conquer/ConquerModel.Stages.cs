using Vcmr.Data;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Models.Conquer;

/// <summary>CONQUER's corpus index: every corpus video encoded once (V̂, Ŝ and masks), in corpus order.</summary>
public sealed class ConquerIndex(ConquerVideos videos) : IDisposable
{
    public ConquerVideos Videos { get; } = videos;

    public void Dispose() => Videos.Dispose();
}

public sealed partial class ConquerModel : IMomentLocalizer<ConquerIndex>, ITrainable<CandidateTrainingBatch>, IConfiguredModel, IFeatureWidths
{
    /// <summary>The kind name checkpoints and config.json record.</summary>
    public const string KindName = "conquer";

    public string Kind => KindName;
    object IConfiguredModel.Config => Config;

    public (int? Video, int Text, string VideoKey, string TextKey) FeatureWidths =>
        (Config.HasVisual ? Config.VisualDim : null, Config.TextDim, $"ConquerConfig.{nameof(ConquerConfig.VisualDim)}", $"ConquerConfig.{nameof(ConquerConfig.TextDim)}");

    /// <summary>Q̂ and its mask, under the names "query" and "query_mask".</summary>
    public EncodedQueries EncodeQueries(QueryBatch queries)
    {
        var q = EncodeQueries(queries.Features, queries.Mask);
        return new EncodedQueries(queries, [KeyValuePair.Create("query", q.Tokens), KeyValuePair.Create("query_mask", q.Mask)]);
    }

    public ConquerIndex IndexCorpus(VideoCorpus corpus) => new(EncodeCorpus(corpus.Batches()));

    public MomentLogits Localize(EncodedQueries queries, ConquerIndex index, Tensor candidates)
    {
        var o = ScoreCandidates(new ConquerQueries(queries["query"], queries["query_mask"]), index.Videos, candidates);
        return new MomentLogits(o.Begin, o.End, o.Video);
    }

    /// <summary>The shared-normalisation loss (<see cref="ConquerLoss"/>) of a batch of queries with their videos,
    /// parts "moment_ce" (weight lw_st_ed) and, for exclusive, "video_ce" (weight lw_video_ce).</summary>
    public LossParts Loss(CandidateTrainingBatch batch, TrainingStep step)
    {
        using var scope = NewDisposeScope();
        using var outputs = Forward(batch.Query, batch.Videos, batch.VideosPerQuery);
        var (total, moment, video) = ConquerLoss.Compute(Config, outputs, batch.StartLabels, batch.EndLabels);
        var parts = new List<LossPart> { new("moment_ce", moment.item<float>(), Config.LossWeightStartEnd, "start + end CE (shared normalisation)") };
        if (video is not null) parts.Add(new("video_ce", video.item<float>(), Config.LossWeightVideoCe, "video CE"));
        return new LossParts(total.MoveToOuterDisposeScope(), parts);
    }
}

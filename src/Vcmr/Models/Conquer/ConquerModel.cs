using TorchSharp;
using TorchSharp.Modules;
using Vcmr.Data;
using Vcmr.Models.Layers;
using static TorchSharp.torch;

namespace Vcmr.Models.Conquer;

/// <summary>A query batch as CONQUER's query encoder leaves it: Q̂ (N, MaxQueryLength, D) and its (N, MaxQueryLength) mask.</summary>
public sealed record ConquerQueries(Tensor Tokens, Tensor Mask) : IDisposable
{
    public ConquerQueries Select(Tensor rows) => new(Tokens.index_select(0, rows), Mask.index_select(0, rows));

    public void Dispose()
    {
        Tokens.Dispose();
        Mask.Dispose();
    }
}

/// <summary>Videos as CONQUER's video encoder leaves them (query-independent): V̂ and Ŝ (N, W, D) of the streams the
/// context mode reads, the clip mask (N, W) and the subtitle mask (the clip mask unless the stores differ).</summary>
public sealed record ConquerVideos(Tensor? Visual, Tensor? Sub, Tensor Mask, Tensor SubMask) : IDisposable
{
    public long Width => Mask.shape[1];

    /// <summary>The videos at <paramref name="rows"/>, first <paramref name="width"/> positions.</summary>
    public ConquerVideos Gather(Tensor rows, long width) => new(
        Visual?.index_select(0, rows).narrow(1, 0, width), Sub?.index_select(0, rows).narrow(1, 0, width),
        Mask.index_select(0, rows).narrow(1, 0, width), SubMask.index_select(0, rows).narrow(1, 0, width));

    public void Dispose()
    {
        Visual?.Dispose();
        Sub?.Dispose();
        Mask.Dispose();
        SubMask.Dispose();
    }
}

/// <summary>CONQUER's outputs for queries each with N videos.</summary>
/// <param name="Begin">(Nq, N, W) begin logits, -1e10 on padding.</param>
/// <param name="End">(Nq, N, W) end logits.</param>
/// <param name="Video">(Nq, N) video-scoring logits (exclusive only), else null.</param>
public sealed record ConquerOutputs(Tensor Begin, Tensor End, Tensor? Video) : IDisposable
{
    public void Dispose()
    {
        Begin.Dispose();
        End.Dispose();
        Video?.Dispose();
    }
}

/// <summary>
/// CONQUER (Hou, Ngo and Chan, ACM MM 2021), faithful to houzhijian/CONQUER d4af371 (model/conquer.py and the modules
/// it builds); submodule names follow the reference's state dict, so its checkpoints map by name. A second-stage
/// localiser: for each (query, candidate video) pair, query-dependent fusion of the encoded visual and subtitle clips,
/// context-query attention, a contextual transformer, begin/end heads with ConvSE and, for the exclusive similarity, a
/// video scoring head.
/// </summary>
/// <remarks>
/// The video encoder never sees the query, so a video is encoded once however many queries keep it
/// (<see cref="EncodeVideos"/>); the reference re-encodes it for every pair. The reference pads every video to
/// MaxContextLength clips; a padded clip p influences a real clip only through ConvSE's window (it is masked as a key
/// everywhere else, and its own features depend on p alone), so the heads of the general and disjoint measures run
/// on the first (longest real length + kernel/2) positions, with the same logits on every real clip. The exclusive
/// head max-pools every position, padding included, so it keeps all MaxContextLength of them.
/// </remarks>
public sealed partial class ConquerModel : nn.Module
{
    public ConquerConfig Config { get; }

    private readonly VideoQueryEncoder encoder;
    private readonly QueryWeightEncoder? query_weight;
    private readonly BiDirectionalAttention query_aware_feature_learning_layer;
    private readonly FCPlusTransformer contextual_QAL_feature_learning;
    private readonly MomentLocalizationHead moment_localization_head;
    private readonly VideoScoringHead? video_scoring_head;

    public ConquerModel(ConquerConfig config) : base(nameof(ConquerModel))
    {
        Config = config.Validate();
        encoder = new VideoQueryEncoder(config);
        if (config.UsesQueryWeights) query_weight = new QueryWeightEncoder(config);
        query_aware_feature_learning_layer = new BiDirectionalAttention(config.HiddenSize);
        contextual_QAL_feature_learning = new FCPlusTransformer(config, 4 * config.HiddenSize);
        moment_localization_head = new MomentLocalizationHead(config);
        if (config.Similarity == SimilarityMeasure.Exclusive) video_scoring_head = new VideoScoringHead(config);
        RegisterComponents();
        BertInit.Apply(this, Config.InitializerRange);
    }

    /// <summary>mask_logits as the heads apply it: logits on real clips, <see cref="BiDirectionalAttention.VeryNegative"/>
    /// on padding. (model/modeling_utils.py's ConvSE fill is -1e4; both vanish in a softmax, and -1e10 keeps a padded
    /// clip out of the disjoint measure's sums.)</summary>
    public static Tensor MaskLogits(Tensor logits, Tensor mask) => logits * mask + (1 - mask) * BiDirectionalAttention.VeryNegative;

    /// <summary>Q̂ of a query batch, padded (or cut) to MaxQueryLength tokens as the reference's loader pads.</summary>
    public ConquerQueries EncodeQueries(Tensor features, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var (f, m) = (Fit(features, Config.MaxQueryLength), Fit(mask, Config.MaxQueryLength));
        return new ConquerQueries(encoder.EncodeQuery(f, m).MoveToOuterDisposeScope(), m.MoveToOuterDisposeScope());
    }

    /// <summary>V̂ and Ŝ of a batch of videos, padded to the width the similarity measure needs: MaxContextLength for
    /// exclusive, the longest video + kernel/2 (at most MaxContextLength) otherwise.</summary>
    public ConquerVideos EncodeVideos(ContextBatch videos)
    {
        using var scope = NewDisposeScope();
        if (videos.Mask.shape[1] > Config.MaxContextLength && videos.Mask.narrow(1, Config.MaxContextLength, videos.Mask.shape[1] - Config.MaxContextLength).any().item<bool>())
            throw new ArgumentException($"videos of up to {videos.Mask.shape[1]} clips, but ConquerConfig.MaxContextLength = {Config.MaxContextLength} "
                + $"(max_ctx_len): read the features with FeatureOptions.MaxCtxLen <= {Config.MaxContextLength}, so that labels and clips agree");
        long width = Width(videos.Mask);
        var mask = Fit(videos.Mask, width);
        var subMask = videos.SubtitleMask is null ? mask : Fit(videos.SubtitleMask, width);
        Tensor? visual = null, sub = null;
        if (Config.HasVisual)
            visual = Fit(videos.Video ?? throw new ArgumentException("ContextBatch.Video is null but CONQUER's context mode reads the visual stream"), width);
        if (Config.HasSub)
            sub = Fit(videos.Subtitle ?? throw new ArgumentException("ContextBatch.Subtitle is null but CONQUER's context mode reads subtitles"), width);
        var (v, s) = encoder.EncodeVideo(visual, sub, mask, subMask);
        return new ConquerVideos(v?.MoveToOuterDisposeScope(), s?.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope(),
            ReferenceEquals(subMask, mask) ? mask.alias().MoveToOuterDisposeScope() : subMask.MoveToOuterDisposeScope());
    }

    /// <summary>Positions the heads need for clips with this mask: see the class remarks.</summary>
    private long Width(Tensor mask)
    {
        if (Config.Similarity == SimilarityMeasure.Exclusive) return Config.MaxContextLength;
        long longest = mask.sum(1).max().item<float>() is var f ? (long)f : 0;
        return Math.Min(Config.MaxContextLength, longest + Config.ConvKernelSize / 2);
    }

    /// <summary>The first <paramref name="width"/> columns of (N, L, ...) <paramref name="x"/>, zero-padded when L is shorter.</summary>
    private static Tensor Fit(Tensor x, long width)
    {
        long l = x.shape[1];
        if (l == width) return x.alias();
        if (l > width) return x.narrow(1, 0, width);
        var pad = new long[2 * (x.dim() - 1)];
        pad[^1] = width - l; // (left, right) pairs from the last axis back: pad axis 1 on the right
        return nn.functional.pad(x, pad);
    }

    /// <summary>
    /// Begin/end (and video) logits of queries each with <paramref name="videosPerQuery"/> videos: query q pairs with
    /// rows q * N .. (q + 1) * N - 1 of <paramref name="videos"/>. The query is repeated per video before anything
    /// else reads it (as the reference's repeat_interleave), so each pair draws its own dropout.
    /// </summary>
    public ConquerOutputs Score(ConquerQueries queries, ConquerVideos videos, int videosPerQuery)
    {
        using var scope = NewDisposeScope();
        long nq = queries.Tokens.shape[0];
        if (videos.Mask.shape[0] != nq * videosPerQuery)
            throw new ArgumentException($"{videos.Mask.shape[0]} videos for {nq} queries x {videosPerQuery} videos each");
        var q = queries.Tokens.repeat_interleave(videosPerQuery, 0);
        var qMask = queries.Mask.repeat_interleave(videosPerQuery, 0);
        var fused = Fuse(q, videos);
        var qal = query_aware_feature_learning_layer.forward(fused, q, videos.Mask, qMask);
        var contextual = contextual_QAL_feature_learning.forward(qal, videos.Mask);
        var g = cat([qal, contextual], 2);
        var (begin, end) = moment_localization_head.forward(g, contextual, videos.Mask);
        var video = video_scoring_head?.forward(g, videos.Mask).view(nq, videosPerQuery);
        long w = videos.Width;
        return new ConquerOutputs(begin.view(nq, videosPerQuery, w).MoveToOuterDisposeScope(), end.view(nq, videosPerQuery, w).MoveToOuterDisposeScope(),
            video?.MoveToOuterDisposeScope());
    }

    /// <summary>QDF: the clips of each pair as w_vis V̂ + w_sub Ŝ (query-dependent weights), the plain mean of the
    /// streams without QDF, or the one stream.</summary>
    private Tensor Fuse(Tensor queryTokens, ConquerVideos videos)
    {
        if (videos.Visual is null || videos.Sub is null) return (videos.Visual ?? videos.Sub)!.alias();
        if (query_weight is null) return videos.Visual / 2 + videos.Sub / 2;
        using var w = query_weight.forward(queryTokens);
        return videos.Visual * w[.., 0..1].unsqueeze(2) + videos.Sub * w[.., 1..2].unsqueeze(2);
    }

    /// <summary>(N, 2) QDF weights (visual, subtitle) of encoded queries; null without QDF.</summary>
    public Tensor? QueryWeights(ConquerQueries queries) => query_weight?.forward(queries.Tokens);

    /// <summary>The context-query attention of each pair (query q with video row q): V2Q's softmax over the words,
    /// (N, W, Lq), with the masked similarity it comes from.</summary>
    public (Tensor Attention, Tensor Similarity) ContextQueryAttention(ConquerQueries queries, ConquerVideos videos)
    {
        using var scope = NewDisposeScope();
        var fused = Fuse(queries.Tokens, videos);
        var s = query_aware_feature_learning_layer.Similarity(fused, queries.Tokens, videos.Mask, queries.Mask);
        return (softmax(s, -1).MoveToOuterDisposeScope(), s.MoveToOuterDisposeScope());
    }

    /// <summary>Training and evaluation forward of a batch whose query q comes with rows q * N .. (q + 1) * N - 1 of
    /// <paramref name="videos"/> (ground truth first when training).</summary>
    public ConquerOutputs Forward(QueryBatch queries, ContextBatch videos, int videosPerQuery)
    {
        using var q = EncodeQueries(queries.Features, queries.Mask);
        using var v = EncodeVideos(videos);
        return Score(q, v, videosPerQuery);
    }
}

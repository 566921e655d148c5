using TorchSharp;
using TorchSharp.Modules;
using Vcmr.Data;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Models.Baselines.Mee;

/// <summary>What MEE keeps of a corpus: each video's embedding per stream (N, OutputSize), unit rows; null for a
/// stream the context mode does not read.</summary>
public sealed record MeeIndex(Tensor? Video, Tensor? Sub) : IDisposable
{
    /// <summary>Chunks of a corpus, concatenated in order.</summary>
    public static MeeIndex Concat(IReadOnlyList<MeeIndex> chunks) =>
        new(chunks[0].Video is null ? null : cat(chunks.Select(c => c.Video!).ToArray(), 0),
            chunks[0].Sub is null ? null : cat(chunks.Select(c => c.Sub!).ToArray(), 0));

    public void Dispose()
    {
        Video?.Dispose();
        Sub?.Dispose();
    }
}

/// <summary>
/// Mixture of Embedding Experts for video retrieval (Miech et al. 2018), faithful to TVR's
/// baselines/mixture_embedding_experts/model.py; submodule names match its state dict. The query's tokens are
/// NetVLAD-pooled (2 clusters); per stream a gated embedding unit maps the pooled query and another maps the video's
/// mean-pooled clip features into a 256-d space; a linear layer on the pooled query gives the two stream weights
/// (used as they come: the reference applies no softmax), and the score is w_v &lt;q_v, v&gt; + w_s &lt;q_s, s&gt;.
/// </summary>
public sealed class MeeModel : nn.Module, IVideoRetriever<MeeIndex>, ITrainable<TrainingBatch>, IConfiguredModel, IFeatureWidths
{
    public const string KindName = "mee";

    /// <summary>The query encoding's name: the NetVLAD-pooled query (model.py's pooled_query).</summary>
    public const string PooledQuery = "pooled_query";

    /// <summary>The loss part: the bidirectional max-margin ranking loss.</summary>
    public const string MaxMarginPart = "max_margin";

    public MeeConfig Config { get; }
    public string Kind => KindName;
    object IConfiguredModel.Config => Config;

    public (int? Video, int Text, string VideoKey, string TextKey) FeatureWidths =>
        (Config.HasVideo ? Config.VisualDim : null, Config.TextDim, $"MeeConfig.{nameof(MeeConfig.VisualDim)}", $"MeeConfig.{nameof(MeeConfig.TextDim)}");

    private readonly MeeNetVlad query_pooling;
    private readonly GatedEmbeddingUnit? video_query_gu, video_gu, sub_query_gu, sub_gu;
    private readonly Linear? moe_fc;

    public MeeModel(MeeConfig config) : base(nameof(MeeModel))
    {
        Config = config.Validate();
        query_pooling = new MeeNetVlad(config.Clusters, config.TextDim);
        int pooled = query_pooling.OutputDim;
        if (config.HasSub)
            (sub_query_gu, sub_gu) = (new GatedEmbeddingUnit(pooled, config.OutputSize), new GatedEmbeddingUnit(config.TextDim, config.OutputSize));
        if (config.HasVideo)
            (video_query_gu, video_gu) = (new GatedEmbeddingUnit(pooled, config.OutputSize), new GatedEmbeddingUnit(config.VisualDim, config.OutputSize));
        if (config.HasVideo && config.HasSub) moe_fc = nn.Linear(pooled, 2);
        RegisterComponents();
    }

    /// <summary>(N, Clusters * TextDim): the NetVLAD-pooled query, its tokens zero-padded to MaxQueryLength (see
    /// <see cref="MeeConfig.MaxQueryLength"/>).</summary>
    public Tensor PoolQuery(QueryBatch queries)
    {
        long l = queries.Features.shape[1];
        if (l > Config.MaxQueryLength)
            throw new ArgumentException($"query batch has {l} tokens, more than MeeConfig.MaxQueryLength = {Config.MaxQueryLength} (read the queries with max_desc_l {Config.MaxQueryLength})");
        using var padded = nn.functional.pad(queries.Features, [0, 0, 0, Config.MaxQueryLength - l]);
        return query_pooling.forward(padded);
    }

    /// <summary>(N, 2) mixture weights (video, subtitle) of each query, from the pooled query; a one-stream model has none.</summary>
    public Tensor MixtureWeights(Tensor pooledQuery) => (moe_fc ?? throw new InvalidOperationException(
        $"MeeConfig.ContextMode {Config.ContextMode} has one stream: there are no mixture weights")).forward(pooledQuery);

    /// <summary>Each video's embedding per stream, from its clips: the mean over the real clips (at most
    /// MaxContextLength), L2-normalised where the config says, through the stream's gated embedding unit.</summary>
    public MeeIndex EncodeContext(ContextBatch context)
    {
        using var scope = NewDisposeScope();
        var (video, sub) = PoolContext(context);
        var encoded = new MeeIndex(video is null ? null : video_gu!.forward(video), sub is null ? null : sub_gu!.forward(sub));
        encoded.Video?.MoveToOuterDisposeScope();
        encoded.Sub?.MoveToOuterDisposeScope();
        return encoded;
    }

    /// <summary>(N, Dv) and (N, Ds) mean-pooled clip features (retrieval_dataset.py: np.mean over the first max_ctx_l
    /// clips, then l2_normalize_np_array, x / (|x| + 1e-5), where the data options normalise).</summary>
    public (Tensor? Video, Tensor? Sub) PoolContext(ContextBatch context)
    {
        using var scope = NewDisposeScope();
        var mask = context.Mask.narrow(1, 0, Math.Min(context.Mask.shape[1], Config.MaxContextLength));
        var count = mask.sum(1, keepdim: true);
        Tensor? Pool(Tensor? clips, bool normalize, string stream)
        {
            if (clips is null) throw new ArgumentException($"ContextBatch.{stream} is null but MeeConfig.ContextMode {Config.ContextMode} reads it");
            var mean = (clips.narrow(1, 0, mask.shape[1]) * mask.unsqueeze(2)).sum(1) / count;
            return (normalize ? mean / (mean.norm(1, keepdim: true) + 1e-5) : mean).MoveToOuterDisposeScope();
        }
        return (Config.HasVideo ? Pool(context.Video, Config.NormalizeVideo, "Video") : null,
            Config.HasSub ? Pool(context.Subtitle, Config.NormalizeSubtitle, "Subtitle") : null);
    }

    /// <summary>(Nq, Nv) scores of every query against every encoded video (get_score_from_pooled_query_with_encoded_ctx).</summary>
    public Tensor Scores(Tensor pooledQuery, MeeIndex encoded)
    {
        using var scope = NewDisposeScope();
        var video = encoded.Video is null ? null : video_query_gu!.forward(pooledQuery).mm(encoded.Video.t());
        var sub = encoded.Sub is null ? null : sub_query_gu!.forward(pooledQuery).mm(encoded.Sub.t());
        if (video is null || sub is null) return (video ?? sub)!.MoveToOuterDisposeScope();
        var w = MixtureWeights(pooledQuery);
        return (w[.., 0..1] * video + w[.., 1..2] * sub).MoveToOuterDisposeScope();
    }

    public EncodedQueries EncodeQueries(QueryBatch queries) => new(queries, [KeyValuePair.Create(PooledQuery, PoolQuery(queries))]);

    /// <summary>Every video's per-stream embedding (inference.py's compute_context_embeddings).</summary>
    public MeeIndex IndexCorpus(VideoCorpus corpus) => CorpusEncoding.EncodeAll(corpus, EncodeContext, MeeIndex.Concat);

    public Tensor ScoreVideos(EncodedQueries queries, MeeIndex index) => Scores(queries[PooledQuery], index);

    /// <summary>The max-margin ranking loss over the batch's in-batch negatives (the videos of the other pairs, a
    /// repeated video included, as in the reference).</summary>
    public LossParts Loss(TrainingBatch batch, TrainingStep step)
    {
        using var scope = NewDisposeScope();
        var loss = MaxMarginRankingLoss.Compute(Forward(batch), Config.Margin);
        return new LossParts(loss.MoveToOuterDisposeScope(), [new(MaxMarginPart, loss.item<float>(), 1, "max-margin ranking")]);
    }

    /// <summary>(N, N) scores of a paired batch (query i, video i): the diagonal holds the positives.</summary>
    public Tensor Forward(TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        using var encoded = EncodeContext(batch.Context);
        return Scores(PoolQuery(batch.Query), encoded).MoveToOuterDisposeScope();
    }
}

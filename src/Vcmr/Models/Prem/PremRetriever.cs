using TorchSharp;
using Vcmr.Data;
using Vcmr.Models.Layers;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Models.Prem;

/// <summary>
/// PREM's multi-modal collaborative video retriever (late fusion, the first stage): a query word transformer with
/// modality-specific pooling gives q_img and q_sub; a multi-modal video transformer gives contextual image and subtitle
/// clips; s(q, v) = 1/2 [max_j cos(q_img, h_img_j) + max_j cos(q_sub, h_sub_j)]. Videos are encoded once per corpus
/// (its index: the clips L2-normalised), queries once per batch, and scoring is one GEMM per chunk of videos. Trained
/// with relevant-content-enhanced contrastive learning on paired in-batch batches (<see cref="RelevantContentContrastive"/>).
/// </summary>
public sealed class PremRetriever : nn.Module, IVideoRetriever<PremVideo>, ITrainable<TrainingBatch>, IConfiguredModel, IFeatureWidths
{
    /// <summary>The model kind in <see cref="ModelRegistry"/> and checkpoints.</summary>
    public const string KindName = "prem-retriever";

    /// <summary>Names of the query encodings.</summary>
    public const string ImageQuery = "image_query", SubQuery = "sub_query";

    public PremRetrieverConfig Config { get; }
    public string Kind => KindName;
    object IConfiguredModel.Config => Config;

    private readonly PremQueryEncoder query_encoder;
    private readonly PremVideoEncoder video_encoder;

    public PremRetriever(PremRetrieverConfig config) : base(nameof(PremRetriever))
    {
        Config = config.Validate();
        query_encoder = new PremQueryEncoder(config, modalities: 2);
        video_encoder = new PremVideoEncoder(config, image: true, subtitle: true);
        RegisterComponents();
        BertInit.Apply(this, config.InitializerRange);
    }

    public (int? Video, int Text, string VideoKey, string TextKey) FeatureWidths =>
        (Config.VisualDim, Config.TextDim, $"{nameof(PremRetrieverConfig)}.{nameof(PremEncoderConfig.VisualDim)}", $"{nameof(PremRetrieverConfig)}.{nameof(PremEncoderConfig.TextDim)}");

    /// <summary>Words, mask and (q_img, q_sub) as (N, 2, D).</summary>
    public PremQuery EncodeQuery(QueryBatch queries) => query_encoder.forward(queries);

    /// <summary>Contextual image and subtitle clips.</summary>
    public PremVideo EncodeVideos(ContextBatch videos) => video_encoder.forward(videos);

    /// <summary>(N, Lq, 2) modality-specific pooling weights of each word (image column 0, subtitle column 1); null
    /// for max pooling.</summary>
    public Tensor? WordWeights(QueryBatch queries) => query_encoder.WordWeights(queries);

    public EncodedQueries EncodeQueries(QueryBatch queries)
    {
        using var q = EncodeQuery(queries);
        return new EncodedQueries(queries, [KeyValuePair.Create(ImageQuery, q.Vectors[.., 0].contiguous()), KeyValuePair.Create(SubQuery, q.Vectors[.., 1].contiguous())]);
    }

    /// <summary>Every video encoded once, each stream made ready for <see cref="MaxClipCosine"/> scoring.</summary>
    public PremVideo IndexCorpus(VideoCorpus corpus)
    {
        using var encoded = CorpusEncoding.EncodeAll(corpus, EncodeVideos, PremVideo.Concat);
        using var scope = NewDisposeScope();
        return new PremVideo(MaxClipCosine.Prepare(encoded.Image!, encoded.Mask), MaxClipCosine.Prepare(encoded.Subtitle!, encoded.Mask),
            encoded.Mask.clone()).MoveToOuterDisposeScope();
    }

    public Tensor ScoreVideos(EncodedQueries queries, PremVideo index)
    {
        using var scope = NewDisposeScope();
        var image = MaxClipCosine.Scores(queries[ImageQuery], index.Image!);
        var subtitle = MaxClipCosine.Scores(queries[SubQuery], index.Subtitle!);
        return ((image + subtitle) / 2).MoveToOuterDisposeScope();
    }

    /// <summary>(Nq, Nv, L) cosines of every query's image and subtitle vector with every clip of every video.</summary>
    public (Tensor Image, Tensor Subtitle) ClipSimilarities(PremQuery query, PremVideo videos)
    {
        using var scope = NewDisposeScope();
        Tensor Cos(Tensor q, Tensor clips) =>
            mm(nn.functional.normalize(q, dim: -1), nn.functional.normalize(clips, dim: -1).view(-1, clips.shape[^1]).t())
                .view(q.shape[0], clips.shape[0], clips.shape[1]).MoveToOuterDisposeScope();
        return (Cos(query.Vectors[.., 0], videos.Image!), Cos(query.Vectors[.., 1], videos.Subtitle!));
    }

    /// <summary>Clip cosines of a paired batch: every query against every video of the batch (query i's is video i).</summary>
    public (Tensor Image, Tensor Subtitle) Forward(TrainingBatch batch)
    {
        using var query = EncodeQuery(batch.Query);
        using var videos = EncodeVideos(batch.Context);
        return ClipSimilarities(query, videos);
    }

    /// <summary>The contrastive loss on a paired batch (query i with its ground-truth video i).</summary>
    public LossParts Loss(TrainingBatch batch, TrainingStep step)
    {
        using var scope = NewDisposeScope();
        var (image, subtitle) = Forward(batch);
        using var scores = RelevantContentContrastive.Scores(Config, image, subtitle, batch.Context.Mask, batch.StartLabels, batch.EndLabels);
        var loss = RelevantContentContrastive.Loss(Config, scores, SameVideo(batch.Context.VidNames, image.device));
        loss.Total.MoveToOuterDisposeScope();
        return loss;
    }

    /// <summary>The strong and weak positive clips the loss picks for each query of a paired batch, and the (N, 2, L)
    /// cosines of its image (row 0) and subtitle (row 1) vector with the clips of its own video.</summary>
    public (PositiveClips Clips, Tensor OwnSimilarities) Positives(TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        var (image, subtitle) = Forward(batch);
        var clips = RelevantContentContrastive.Select(Config, image, subtitle, batch.Context.Mask, batch.StartLabels, batch.EndLabels);
        var own = stack([image.diagonal(0, 0, 1).t(), subtitle.diagonal(0, 0, 1).t()], 1);
        clips.Strong.MoveToOuterDisposeScope();
        clips.Weak.MoveToOuterDisposeScope();
        return (clips, own.MoveToOuterDisposeScope());
    }

    /// <summary>(N, N) bool: rows i and j hold the same video.</summary>
    internal static Tensor SameVideo(IReadOnlyList<string> vidNames, Device device)
    {
        int n = vidNames.Count;
        var same = new bool[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) same[i * n + j] = vidNames[i] == vidNames[j];
        return tensor(same, [n, n], device: device);
    }
}

using TorchSharp;
using TorchSharp.Modules;
using Vcmr.Data;
using Vcmr.Models.Layers;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Models.Prem;

/// <summary>What the localizer attends to for one query in one video (<see cref="PremLocalizer.Inspect"/>).</summary>
/// <param name="WordWeights">(Lq, M) pooling weight of each word per modality (image first); null for max pooling.</param>
/// <param name="Gates">(M, L) mean gate activation of each clip per modality; null without gates.</param>
/// <param name="CrossAttention">(layers, L, Lq) fusion transformer cross-attention, mean over heads.</param>
/// <param name="Start">(L) start probabilities over the video's clips.</param>
/// <param name="End">(L) end probabilities.</param>
public sealed record PremAttention(Tensor? WordWeights, Tensor? Gates, Tensor CrossAttention, Tensor Start, Tensor End) : IDisposable
{
    public void Dispose()
    {
        foreach (var t in new[] { WordWeights, Gates, CrossAttention, Start, End }) t?.Dispose();
    }
}

/// <summary>
/// PREM's focus-then-fuse moment localizer (early fusion, the second stage; see <see cref="PremLocalizerConfig"/>).
/// The multi-modal video transformer does not read the query, so a corpus is encoded once (its index); per (query,
/// candidate video) pair the modality gates focus each stream on the query, an FC fuses the streams, the fusion
/// transformer attends over clips and to the query words, and two ConvSE heads give start and end logits. Trained on
/// a query's ground-truth video and its hard negatives (<see cref="CandidateTrainingBatch"/>) with shared-normalisation
/// cross-entropy plus the relevant-content adversarial loss.
/// </summary>
public sealed class PremLocalizer : nn.Module, IMomentLocalizer<PremVideo>, ITrainable<CandidateTrainingBatch>, IConfiguredModel, IFeatureWidths
{
    /// <summary>The model kind in <see cref="ModelRegistry"/> and checkpoints.</summary>
    public const string KindName = "prem-localizer";

    /// <summary>Names of the query encodings: word representations (N, Lq, D) and modality vectors (N, M, D).</summary>
    public const string Words = "words", QueryVectors = "query_vectors";

    /// <summary>Loss part names.</summary>
    public const string Boundary = "st_ed", AdversarialPart = "adv";

    /// <summary>(query, video) pairs per chunk at inference: bounds the (pairs, L, D) activations.</summary>
    private const int PairChunk = 256;

    public PremLocalizerConfig Config { get; }
    public string Kind => KindName;
    object IConfiguredModel.Config => Config;

    private readonly PremQueryEncoder query_encoder;
    private readonly PremVideoEncoder video_encoder;
    private readonly ModalityGate? image_gate, sub_gate;
    private readonly Linear? fusion;
    private readonly BertCrossEncoder fusion_encoder;
    private readonly BoundaryHead start_head, end_head;
    private readonly AdversarialClassifier? adversarial;

    public PremLocalizer(PremLocalizerConfig config) : base(nameof(PremLocalizer))
    {
        Config = config.Validate();
        int d = config.HiddenSize;
        query_encoder = new PremQueryEncoder(config, config.ModalityCount);
        video_encoder = new PremVideoEncoder(config, config.UseImage, config.UseSubtitle);
        if (config.ModalityGates)
        {
            if (config.UseImage) image_gate = new ModalityGate(d, config.Gate);
            if (config.UseSubtitle) sub_gate = new ModalityGate(d, config.Gate);
        }
        if (config.ModalityCount == 2) fusion = nn.Linear(2 * d, d);
        fusion_encoder = new BertCrossEncoder(config.FusionLayers, d, config.Heads, config.IntermediateSize, config.Dropout);
        start_head = new BoundaryHead(d, config.BoundaryChannels, config.BoundaryKernelSize);
        end_head = new BoundaryHead(d, config.BoundaryChannels, config.BoundaryKernelSize);
        if (config.Adversarial) adversarial = new AdversarialClassifier(config);
        RegisterComponents();
        BertInit.Apply(this, config.InitializerRange);
    }

    public (int? Video, int Text, string VideoKey, string TextKey) FeatureWidths =>
        (Config.UseImage ? Config.VisualDim : null, Config.TextDim,
            $"{nameof(PremLocalizerConfig)}.{nameof(PremEncoderConfig.VisualDim)}", $"{nameof(PremLocalizerConfig)}.{nameof(PremEncoderConfig.TextDim)}");

    public EncodedQueries EncodeQueries(QueryBatch queries)
    {
        var q = query_encoder.forward(queries);
        return new EncodedQueries(queries, [KeyValuePair.Create(Words, q.Words), KeyValuePair.Create(QueryVectors, q.Vectors)]);
    }

    /// <summary>Every video encoded once by the localizer's own video transformer.</summary>
    public PremVideo IndexCorpus(VideoCorpus corpus) => CorpusEncoding.EncodeAll(corpus, video_encoder.forward, PremVideo.Concat);

    public MomentLogits Localize(EncodedQueries queries, PremVideo index, Tensor candidates)
    {
        using var scope = NewDisposeScope();
        long nq = candidates.shape[0], k = candidates.shape[1], l = index.Mask.shape[1];
        var query = new PremQuery(queries[Words], queries.Batch.Mask, queries[QueryVectors]);
        var flat = candidates.flatten();
        var starts = new List<Tensor>();
        var ends = new List<Tensor>();
        for (long p = 0; p < nq * k; p += PairChunk)
        {
            using var chunkScope = NewDisposeScope();
            var pairs = arange(p, Math.Min(p + PairChunk, nq * k), dtype: int64, device: flat.device);
            var (st, ed) = Logits(Select(query, pairs.div(k, rounding_mode: RoundingMode.floor)), index.Select(flat.index_select(0, pairs)));
            starts.Add(st.MoveToOuterDisposeScope());
            ends.Add(ed.MoveToOuterDisposeScope());
        }
        return new MomentLogits(cat(starts, 0).view(nq, k, l).MoveToOuterDisposeScope(), cat(ends, 0).view(nq, k, l).MoveToOuterDisposeScope());
    }

    /// <summary>(P, L) start and end logits of P (query, video) pairs, row by row.</summary>
    public (Tensor Start, Tensor End) Logits(PremQuery query, PremVideo videos)
    {
        using var scope = NewDisposeScope();
        var fused = Fuse(query, videos);
        return (start_head.forward(fused, videos.Mask).MoveToOuterDisposeScope(), end_head.forward(fused, videos.Mask).MoveToOuterDisposeScope());
    }

    /// <summary>(P, L, D) the fusion transformer's clips for P (query, video) pairs: focus (gates), fuse (FC), then
    /// self-attention over clips and cross-attention to the query words.</summary>
    public Tensor Fuse(PremQuery query, PremVideo videos)
    {
        using var scope = NewDisposeScope();
        return fusion_encoder.forward(Focused(query, videos), videos.Mask, query.Words, query.Mask).MoveToOuterDisposeScope();
    }

    // The gate of each stream the localizer reads, in stream order (null without gates).
    private IReadOnlyList<ModalityGate?> Gates => new[] { image_gate, sub_gate }.Where((_, m) => m == 0 ? Config.UseImage : Config.UseSubtitle).ToList();

    // The gated streams fused into one clip sequence (the fusion transformer's input).
    private Tensor Focused(PremQuery query, PremVideo videos)
    {
        var gates = Gates;
        var gated = videos.Streams.Select((h, m) => gates[m] is { } gate ? gate.forward(h, query.Vectors[.., m]) : h).ToArray();
        return fusion is null ? gated[0] : fusion.forward(cat(gated, -1));
    }

    /// <summary>Forward pass on a training batch: (N, V, L) start and end logits of each query over its videos (slot 0
    /// the ground truth) and the (N * V, L, D) fused clips the adversarial classifier reads.</summary>
    public (Tensor Start, Tensor End, Tensor Fused) Forward(CandidateTrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        long n = batch.Queries, v = batch.VideosPerQuery;
        if (batch.Videos.Mask.shape[0] != n * v)
            throw new ArgumentException($"the batch has {batch.Videos.Mask.shape[0]} videos for {n} queries x {v} videos per query");
        using var query = query_encoder.forward(batch.Query);
        using var videos = EncodeDistinct(batch.Videos);
        var rows = arange(n, dtype: int64, device: batch.Videos.Mask.device).repeat_interleave(v);
        var fused = Fuse(Select(query, rows), videos);
        var l = fused.shape[1];
        var st = start_head.forward(fused, videos.Mask).view(n, v, l);
        var ed = end_head.forward(fused, videos.Mask).view(n, v, l);
        return (st.MoveToOuterDisposeScope(), ed.MoveToOuterDisposeScope(), fused.MoveToOuterDisposeScope());
    }

    // The batch's videos encoded once each (a video can be one query's ground truth and another's negative; on a small
    // corpus often), then spread back to every row that holds it.
    private PremVideo EncodeDistinct(ContextBatch videos)
    {
        var slot = new Dictionary<string, int>();
        var rows = new List<long>();      // the first row of each distinct video
        var inverse = new long[videos.VidNames.Count];
        for (int r = 0; r < inverse.Length; r++)
        {
            if (!slot.TryGetValue(videos.VidNames[r], out int s)) { slot[videos.VidNames[r]] = s = rows.Count; rows.Add(r); }
            inverse[r] = s;
        }
        if (rows.Count == inverse.Length) return video_encoder.forward(videos);
        using var scope = NewDisposeScope();
        var device = videos.Mask.device;
        var keep = tensor(rows.ToArray(), device: device);
        var distinct = new ContextBatch(slot.Keys.ToList(), videos.Video?.index_select(0, keep), videos.Subtitle?.index_select(0, keep), videos.Mask.index_select(0, keep));
        using var encoded = video_encoder.forward(distinct);
        return encoded.Select(tensor(inverse, device: device)).MoveToOuterDisposeScope();
    }

    /// <summary>Boundary cross-entropy (with shared normalisation: one softmax over the clips of all of a query's
    /// videos, where the label is the ground-truth clip of slot 0) plus the weighted adversarial BCE.</summary>
    public LossParts Loss(CandidateTrainingBatch batch, TrainingStep step)
    {
        using var scope = NewDisposeScope();
        var (st, ed, fused) = Forward(batch);
        var boundary = BoundaryLoss(st, ed, batch.StartLabels, batch.EndLabels, Config.SharedNormalization);
        var total = boundary;
        var parts = new List<LossPart> { new(Boundary, boundary.item<float>(), 1, "start/end CE") };
        if (adversarial is not null)
        {
            var mask = batch.Videos.Mask.view(st.shape);
            using var segments = AdversarialSegments.Sample(Config, st.detach(), ed.detach(), mask, batch.StartLabels, batch.EndLabels, step.Rng);
            var bce = nn.functional.binary_cross_entropy_with_logits(adversarial.forward(fused, segments), segments.Labels);
            total = total + Config.AdversarialWeight * bce;
            parts.Add(new(AdversarialPart, bce.item<float>(), Config.AdversarialWeight, "adversarial BCE"));
        }
        return new LossParts(total.MoveToOuterDisposeScope(), parts);
    }

    /// <summary>CE_start + CE_end of (N, V, L) logits, slot 0 holding the ground truth: over the clips of all V videos
    /// at once (shared normalisation), or of the ground-truth video alone.</summary>
    public static Tensor BoundaryLoss(Tensor start, Tensor end, Tensor startLabels, Tensor endLabels, bool shared)
    {
        using var scope = NewDisposeScope();
        Tensor Flat(Tensor logits) => shared ? logits.flatten(1) : logits[.., 0];
        var loss = nn.functional.cross_entropy(Flat(start), startLabels) + nn.functional.cross_entropy(Flat(end), endLabels);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>The adversarial classifier's logits for given segments of a training batch's fused clips (for tests
    /// and inspection); the model needs <see cref="PremLocalizerConfig.Adversarial"/>.</summary>
    public Tensor AdversarialLogits(Tensor fused, Segments segments) =>
        (adversarial ?? throw new InvalidOperationException($"{nameof(PremLocalizerConfig)}.{nameof(PremLocalizerConfig.Adversarial)} is off: there is no classifier"))
            .forward(fused, segments);

    /// <summary>What the localizer attends to for the first query of <paramref name="query"/> in the first video of
    /// <paramref name="video"/> (eval mode, no grad): pooling weights, gates, cross-attention, start/end probabilities,
    /// over the video's real clips and the query's real words.</summary>
    public PremAttention Inspect(QueryBatch query, ContextBatch video)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var q1 = new QueryBatch(query.DescIds.Take(1).ToList(), query.Features[..1], query.Mask[..1]);
        var v1 = new ContextBatch(video.VidNames.Take(1).ToList(), video.Video?[..1], video.Subtitle?[..1], video.Mask[..1]);
        int words = (int)q1.Mask.sum().item<float>(), clips = (int)v1.Mask.sum().item<float>();
        var encoded = query_encoder.forward(q1);
        var videos = video_encoder.forward(v1);
        var weights = query_encoder.WordWeights(q1)?[0, ..words];
        var gateList = Gates;
        Tensor? gates = Config.ModalityGates
            ? stack(videos.Streams.Select((h, m) => gateList[m]!.Activations(h, encoded.Vectors[.., m]).mean([-1])[0, ..clips]).ToArray())
            : null;
        var x = Focused(encoded, videos);
        var cross = new List<Tensor>();
        for (int layer = 0; layer < fusion_encoder.Count; layer++)
        {
            cross.Add(fusion_encoder[layer].CrossAttentionProbabilities(x, videos.Mask, encoded.Words, encoded.Mask).mean([1])[0, ..clips, ..words]);
            x = fusion_encoder[layer].forward(x, videos.Mask, encoded.Words, encoded.Mask);
        }
        var st = softmax(start_head.forward(x, videos.Mask), -1)[0, ..clips];
        var ed = softmax(end_head.forward(x, videos.Mask), -1)[0, ..clips];
        var result = new PremAttention(weights, gates, stack(cross), st, ed);
        foreach (var t in new[] { result.WordWeights, result.Gates, result.CrossAttention, result.Start, result.End }) t?.MoveToOuterDisposeScope();
        return result;
    }

    private static PremQuery Select(PremQuery q, Tensor rows) =>
        new(q.Words.index_select(0, rows), q.Mask.index_select(0, rows), q.Vectors.index_select(0, rows));
}

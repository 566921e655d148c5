using TorchSharp;
using TorchSharp.Modules;
using Vcmr.Data;
using Vcmr.Models.Layers;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Models.Xml;

/// <summary>Outputs of XML on a training batch where row i pairs query i with video i.</summary>
/// <param name="StartLogits">(N, L) masked start logits on the paired video.</param>
/// <param name="EndLogits">(N, L) masked end logits.</param>
/// <param name="VideoScores">(N, N) cosine video scores, queries x videos; the diagonal holds the positives.</param>
public sealed record XmlOutputs(Tensor StartLogits, Tensor EndLogits, Tensor VideoScores);

/// <summary>
/// Cross-modal Moment Localization (Lei et al., TVR, ECCV 2020), faithful to model_xml.py. Submodule names
/// match the reference state dict so checkpoints map by name. One network is both the video retriever
/// (shallow-layer cosine, max over clips) and the moment localizer (ConvSE over deep-layer similarities).
/// </summary>
public sealed class XmlModel : nn.Module, IVcmrModel<XmlEncodedContext>, ITrainable<TrainingBatch>, IConfiguredModel, IFeatureWidths
{
    /// <summary>The model kind in <see cref="ModelRegistry"/> and checkpoints.</summary>
    public const string KindName = "xml";

    /// <summary>Names of the query encodings (model_xml.py's video_query and sub_query).</summary>
    public const string VideoQuery = "video_query", SubQuery = "sub_query";

    public XmlConfig Config { get; }
    public string Kind => KindName;
    object IConfiguredModel.Config => Config;

    private readonly TrainablePositionalEncoding query_pos_embed, ctx_pos_embed;
    private readonly LinearLayer query_input_proj;
    private readonly BertAttention query_encoder;
    private readonly LinearLayer? video_input_proj, sub_input_proj;
    private readonly BertAttention? video_encoder1, video_encoder2, video_encoder3, sub_encoder1, sub_encoder2, sub_encoder3;
    private readonly BertSelfAttention? video_cross_att, sub_cross_att;
    private readonly LayerNorm? video_cross_layernorm, sub_cross_layernorm;
    private readonly Linear? video_query_linear, sub_query_linear;
    private readonly Linear? modular_vector_mapping;
    // ConvSE filters: merged over both streams (one filter, or the stacked variant's filters and their combination),
    // or the single stream's own, named as the reference names them.
    private readonly Conv1d? merged_st_predictor, merged_ed_predictor, video_st_predictor, video_ed_predictor, sub_st_predictor, sub_ed_predictor;
    private readonly ModuleList<Conv1d>? merged_st_predictors, merged_ed_predictors;
    private readonly Linear? combine_st_conv, combine_ed_conv;

    public XmlModel(XmlConfig config) : base(nameof(XmlModel))
    {
        Config = config.Validate();
        int d = config.HiddenSize;
        query_pos_embed = new TrainablePositionalEncoding(config.MaxQueryLength, d, config.InputDropout);
        ctx_pos_embed = new TrainablePositionalEncoding(config.MaxContextLength, d, config.InputDropout);
        query_input_proj = new LinearLayer(config.TextDim, d, config.InputDropout);
        query_encoder = Encoder();
        // Without cross-attention (off, or one stream) the deep features come from two more self-attention layers.
        bool cross = config.UsesCrossAttention;
        if (config.HasVideo)
        {
            video_input_proj = new LinearLayer(config.VideoInputDim, d, config.InputDropout);
            (video_encoder1, video_encoder2, video_encoder3) = (Encoder(), Encoder(), cross ? null : Encoder());
            video_query_linear = nn.Linear(d, d);
        }
        if (config.HasSub)
        {
            sub_input_proj = new LinearLayer(config.SubInputDim, d, config.InputDropout);
            (sub_encoder1, sub_encoder2, sub_encoder3) = (Encoder(), Encoder(), cross ? null : Encoder());
            sub_query_linear = nn.Linear(d, d);
        }
        if (cross)
        {
            video_cross_att = new BertSelfAttention(d, config.Heads, config.Dropout);
            sub_cross_att = new BertSelfAttention(d, config.Heads, config.Dropout);
            video_cross_layernorm = nn.LayerNorm(d);
            sub_cross_layernorm = nn.LayerNorm(d);
        }
        // One word-weight column per stream: a single-stream model has one modular query.
        if (config.Modular) modular_vector_mapping = nn.Linear(d, config.StreamCount, hasBias: false);
        if (config.StackedConvKernelSizes is { } sizes)
        {
            merged_st_predictors = new ModuleList<Conv1d>(sizes.Select(SpanFilter).ToArray());
            merged_ed_predictors = new ModuleList<Conv1d>(sizes.Select(SpanFilter).ToArray());
            combine_st_conv = nn.Linear(sizes.Count, 1, hasBias: false);
            combine_ed_conv = nn.Linear(sizes.Count, 1, hasBias: false);
        }
        else if (config.StreamCount == 2)
            (merged_st_predictor, merged_ed_predictor) = (SpanFilter(config.ConvKernelSize), SpanFilter(config.ConvKernelSize));
        else if (config.HasVideo)
            (video_st_predictor, video_ed_predictor) = (SpanFilter(config.ConvKernelSize), SpanFilter(config.ConvKernelSize));
        else
            (sub_st_predictor, sub_ed_predictor) = (SpanFilter(config.ConvKernelSize), SpanFilter(config.ConvKernelSize));
        RegisterComponents();
        BertInit.Apply(this, Config.InitializerRange);
    }

    public (int? Video, int Text, string VideoKey, string TextKey) FeatureWidths =>
        (Config.HasVideo ? Config.VisualDim : null, Config.TextDim, $"XmlConfig.{nameof(XmlConfig.VisualDim)}", $"XmlConfig.{nameof(XmlConfig.TextDim)}");

    private BertAttention Encoder() => new(Config.HiddenSize, Config.Heads, Config.Dropout);

    private static Conv1d SpanFilter(int k) => nn.Conv1d(1, 1, k, padding: k / 2, bias: false);

    /// <summary>(q_v, q_s), each (N, D): the query's vector for the video and the subtitle stream.</summary>
    public (Tensor Video, Tensor Sub) EncodeQuery(QueryBatch queries)
    {
        using var scope = NewDisposeScope();
        var mask = queries.Mask;
        var tokens = EncodeTokens(queries);
        Tensor qv, qs;
        if (modular_vector_mapping is not null)
        {
            var pooled = einsum("blm,bld->bmd", WordWeights(tokens, mask), tokens);
            (qv, qs) = (pooled[.., 0], pooled[.., Config.StreamCount - 1]); // one stream: the same vector for both
        }
        else
        {
            qv = qs = Masking.MaskLogits(tokens, mask.unsqueeze(2)).amax(1);
        }
        return (qv.MoveToOuterDisposeScope(), qs.MoveToOuterDisposeScope());
    }

    private Tensor EncodeTokens(QueryBatch queries) =>
        query_encoder.forward(query_pos_embed.forward(query_input_proj.forward(queries.Features)), queries.Mask);

    // (N, Lq, 2): softmax over the tokens of each query's modular logits, one column per stream.
    private Tensor WordWeights(Tensor tokens, Tensor mask) =>
        softmax(Masking.MaskLogits(modular_vector_mapping!.forward(tokens), mask.unsqueeze(2)), 1);

    /// <summary>(N, Lq, streams) modular query word weights: how much each token contributes to the video query
    /// (column 0) and to the subtitle query (column 1), or to the one stream's query; padding tokens get 0. Needs
    /// <see cref="XmlConfig.Modular"/>.</summary>
    public Tensor ModularWordWeights(QueryBatch queries)
    {
        if (modular_vector_mapping is null) throw new InvalidOperationException("XmlConfig.Modular is off: the query is max-pooled, there are no word weights");
        using var scope = NewDisposeScope();
        return WordWeights(EncodeTokens(queries), queries.Mask).MoveToOuterDisposeScope();
    }

    public XmlEncodedContext EncodeContext(ContextBatch context)
    {
        using var scope = NewDisposeScope();
        var mask = context.Mask;
        Tensor? f1v = null, f1s = null, f2v = null, f2s = null;
        if (Config.HasVideo)
            f1v = video_encoder1!.forward(ctx_pos_embed.forward(video_input_proj!.forward(
                context.Video ?? throw new ArgumentException("ContextBatch.Video is null but the context mode reads video"))), mask);
        if (Config.HasSub)
            f1s = sub_encoder1!.forward(ctx_pos_embed.forward(sub_input_proj!.forward(
                context.Subtitle ?? throw new ArgumentException("ContextBatch.Subtitle is null but the context mode reads subtitles"))), mask);
        if (video_cross_att is not null)
        {
            var pair = mask.unsqueeze(2) * mask.unsqueeze(1);
            var crossV = video_cross_layernorm!.forward(video_cross_att.forward(f1v!, f1s!, f1s!, pair) + f1v!);
            var crossS = sub_cross_layernorm!.forward(sub_cross_att!.forward(f1s!, f1v!, f1v!, pair) + f1s!);
            f2v = video_encoder2!.forward(crossV, mask);
            f2s = sub_encoder2!.forward(crossS, mask);
        }
        else
        {
            if (f1v is not null) f2v = video_encoder3!.forward(video_encoder2!.forward(f1v, mask), mask);
            if (f1s is not null) f2s = sub_encoder3!.forward(sub_encoder2!.forward(f1s, mask), mask);
        }
        // feat1 only feeds the video score, a max over clips of cosines: normalise it once here rather than per query
        // batch, and let padded clips repeat clip 0, which leaves every max unchanged and spares the score its mask.
        return new XmlEncodedContext(ShallowForScoring(f1v, mask), f2v, ShallowForScoring(f1s, mask), f2s, mask.alias()).MoveToOuterDisposeScope();
    }

    /// <summary>Encoded corpus batches in one index. Batches are padded to their own longest video, so a shorter
    /// chunk is widened to the longest: feat1 by repeating clip 0 (as <see cref="EncodeContext"/> pads it, so the max
    /// over clips needs no mask), feat2 and the mask with zeros.</summary>
    public XmlEncodedContext Concat(IReadOnlyList<XmlEncodedContext> chunks)
    {
        using var scope = NewDisposeScope();
        long l = chunks.Max(c => c.Mask.shape[1]);
        Tensor Wide(Tensor x, bool repeatFirst) => x.shape[1] == l ? x
            : repeatFirst ? cat([x, x.narrow(1, 0, 1).expand(-1, l - x.shape[1], -1)], 1)
            : nn.functional.pad(x, x.dim() == 3 ? [0, 0, 0, l - x.shape[1]] : [0, l - x.shape[1]]);
        Tensor? Cat(Func<XmlEncodedContext, Tensor?> pick, bool repeatFirst) =>
            pick(chunks[0]) is null ? null : cat(chunks.Select(c => Wide(pick(c)!, repeatFirst)).ToArray(), 0).MoveToOuterDisposeScope();
        return new XmlEncodedContext(Cat(c => c.Feat1Video, true), Cat(c => c.Feat2Video, false), Cat(c => c.Feat1Sub, true),
            Cat(c => c.Feat2Sub, false), Cat(c => c.Mask, false)!);
    }

    /// <summary>The query vectors (q_v, q_s) of <see cref="EncodeQuery"/>, for both XML stages.</summary>
    public EncodedQueries EncodeQueries(QueryBatch queries)
    {
        var (qv, qs) = EncodeQuery(queries);
        return new EncodedQueries(queries, [KeyValuePair.Create(VideoQuery, qv), KeyValuePair.Create(SubQuery, qs)]);
    }

    /// <summary>Both stages' index: every video encoded once (feat1 for the video scores, feat2 for ConvSE).</summary>
    public XmlEncodedContext IndexCorpus(VideoCorpus corpus) => CorpusEncoding.EncodeAll(corpus, EncodeContext, Concat);

    public Tensor ScoreVideos(EncodedQueries queries, XmlEncodedContext encoded) => VideoScores(queries[VideoQuery], queries[SubQuery], encoded);

    private static Tensor? ShallowForScoring(Tensor? feat1, Tensor mask) => feat1 is null ? null
        : where(mask.unsqueeze(2) > 0, nn.functional.normalize(feat1, dim: -1), nn.functional.normalize(feat1[.., ..1], dim: -1));

    /// <summary>Bytes of one (Nq, videos * L) cosine block of the VR product. Measured at TVR val scale (2,000-query
    /// batches): blocks of 13-26 MB ran at ~90 % of the GEMM rate, 51-102 MB at a third of it, since the max over
    /// clips then reads the block back from memory instead of cache.</summary>
    private const long ScoreBlockBytes = 16L << 20;

    /// <summary>(Nq, Nv): mean over streams of max over clips of cos(q_m, feat1_m[t]).</summary>
    public Tensor VideoScores(Tensor qv, Tensor qs, XmlEncodedContext encoded)
    {
        using var scope = NewDisposeScope();
        var streams = new List<Tensor>();
        if (encoded.Feat1Video is not null) streams.Add(StreamScore(qv, encoded.Feat1Video));
        if (encoded.Feat1Sub is not null) streams.Add(StreamScore(qs, encoded.Feat1Sub));
        return (stack(streams).sum(dim: 0) / streams.Count).MoveToOuterDisposeScope();
    }

    // feat1 is unit-norm with padded clips repeating clip 0 (EncodeContext), so the max over a video's clips needs no
    // mask: per chunk of videos one GEMM (Nq, D) x (D, chunk * L), its block small enough to stay in cache for the max.
    private static Tensor StreamScore(Tensor q, Tensor feat1)
    {
        var qn = nn.functional.normalize(q, dim: -1);
        var chunks = new List<Tensor>();
        long videos = Math.Max(1, ScoreBlockBytes / (sizeof(float) * q.shape[0] * feat1.shape[1]));
        for (long v = 0; v < feat1.shape[0]; v += videos)
        {
            using var scope = NewDisposeScope(); // the block is freed before the next one
            long n = Math.Min(videos, feat1.shape[0] - v);
            var cos = mm(qn, feat1.narrow(0, v, n).reshape(-1, feat1.shape[^1]).t());
            chunks.Add(cos.view(q.shape[0], n, feat1.shape[1]).amax(2).MoveToOuterDisposeScope());
        }
        return cat(chunks, 1);
    }

    public MomentLogits Localize(EncodedQueries queries, XmlEncodedContext encoded, Tensor candidates)
    {
        var (st, ed) = SpanLogits(queries[VideoQuery], queries[SubQuery], encoded, candidates);
        return new MomentLogits(st, ed);
    }

    /// <summary>(Nq, K, L) start/end logits of each query over its K candidate videos (indices into encoded).</summary>
    /// <remarks>Only the (query, candidate) pairs are computed: pairs are grouped by video, and a video's deep
    /// features meet all the queries that kept it in one product, (pairs, D) x (D, L), batched over videos with
    /// similar pair counts. For TVR val this is Nq * K * L * D multiply-adds per stream instead of Nq * Nv * L * D
    /// for the whole corpus (22x fewer). Both streams are one product over the concatenated [video; subtitle] axis,
    /// since their similarities are summed.</remarks>
    public (Tensor Start, Tensor End) SpanLogits(Tensor qv, Tensor qs, XmlEncodedContext encoded, Tensor candidates)
    {
        using var scope = NewDisposeScope();
        long nq = qv.shape[0], k = candidates.shape[1], l = encoded.Mask.shape[1];
        var streams = Streams(qv, qs, encoded).ToList();
        var query = cat(streams.Select(s => s.Linear.forward(s.Query)).ToArray(), 1); // (Nq, S * D)
        var flat = candidates.flatten();
        var (videos, order) = flat.sort();
        var (unique, _, counts) = unique_consecutive(videos, return_counts: true);
        var starts = counts!.cumsum(0) - counts;
        var bySize = counts.argsort();
        var sim = zeros(nq * k, l, device: qv.device);
        long groups = unique.shape[0];
        for (long g0 = 0; g0 < groups; g0 += GroupChunk)
        {
            using var chunkScope = NewDisposeScope(); // only sim outlives a chunk
            var chunk = bySize.narrow(0, g0, Math.Min(GroupChunk, groups - g0));
            var count = counts.index_select(0, chunk);
            long width = count.max().item<long>();
            var slot = arange(width, device: qv.device);
            var valid = slot.unsqueeze(0) < count.unsqueeze(1);                                    // (G, m)
            var pairs = order.index_select(0, (starts.index_select(0, chunk).unsqueeze(1) + slot).clamp_max(nq * k - 1).flatten()).view(-1, width);
            var q = query.index_select(0, pairs.div(k, rounding_mode: RoundingMode.floor).flatten()).view(pairs.shape[0], width, -1);
            var vids = unique.index_select(0, chunk);
            var feat2 = cat(streams.Select(s => s.Feat2.index_select(0, vids)).ToArray(), 2);          // (G, L, S * D)
            var s = bmm(q, feat2.transpose(1, 2));                                                  // (G, m, L)
            sim.index_copy_(0, pairs.masked_select(valid), s[valid]);
        }
        var mask = encoded.Mask.index_select(0, flat).view(nq, k, l);
        var (st, ed) = ConvSE(sim.view(nq, k, l) / streams.Count, mask);
        return (st.MoveToOuterDisposeScope(), ed.MoveToOuterDisposeScope());
    }

    /// <summary>Videos per batched product of <see cref="SpanLogits(Tensor, Tensor, XmlEncodedContext, Tensor)"/>.</summary>
    private const int GroupChunk = 128;

    /// <summary>Forward pass on a training batch (query i paired with video i).</summary>
    public XmlOutputs Forward(TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        var (qv, qs) = EncodeQuery(batch.Query);
        var encoded = EncodeContext(batch.Context);
        var scores = VideoScores(qv, qs, encoded);
        Tensor? sim = null;
        int streams = 0;
        foreach (var (q, feat2, linear) in Streams(qv, qs, encoded))
        {
            var s = einsum("nd,nld->nl", linear.forward(q), feat2);
            sim = sim is null ? s : sim + s;
            streams++;
        }
        var (st, ed) = ConvSE(sim! / streams, encoded.Mask);
        return new XmlOutputs(st.MoveToOuterDisposeScope(), ed.MoveToOuterDisposeScope(), scores.MoveToOuterDisposeScope());
    }

    /// <summary>XML's loss on paired in-batch batches (<see cref="XmlLoss"/>).</summary>
    public LossParts Loss(TrainingBatch batch, TrainingStep step) => XmlLoss.Compute(Config, Forward(batch), batch, step.Epoch, step.Rng);

    private IEnumerable<(Tensor Query, Tensor Feat2, Linear Linear)> Streams(Tensor qv, Tensor qs, XmlEncodedContext encoded)
    {
        if (encoded.Feat2Video is not null) yield return (qv, encoded.Feat2Video, video_query_linear!);
        if (encoded.Feat2Sub is not null) yield return (qs, encoded.Feat2Sub, sub_query_linear!);
    }

    // ConvSE: a 1-channel Conv1d over the clip-similarity curve, one for start and one for end; the stacked variant
    // runs one filter per kernel size and mixes their outputs linearly.
    private (Tensor Start, Tensor End) ConvSE(Tensor sim, Tensor mask)
    {
        if (merged_st_predictors is not null)
            return (Masking.MaskLogits(Stacked(sim, merged_st_predictors, combine_st_conv!), mask),
                Masking.MaskLogits(Stacked(sim, merged_ed_predictors!, combine_ed_conv!), mask));
        var (st, ed) = (merged_st_predictor ?? video_st_predictor ?? sub_st_predictor!, merged_ed_predictor ?? video_ed_predictor ?? sub_ed_predictor!);
        return (Masking.MaskLogits(SingleChannelConv(sim, st), mask), Masking.MaskLogits(SingleChannelConv(sim, ed), mask));
    }

    private static Tensor Stacked(Tensor sim, ModuleList<Conv1d> filters, Linear combine)
    {
        using var scope = NewDisposeScope();
        var outputs = stack(filters.Select(f => SingleChannelConv(sim, f)).ToArray(), -1); // (..., L, filters)
        return combine.forward(outputs).squeeze(-1).MoveToOuterDisposeScope();
    }

    /// <summary>Conv1d(1, 1, k, padding k/2, no bias) over the last axis of any-rank <paramref name="x"/>, computed as
    /// zero-pad + unfold + a product with the kernel: the same cross-correlation as <paramref name="conv"/>, but
    /// libtorch's CPU ConvolutionBackward0 returns NaN now and then on these (N, 1, L) shapes (anomaly mode names it
    /// when dropout is on), and one batched product is also faster than N tiny convolutions.</summary>
    public static Tensor SingleChannelConv(Tensor x, Conv1d conv)
    {
        long k = conv.weight!.shape[^1], pad = k / 2;
        using var scope = NewDisposeScope();
        var windows = nn.functional.pad(x, [pad, pad]).unfold(-1, k, 1); // (..., L, k)
        return matmul(windows, conv.weight.view(k)).MoveToOuterDisposeScope();
    }
}

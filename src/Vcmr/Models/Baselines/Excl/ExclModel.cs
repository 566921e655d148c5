using TorchSharp;
using TorchSharp.Modules;
using Vcmr.Data;
using Vcmr.Models.Layers;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Models.Baselines.Excl;

/// <summary>One stream of an encoded ExCL corpus: everything of the second BiLSTM's input and of the start/end MLPs'
/// first layer that depends on the video alone, per clip, so that only the recurrence and the rest runs per
/// (query, video) pair.</summary>
/// <param name="ForwardInput">(Nv, L, 2H) the forward direction's input projection of the clip encoding (with biases).</param>
/// <param name="ReverseInput">(Nv, L, 2H) the backward direction's.</param>
/// <param name="StartPart">(Nv, L, H) the start MLP's first layer on the clip encoding (with its bias).</param>
/// <param name="EndPart">(Nv, L, H) the end MLP's.</param>
public sealed record ExclStreamIndex(Tensor ForwardInput, Tensor ReverseInput, Tensor StartPart, Tensor EndPart) : IDisposable
{
    public void Dispose()
    {
        ForwardInput.Dispose();
        ReverseInput.Dispose();
        StartPart.Dispose();
        EndPart.Dispose();
    }
}

/// <summary>What ExCL keeps of a corpus: the per-video parts of each stream and the clip mask (Nv, L).</summary>
public sealed record ExclIndex(ExclStreamIndex? Video, ExclStreamIndex? Sub, Tensor Mask) : IDisposable
{
    public void Dispose()
    {
        Video?.Dispose();
        Sub?.Dispose();
        Mask.Dispose();
    }
}

/// <summary>
/// ExCL (TVR's baselines/excl/model.py, EXCL), submodule names as its state dict. The query is the last state of a
/// BiLSTM over its tokens, tiled over the clips. Per stream: a BiLSTM over the clips, a second BiLSTM over
/// [clip encoding; query], and two MLPs (Linear 3H -> H, tanh, Linear H -> 1) on [second; first; query] give start
/// and end logits; the streams' logits are averaged. Trained with cross-entropy on the start and end clips.
/// </summary>
public sealed class ExclModel : nn.Module, IMomentLocalizer<ExclIndex>, ITrainable<TrainingBatch>, IConfiguredModel, IFeatureWidths
{
    public const string KindName = "excl";

    /// <summary>The query encoding's name: the query BiLSTM's last state.</summary>
    public const string QueryEncoding = "encoded_query";

    /// <summary>The loss part: CE(start) + CE(end) (the reference's loss_st_ed).</summary>
    public const string StartEndPart = "st_ed";

    public ExclConfig Config { get; }
    public string Kind => KindName;
    object IConfiguredModel.Config => Config;

    public (int? Video, int Text, string VideoKey, string TextKey) FeatureWidths =>
        (Config.HasVideo ? Config.VisualDim : null, Config.TextDim, $"ExclConfig.{nameof(ExclConfig.VisualDim)}", $"ExclConfig.{nameof(ExclConfig.TextDim)}");

    private readonly RnnEncoder query_encoder;
    private readonly RnnEncoder? video_encoder, video_encoder2, sub_encoder, sub_encoder2;
    private readonly Sequential? video_st_predictor, video_ed_predictor, sub_st_predictor, sub_ed_predictor;

    public ExclModel(ExclConfig config) : base(nameof(ExclModel))
    {
        Config = config.Validate();
        int h = config.HiddenSize;
        query_encoder = new RnnEncoder(config.TextDim, h / 2, bidirectional: true);
        if (config.HasVideo)
        {
            video_encoder = new RnnEncoder(config.VideoInputDim, h / 2, bidirectional: true);
            video_encoder2 = new RnnEncoder(2 * h, h / 2, bidirectional: true);
            (video_st_predictor, video_ed_predictor) = (Predictor(), Predictor());
        }
        if (config.HasSub)
        {
            sub_encoder = new RnnEncoder(config.SubInputDim, h / 2, bidirectional: true);
            sub_encoder2 = new RnnEncoder(2 * h, h / 2, bidirectional: true);
            (sub_st_predictor, sub_ed_predictor) = (Predictor(), Predictor());
        }
        RegisterComponents();
        InitWeights();
    }

    private Sequential Predictor() =>
        nn.Sequential(("0", nn.Linear(3 * Config.HiddenSize, Config.HiddenSize)), ("1", nn.Tanh()), ("2", nn.Linear(Config.HiddenSize, 1)));

    // reset_parameters: Linear weights N(0, initializer_range), biases 0; the LSTMs keep torch's default.
    private void InitWeights()
    {
        using var _ = no_grad();
        foreach (var (_, m) in named_modules())
            if (m is Linear l)
            {
                nn.init.normal_(l.weight!, 0, Config.InitializerRange);
                if (l.bias is not null) nn.init.zeros_(l.bias);
            }
    }

    private IEnumerable<(RnnEncoder First, RnnEncoder Second, Sequential Start, Sequential End, Func<ContextBatch, Tensor?> Clips, string Name)> Streams()
    {
        if (video_encoder is not null) yield return (video_encoder, video_encoder2!, video_st_predictor!, video_ed_predictor!, c => c.Video, "Video");
        if (sub_encoder is not null) yield return (sub_encoder, sub_encoder2!, sub_st_predictor!, sub_ed_predictor!, c => c.Subtitle, "Subtitle");
    }

    /// <summary>(N, HiddenSize): the query BiLSTM's last state, [forward at the last token; backward at the first].</summary>
    public Tensor EncodeQuery(QueryBatch queries) => query_encoder.forward(queries.Features, queries.Mask).Last;

    private Tensor StreamInput(ContextBatch context, Func<ContextBatch, Tensor?> clips, string name)
    {
        var x = clips(context) ?? throw new ArgumentException($"ContextBatch.{name} is null but ExclConfig.ContextMode {Config.ContextMode} reads it");
        if (!Config.UseTef) return x.alias();
        // [i / L, (i + 1) / L] for the L real clips of each row, zeros on padding
        var length = context.Mask.sum(1, keepdim: true);
        var i = arange(x.shape[1], dtype: x.dtype, device: x.device).unsqueeze(0);
        var tef = stack([i / length, (i + 1) / length], 2) * context.Mask.unsqueeze(2);
        return cat([x, tef], 2);
    }

    private Tensor Drop(Tensor x) => FastDropout.Apply(x, Config.Dropout, training);

    /// <summary>(N, L) masked start and end logits of query i on video i (the reference's forward), streams averaged.</summary>
    public (Tensor Start, Tensor End) Forward(QueryBatch queries, ContextBatch context)
    {
        using var scope = NewDisposeScope();
        var query = EncodeQuery(queries);
        var mask = context.Mask;
        var tiled = query.unsqueeze(1).expand(-1, mask.shape[1], -1);
        Tensor? st = null, ed = null;
        foreach (var (first, second, start, end, clips, name) in Streams())
        {
            var c1 = first.forward(Drop(StreamInput(context, clips, name)), mask).Outputs;
            var c2 = second.forward(Drop(cat([c1, tiled], 2)), mask).Outputs;
            var f3 = cat([c2, c1, tiled], 2);
            var (s, e) = (start.forward(f3).squeeze(-1), end.forward(f3).squeeze(-1));
            (st, ed) = (st is null ? s : st + s, ed is null ? e : ed + e);
        }
        int n = Config.StreamCount;
        return (Masking.MaskLogits(st! / n, mask).MoveToOuterDisposeScope(), Masking.MaskLogits(ed! / n, mask).MoveToOuterDisposeScope());
    }

    public EncodedQueries EncodeQueries(QueryBatch queries) => new(queries, [KeyValuePair.Create(QueryEncoding, EncodeQuery(queries))]);

    /// <summary>Every video's per-stream parts (<see cref="ExclStreamIndex"/>).</summary>
    public ExclIndex IndexCorpus(VideoCorpus corpus) => CorpusEncoding.EncodeAll(corpus, EncodeContext, Concat);

    public MomentLogits Localize(EncodedQueries queries, ExclIndex index, Tensor candidates)
    {
        var (st, ed) = Localize(queries[QueryEncoding], index, candidates);
        return new MomentLogits(st, ed);
    }

    /// <summary>The start/end cross-entropy of query i on video i, with the suite's inclusive end label (the same
    /// labels XML trains on, see ClipLabels).</summary>
    public LossParts Loss(TrainingBatch batch, TrainingStep step)
    {
        using var scope = NewDisposeScope();
        var (st, ed) = Forward(batch.Query, batch.Context);
        var loss = StartEndLoss(st, ed, batch.StartLabels, batch.EndLabels);
        return new LossParts(loss.MoveToOuterDisposeScope(), [new(StartEndPart, loss.item<float>(), 1, "start/end CE")]);
    }

    /// <summary>CE(start) + CE(end) over the clips (temporal_criterion, mean over the batch).</summary>
    public Tensor StartEndLoss(Tensor start, Tensor end, Tensor startLabels, Tensor endLabels) =>
        nn.functional.cross_entropy(start, startLabels) + nn.functional.cross_entropy(end, endLabels);

    /// <summary>The per-video parts of every stream (eval mode: no dropout).</summary>
    public ExclIndex EncodeContext(ContextBatch context)
    {
        using var scope = NewDisposeScope();
        int h = Config.HiddenSize;
        var parts = new Dictionary<string, ExclStreamIndex>();
        foreach (var (first, second, start, end, clips, name) in Streams())
        {
            var c1 = first.forward(Drop(StreamInput(context, clips, name)), context.Mask).Outputs;
            var (s1, e1) = ((Linear)start[0], (Linear)end[0]);
            parts[name] = new ExclStreamIndex(second.Rnn.Project(c1, reverse: false, 0, bias: true), second.Rnn.Project(c1, reverse: true, 0, bias: true),
                nn.functional.linear(c1, s1.weight!.narrow(1, h, h), s1.bias!), nn.functional.linear(c1, e1.weight!.narrow(1, h, h), e1.bias!));
        }
        var index = new ExclIndex(parts.GetValueOrDefault("Video"), parts.GetValueOrDefault("Subtitle"), context.Mask.alias());
        foreach (var t in new[] { index.Video, index.Sub }.OfType<ExclStreamIndex>().SelectMany(s => new[] { s.ForwardInput, s.ReverseInput, s.StartPart, s.EndPart }))
            t.MoveToOuterDisposeScope();
        index.Mask.MoveToOuterDisposeScope();
        return index;
    }

    /// <summary>Concatenates encoded chunks of a corpus (in order), padding the clip axis to the longest.</summary>
    public static ExclIndex Concat(IReadOnlyList<ExclIndex> chunks)
    {
        long l = chunks.Max(c => c.Mask.shape[1]);
        Tensor Cat(Func<ExclIndex, Tensor> pick) =>
            cat(chunks.Select(c => nn.functional.pad(pick(c), c.Mask.shape[1] == l ? [0, 0] : pick(c).ndim == 2 ? [0, l - c.Mask.shape[1]] : [0, 0, 0, l - c.Mask.shape[1]])).ToArray(), 0);
        ExclStreamIndex? Stream(Func<ExclIndex, ExclStreamIndex?> pick) => pick(chunks[0]) is null ? null
            : new(Cat(c => pick(c)!.ForwardInput), Cat(c => pick(c)!.ReverseInput), Cat(c => pick(c)!.StartPart), Cat(c => pick(c)!.EndPart));
        return new ExclIndex(Stream(c => c.Video), Stream(c => c.Sub), Cat(c => c.Mask));
    }

    /// <summary>Pairs per chunk of <see cref="Localize(Tensor, ExclIndex, Tensor)"/>: bounds the (pairs, L, 2H) recurrence inputs.</summary>
    private const int PairChunk = 2048;

    /// <summary>(Nq, K, L) masked start and end logits of each query over its K candidate videos (positions in
    /// <paramref name="index"/>), the same as <see cref="Forward"/> on each (query, video) pair: the query's share of
    /// every projection is computed once per query and added to the video's share from the index.</summary>
    public (Tensor Start, Tensor End) Localize(Tensor query, ExclIndex index, Tensor candidates)
    {
        using var scope = NewDisposeScope();
        int h = Config.HiddenSize;
        long nq = candidates.shape[0], k = candidates.shape[1], l = index.Mask.shape[1];
        // pairs ordered by their video's length, longest first, so that a chunk's recurrence stops with its videos
        var byLength = index.Mask.sum(1).index_select(0, candidates.flatten()).sort(0, descending: true, stable: true).Indices;
        var pairQuery = arange(nq, device: query.device).unsqueeze(1).expand(nq, k).flatten().index_select(0, byLength);
        var pairVideo = candidates.flatten().index_select(0, byLength);
        var st = zeros(nq * k, l, device: query.device);
        var ed = zeros(nq * k, l, device: query.device);
        foreach (var (_, second, start, end, _, name) in Streams())
        {
            var parts = (name == "Video" ? index.Video : index.Sub) ?? throw new ArgumentException($"the index has no {name} stream");
            var (s1, e1) = ((Linear)start[0], (Linear)end[0]);
            var qForward = second.Rnn.Project(query, reverse: false, h, bias: false);                 // (Nq, 2H)
            var qReverse = second.Rnn.Project(query, reverse: true, h, bias: false);
            var qStart = nn.functional.linear(query, s1.weight!.narrow(1, 2 * h, h));                  // (Nq, H)
            var qEnd = nn.functional.linear(query, e1.weight!.narrow(1, 2 * h, h));
            for (long p0 = 0; p0 < nq * k; p0 += PairChunk)
            {
                using var chunkScope = NewDisposeScope();
                long n = Math.Min(PairChunk, nq * k - p0);
                var qi = pairQuery.narrow(0, p0, n);
                var vi = pairVideo.narrow(0, p0, n);
                var mask = index.Mask.index_select(0, vi);
                var (c2, _) = second.Rnn.Recur(parts.ForwardInput.index_select(0, vi) + qForward.index_select(0, qi).unsqueeze(1),
                    parts.ReverseInput.index_select(0, vi) + qReverse.index_select(0, qi).unsqueeze(1), mask);
                Tensor Logits(Sequential mlp, Tensor videoPart, Tensor queryPart) =>
                    ((Linear)mlp[2]).forward(tanh(nn.functional.linear(c2, ((Linear)mlp[0]).weight!.narrow(1, 0, h))
                        + videoPart.index_select(0, vi) + queryPart.index_select(0, qi).unsqueeze(1))).squeeze(-1);
                st.narrow(0, p0, n).add_(Logits(start, parts.StartPart, qStart));
                ed.narrow(0, p0, n).add_(Logits(end, parts.EndPart, qEnd));
            }
        }
        int streams = Config.StreamCount;
        var candidateMask = index.Mask.index_select(0, pairVideo);
        var back = byLength.argsort();
        return (Masking.MaskLogits(st / streams, candidateMask).index_select(0, back).view(nq, k, l).MoveToOuterDisposeScope(),
            Masking.MaskLogits(ed / streams, candidateMask).index_select(0, back).view(nq, k, l).MoveToOuterDisposeScope());
    }
}

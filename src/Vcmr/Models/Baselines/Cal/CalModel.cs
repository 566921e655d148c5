using TorchSharp;
using TorchSharp.Modules;
using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Models.Layers;
using Vcmr.Models.Xml;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Models.Baselines.Cal;

/// <summary>Encoded proposals of one stream: each proposal's mean clip embedding (P, OutputSize) and the mean squared
/// norm of its clip embeddings (P), which give the mean squared distance to any query in one product.</summary>
public sealed record StreamProposals(Tensor Mean, Tensor MeanSquaredNorm) : IDisposable
{
    public void Dispose()
    {
        Mean.Dispose();
        MeanSquaredNorm.Dispose();
    }
}

/// <summary>
/// CAL / MCN (TVR's clip_alignment_with_language/model.py, CALWithSub), submodule names as its state dict. Per stream
/// a two-layer MLP (Linear, ReLU, Linear) maps each clip's [clip; video context; tef] to a unit vector; the query is
/// the last state of a one-layer LSTM over its tokens through a linear layer, L2-normalised. A moment's distance to a
/// query is the squared L2 distance averaged over the moment's clips, averaged over the streams; lower is better.
/// MCN is the same network on the moment's mean-pooled clip (the data side's pool_local).
/// </summary>
public sealed class CalModel : nn.Module, IMomentRanker<CalIndex>, IOwnBatchSource<CalTrainingBatch>, IConfiguredModel, IFeatureWidths
{
    public const string KindName = "cal";

    /// <summary>The query encoding's name: the unit query embedding.</summary>
    public const string QueryEmbedding = "query_embedding";

    /// <summary>Loss part names: the intra-video and inter-video hinge terms.</summary>
    public const string IntraPart = "intra", InterPart = "inter";

    public CalConfig Config { get; }
    public string Kind => KindName;
    object IConfiguredModel.Config => Config;

    public (int? Video, int Text, string VideoKey, string TextKey) FeatureWidths =>
        (Config.HasVideo ? Config.VisualDim : null, Config.TextDim, $"CalConfig.{nameof(CalConfig.VisualDim)}", $"CalConfig.{nameof(CalConfig.TextDim)}");

    private readonly Sequential? video_moment_mlp, sub_moment_mlp;
    private readonly RnnEncoder query_lstm;
    private readonly Linear query_linear;

    public CalModel(CalConfig config) : base(nameof(CalModel))
    {
        Config = config.Validate();
        if (config.HasVideo) video_moment_mlp = Mlp(config.VideoInputDim);
        if (config.HasSub) sub_moment_mlp = Mlp(config.SubInputDim);
        query_lstm = new RnnEncoder(config.TextDim, config.LstmHiddenSize, bidirectional: false);
        query_linear = nn.Linear(config.LstmHiddenSize, config.OutputSize);
        RegisterComponents();
    }

    private Sequential Mlp(int input) =>
        nn.Sequential(("0", nn.Linear(input, Config.HiddenSize)), ("1", nn.ReLU()), ("2", nn.Linear(Config.HiddenSize, Config.OutputSize)));

    /// <summary>(N, OutputSize) unit query embeddings: the LSTM's state at each query's last token.</summary>
    public Tensor EncodeQuery(QueryBatch queries)
    {
        using var scope = NewDisposeScope();
        var (_, last) = query_lstm.forward(queries.Features, queries.Mask);
        return nn.functional.normalize(query_linear.forward(last), dim: -1).MoveToOuterDisposeScope();
    }

    public EncodedQueries EncodeQueries(QueryBatch queries) => new(queries, [KeyValuePair.Create(QueryEmbedding, EncodeQuery(queries))]);

    /// <summary>Proposal batches (<see cref="CalTrainingSource"/>) of a corpus read with <see cref="CalConfig.ReadOptions"/>.</summary>
    public IBatchSource<CalTrainingBatch> TrainingBatches(TvrData data, string split, int batchSize, int seed) =>
        new CalTrainingSource(data.Features, data.Queries(split), Config, batchSize, seed, data.Device);

    /// <summary>Every proposal of the corpus encoded once (<see cref="CalIndex"/>); the corpus must be read with
    /// <see cref="CalConfig.ReadOptions"/> (raw clips of whole videos) and know its videos' durations.</summary>
    public CalIndex IndexCorpus(VideoCorpus corpus) => CalIndex.Build(this, corpus.Batches(), corpus.Duration);

    /// <summary>The nearest proposals (score = minus the distance, as inference.py writes it).</summary>
    public IReadOnlyList<RankedMoment>[] RankMoments(EncodedQueries queries, CalIndex index, Tensor? candidates, Tensor? valid, int top)
    {
        var q = queries[QueryEmbedding];
        if (candidates is null)
            return index.Rank(q, null, top).Select(l => (IReadOnlyList<RankedMoment>)l.Select(p => Moment(p.Video, p)).ToList()).ToArray();
        long nq = candidates.shape[0], k = candidates.shape[1];
        var positions = candidates.cpu().data<long>().ToArray();
        var real = valid?.cpu().data<bool>().ToArray();
        var lists = new List<int>[nq];
        var slotOf = new Dictionary<int, int>[nq];
        for (int r = 0; r < nq; r++)
        {
            (lists[r], slotOf[r]) = ([], []);
            for (int s = 0; s < k; s++)
                if ((real?[r * k + s] ?? true) && slotOf[r].TryAdd((int)positions[r * k + s], s)) lists[r].Add((int)positions[r * k + s]);
        }
        return index.Rank(q, lists, top).Select((l, r) => (IReadOnlyList<RankedMoment>)l.Select(p => Moment(slotOf[r][p.Video], p)).ToList()).ToArray();
    }

    private static RankedMoment Moment(int slot, RankedProposal p) => new(slot, p.Proposal.Start, p.Proposal.End, -p.Distance);

    /// <summary>The intra-video and inter-video ranking terms of a batch (<see cref="LossTerms"/>).</summary>
    public LossParts Loss(CalTrainingBatch batch, TrainingStep step)
    {
        var (total, intra, inter) = LossTerms(batch);
        return new LossParts(total, [new(IntraPart, intra, 1, "intra-video negative"), new(InterPart, inter, Config.InterLossWeight, "inter-video negative")]);
    }

    /// <summary>(N,) distance of query i to moment i (compute_pdist): squared L2 per clip, averaged over the
    /// moment's clips, averaged over the streams.</summary>
    public Tensor PairDistance(Tensor query, MomentBatch moments)
    {
        using var scope = NewDisposeScope();
        Tensor Stream(Sequential mlp, Tensor? feat, string name)
        {
            if (feat is null) throw new ArgumentException($"MomentBatch.{name} is null but CalConfig.ContextMode {Config.ContextMode} reads it");
            var emb = nn.functional.normalize(mlp.forward(feat), dim: -1);                       // (N, M, O)
            var perClip = (emb - query.unsqueeze(1)).pow(2).sum(2);                               // (N, M)
            return (perClip * moments.Mask).sum(1) / moments.Mask.sum(1);
        }
        var streams = new List<Tensor>();
        if (video_moment_mlp is not null) streams.Add(Stream(video_moment_mlp, moments.Video, "Video"));
        if (sub_moment_mlp is not null) streams.Add(Stream(sub_moment_mlp, moments.Sub, "Sub"));
        return (streams.Count == 1 ? streams[0] : (streams[0] + streams[1]) / 2).MoveToOuterDisposeScope();
    }

    /// <summary>The hinge (or lse) loss of a batch: positive vs intra-video negative, plus InterLossWeight times
    /// positive vs inter-video negative (calc_loss: a sum over the batch divided by its size).</summary>
    public (Tensor Total, double Intra, double Inter) LossTerms(CalTrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        var query = EncodeQuery(batch.Query);
        var positive = PairDistance(query, batch.Positive);
        var intra = RankingLoss(positive, PairDistance(query, batch.IntraNegative));
        var inter = Config.InterLossWeight == 0 ? zeros_like(intra) : RankingLoss(positive, PairDistance(query, batch.InterNegative));
        var total = intra + Config.InterLossWeight * inter;
        return (total.MoveToOuterDisposeScope(), intra.item<float>(), inter.item<float>());
    }

    /// <summary>Lower distance is better: hinge mean(max(0, margin + d_pos - d_neg)); lse mean(log(1 + exp(d_pos - d_neg))).</summary>
    public Tensor RankingLoss(Tensor positive, Tensor negative) => Config.LossType switch
    {
        Xml.RankingLoss.Hinge => (Config.Margin + positive - negative).clamp_min(0).mean(),
        Xml.RankingLoss.Lse => log1p(exp(positive - negative)).mean(),
        _ => throw new InvalidOperationException($"CalConfig.LossType {Config.LossType} is not hinge or lse"),
    };

    /// <summary>Each proposal's encoded clips per stream (see <see cref="ProposalInputs"/>); null for a stream the
    /// config does not read.</summary>
    public (StreamProposals? Video, StreamProposals? Sub) EncodeProposals(ProposalInputs inputs)
    {
        using var scope = NewDisposeScope();
        var video = video_moment_mlp is null ? null : EncodeStream(video_moment_mlp, inputs.VideoUnits, inputs.VideoContext, inputs, "VideoUnits");
        var sub = sub_moment_mlp is null ? null : EncodeStream(sub_moment_mlp, inputs.SubUnits, inputs.SubContext, inputs, "SubUnits");
        foreach (var s in new[] { video, sub })
        {
            s?.Mean.MoveToOuterDisposeScope();
            s?.MeanSquaredNorm.MoveToOuterDisposeScope();
        }
        return (video, sub);
    }

    private StreamProposals EncodeStream(Sequential mlp, Tensor? units, Tensor? context, ProposalInputs inputs, string name)
    {
        if (units is null || context is null) throw new ArgumentException($"ProposalInputs.{name} is null but CalConfig.ContextMode {Config.ContextMode} reads it");
        var first = (Linear)mlp[0];
        var second = (Linear)mlp[2];
        long d = units.shape[1];
        var w = first.weight!;
        var perUnit = units.mm(w.narrow(1, 0, d).t());                                            // (U, H)
        var perVideo = context.mm(w.narrow(1, d, d).t()) + first.bias!;                            // (V, H)
        var perProposal = perVideo.index_select(0, inputs.ProposalVideo);                          // (P, H)
        if (Config.UseTef) perProposal = perProposal + inputs.Tef.mm(w.narrow(1, 2 * d, 2).t());
        var hidden = nn.functional.relu(perUnit.index_select(0, inputs.PairUnit) + perProposal.index_select(0, inputs.PairProposal));
        var emb = nn.functional.normalize(second.forward(hidden), dim: -1);                        // (Q, O)
        long p = inputs.ProposalVideo.shape[0];
        var count = zeros(p, device: units.device).index_add_(0, inputs.PairProposal, ones(inputs.PairProposal.shape[0], device: units.device), 1);
        var mean = zeros(p, emb.shape[1], device: units.device).index_add_(0, inputs.PairProposal, emb, 1) / count.unsqueeze(1);
        var msq = zeros(p, device: units.device).index_add_(0, inputs.PairProposal, emb.pow(2).sum(1), 1) / count;
        return new StreamProposals(mean, msq);
    }

    /// <summary>(Nq, P) distance of every query to every encoded proposal (compute_cdist_inference): per stream
    /// |q|^2 + mean |e|^2 - 2 q . mean e, which is the mean over the proposal's clips of |q - e|^2; averaged over
    /// the streams.</summary>
    public static Tensor Distances(Tensor query, StreamProposals? video, StreamProposals? sub)
    {
        using var scope = NewDisposeScope();
        var q2 = query.pow(2).sum(1, keepdim: true);
        Tensor Stream(StreamProposals s) => q2 + s.MeanSquaredNorm.unsqueeze(0) - 2 * query.mm(s.Mean.t());
        var streams = new[] { video, sub }.OfType<StreamProposals>().Select(Stream).ToList();
        if (streams.Count == 0) throw new ArgumentException("no encoded stream");
        return (streams.Count == 1 ? streams[0] : (streams[0] + streams[1]) / 2).MoveToOuterDisposeScope();
    }
}

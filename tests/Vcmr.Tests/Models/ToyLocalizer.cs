using TorchSharp;
using TorchSharp.Modules;
using Vcmr.Data;
using Vcmr.Models;
using Vcmr.Models.Layers;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models;

/// <summary>Config of <see cref="ToyLocalizer"/>.</summary>
public sealed record ToyLocalizerConfig
{
    public int VideoDim { get; init; } = 24;
    public int TextDim { get; init; } = 32;
    public int Hidden { get; init; } = 8;
    public double LossWeightStartEnd { get; init; } = 1;
}

/// <summary>What the toy keeps of a corpus: nothing encoded, only the way to its raw features (as CONQUER, which
/// encodes each candidate together with its query).</summary>
public sealed class ToyCorpus(VideoCorpus corpus) : IDisposable
{
    public VideoCorpus Corpus { get; } = corpus;
    public void Dispose() { }
}

/// <summary>
/// A test-only second model kind that proves the seams carry a model other than XML: a localizer alone (no retriever),
/// reading the raw features of its candidates per query batch, trained with a shared-normalisation loss on a query with
/// its ground-truth video and sampled negatives. Start/end logits: a linear head over clip * query.
/// </summary>
public sealed class ToyLocalizer : nn.Module, IMomentLocalizer<ToyCorpus>, ITrainable<CandidateTrainingBatch>, IConfiguredModel
{
    public const string KindName = "toy-localizer";

    /// <summary>Registers the kind (tests call it before rebuilding a toy from a checkpoint).</summary>
    public static void Register() => ModelRegistry.Register<ToyLocalizerConfig, ToyLocalizer>(KindName, c => new ToyLocalizer(c));

    private readonly Linear query_proj, clip_proj, st_head, ed_head;

    public ToyLocalizer(ToyLocalizerConfig config) : base(nameof(ToyLocalizer))
    {
        Config = config;
        query_proj = nn.Linear(config.TextDim, config.Hidden);
        clip_proj = nn.Linear(config.VideoDim + config.TextDim, config.Hidden);
        st_head = nn.Linear(config.Hidden, 1);
        ed_head = nn.Linear(config.Hidden, 1);
        RegisterComponents();
    }

    public ToyLocalizerConfig Config { get; }
    public string Kind => KindName;
    object IConfiguredModel.Config => Config;

    public EncodedQueries EncodeQueries(QueryBatch queries)
    {
        using var scope = NewDisposeScope();
        var mean = (queries.Features * queries.Mask.unsqueeze(2)).sum(1) / queries.Mask.sum(1, keepdim: true);
        return new EncodedQueries(queries, [KeyValuePair.Create("query", query_proj.forward(mean).MoveToOuterDisposeScope())]);
    }

    public ToyCorpus IndexCorpus(VideoCorpus corpus) => new(corpus);

    public MomentLogits Localize(EncodedQueries queries, ToyCorpus index, Tensor candidates)
    {
        using var scope = NewDisposeScope();
        long nq = candidates.shape[0], k = candidates.shape[1];
        var names = candidates.cpu().data<long>().Select(p => index.Corpus.VidNames[(int)p]).ToList();
        using var videos = index.Corpus.Read(names);
        var (st, ed) = Logits(queries["query"].repeat_interleave(k, 0), videos);
        return new MomentLogits(st.view(nq, k, -1).MoveToOuterDisposeScope(), ed.view(nq, k, -1).MoveToOuterDisposeScope());
    }

    // (M, L) masked start/end logits of query row m over video row m.
    private (Tensor Start, Tensor End) Logits(Tensor query, ContextBatch videos)
    {
        var x = clip_proj.forward(cat([videos.Video!, videos.Subtitle!], 2)) * query.unsqueeze(1);
        return (Masking.MaskLogits(st_head.forward(x).squeeze(-1), videos.Mask), Masking.MaskLogits(ed_head.forward(x).squeeze(-1), videos.Mask));
    }

    /// <summary>Shared normalisation: one softmax over the clips of a query's ground-truth video and its negatives.</summary>
    public LossParts Loss(CandidateTrainingBatch batch, TrainingStep step)
    {
        using var scope = NewDisposeScope();
        using var q = EncodeQueries(batch.Query);
        var (st, ed) = Logits(q["query"].repeat_interleave(batch.VideosPerQuery, 0), batch.Videos);
        long n = batch.Queries;
        var ce = nn.functional.cross_entropy(st.view(n, -1), batch.StartLabels) + nn.functional.cross_entropy(ed.view(n, -1), batch.EndLabels);
        return new LossParts((Config.LossWeightStartEnd * ce).MoveToOuterDisposeScope(),
            [new LossPart("st_ed", ce.item<float>(), Config.LossWeightStartEnd, "start/end CE (shared norm)")]);
    }
}

using System.Collections.Concurrent;
using Vcmr.Data;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Models.Baselines.Cal;
using Vcmr.Models.Baselines.Excl;
using Vcmr.Models.Baselines.Mee;
using Vcmr.Models.Conquer;
using Vcmr.Models.Prem;
using Vcmr.Models.Xml;
using Vcmr.Training;

namespace Vcmr.Experiments;

/// <summary>How a model kind reads a corpus and runs inference by default, from its config.</summary>
/// <param name="Features">the read options for a config, from the corpus's own (a release's video file is already
/// normalised; the kind sets what its reference loader does on top: lengths, TEF, normalisation).</param>
/// <param name="Inference">the inference settings for a config; the flag says whether the first-stage scores are raw
/// (a retriever of the suite) rather than given as a released ranklist holds them.</param>
/// <param name="Training">the trainer settings and batch size for a config (null: the reference TVR train.py's, batch
/// 128), and for a second stage trained on first-stage candidates how it uses them.</param>
/// <param name="MatchCorpus">the paper preset's config fitted to a corpus's stored features (the reference's
/// --no_norm_vfeat / --no_norm_tfeat as the corpus says); null: the config as it is.</param>
public sealed record RunPreset(Func<object, FeatureOptions, FeatureOptions> Features, Func<object, bool, CorpusInferenceOptions> Inference,
    Func<object, TrainingDefaults>? Training = null, Func<object, FeatureOptions, object>? MatchCorpus = null);

/// <summary>A kind's training settings: trainer options, batch size, for a second stage its use of candidates, the
/// validation number that picks the best epoch (null: VCMR R@1 at IoU 0.5 + 0.7, or VR R@1 + R@5 + R@10 + R@100 for a
/// retriever), and the first-stage videos per query the validation localises in (null: the inference preset's).</summary>
public sealed record TrainingDefaults(TrainerOptions Trainer, int BatchSize, CandidateTraining? Candidates = null, StopMetric? Stop = null,
    int? ValidationTopVideos = null)
{
    /// <summary>The reference TVR train.py's (XML).</summary>
    public static TrainingDefaults Tvr { get; } = new(new TrainerOptions(), new ExperimentOptions().BatchSize);
}

/// <summary>How a second stage trains on its first stage: the negatives, how many candidates each training query's list
/// keeps (the pool negatives come from), and which training queries it keeps (null: all).</summary>
public sealed record CandidateTraining(NegativeSampling Sampling, int TrainListLength,
    Func<IReadOnlyList<TvrQuery>, VideoCandidates, IReadOnlyList<TvrQuery>>? Select = null);

/// <summary>The <see cref="RunPreset"/> of each model kind that has one; a kind without one reads the corpus as it is
/// and runs with TVR's (XML's) inference settings.</summary>
public static class RunPresets
{
    private static readonly ConcurrentDictionary<string, RunPreset> _presets = new(StringComparer.Ordinal);

    static RunPresets()
    {
        Register(XmlModel.KindName, new RunPreset(XmlFeatures, (_, _) => CorpusInferenceOptions.Tvr));
        // CONQUER's loader; over a retriever of the suite its general similarity takes exp(20 s) of the raw scores, as
        // HERO's ranklists hold (ConquerTrainingOptions.FirstStageAlpha)
        Register(ConquerModel.KindName, new RunPreset(
            (c, corpus) => FeatureOptions.Conquer with
            {
                NormalizeVideo = corpus.NormalizeVideo, MaxCtxLen = ((ConquerConfig)c).MaxContextLength, MaxDescLen = ((ConquerConfig)c).MaxQueryLength,
            },
            (c, raw) => ((ConquerConfig)c).InferenceOptions(raw ? new ConquerTrainingOptions().FirstStageAlpha : null),
            ConquerTraining));
        // TVR's baselines: each reads the stores as its reference loader does and trains with its train.py's optimiser
        Register(MeeModel.KindName, new RunPreset((c, corpus) => ((MeeConfig)c).ReadOptions(corpus), (_, _) => CorpusInferenceOptions.Tvr,
            _ => new TrainingDefaults(MeeConfig.ReferenceTraining, TrainingDefaults.Tvr.BatchSize, Stop: StopMetric.Sum("VR", "r1")),
            (c, corpus) => ((MeeConfig)c).MatchCorpus(corpus)));
        // CAL/MCN: every proposal of the corpus, or of a first stage's top 5 videos; model selection on SVMR R@1 at IoU 0.5
        Register(CalModel.KindName, new RunPreset((c, corpus) => ((CalConfig)c).ReadOptions(corpus), (_, _) => CorpusInferenceOptions.Cal,
            _ => new TrainingDefaults(CalConfig.ReferenceTraining, TrainingDefaults.Tvr.BatchSize, Stop: StopMetric.Sum("SVMR", "0.5-r1")),
            (c, corpus) => ((CalConfig)c).MatchCorpus(corpus)));
        // ExCL over a first stage (MEE's top 100, exp(20 s)); its train.py validates SVMR alone, which does not depend on
        // the first stage, so validation localises in the first stage's best video only (VCMR there is top-1 VCMR)
        Register(ExclModel.KindName, new RunPreset((_, corpus) => corpus, (_, _) => CorpusInferenceOptions.Excl,
            _ => new TrainingDefaults(ExclConfig.ReferenceTraining, TrainingDefaults.Tvr.BatchSize, Stop: StopMetric.Svmr, ValidationTopVideos: 1)));
        Register(PremRetriever.KindName, new RunPreset(PremFeatures, (_, _) => CorpusInferenceOptions.Prem,
            _ => new TrainingDefaults(PremExperiment.Retriever.Trainer, PremExperiment.Retriever.BatchSize, Stop: PremExperiment.Retriever.Stop)));
        // PREM's localizer: 4 hard negatives from the first stage's top 100 of each training query, every query kept
        Register(PremLocalizer.KindName, new RunPreset(PremFeatures,
            (c, _) => CorpusInferenceOptions.Prem with { MinSpan = ((PremLocalizerConfig)c).MinSpan, MaxSpan = ((PremLocalizerConfig)c).MaxSpan },
            _ => new TrainingDefaults(PremExperiment.Localizer.Trainer, PremExperiment.Localizer.BatchSize,
                new CandidateTraining(NegativeSampling.Prem, NegativeSampling.Prem.TopPool!.Value), PremExperiment.Localizer.Stop)));
    }

    private static FeatureOptions PremFeatures(object config, FeatureOptions corpus) =>
        corpus with { MaxCtxLen = ((PremEncoderConfig)config).MaxContextLength, MaxDescLen = ((PremEncoderConfig)config).MaxQueryLength };

    private static FeatureOptions XmlFeatures(object config, FeatureOptions corpus)
    {
        var c = (XmlConfig)config;
        // the reference appends TEF to the subtitle stream too; the suite's reader appends it to the video stream only
        if (c.UseTef && c.HasSub)
            throw new ArgumentException("XML with TEF on the subtitle stream (ctx_mode sub_tef, video_sub_tef) cannot be read yet: " +
                "the suite's feature reader appends TEF to the video stream only (video_tef works)");
        return corpus with { MaxCtxLen = c.MaxContextLength, MaxDescLen = c.MaxQueryLength, Tef = c.UseTef };
    }

    // train.py's schedule and the shared-normalisation batch; the first stage's top 2000 per training query (HERO's
    // training ranklists), the queries whose ground truth is in its top 100 (tvr_train_select100_release.jsonl)
    private static TrainingDefaults ConquerTraining(object config)
    {
        var c = (ConquerConfig)config;
        var options = new ConquerTrainingOptions();
        return new TrainingDefaults(options.Trainer, options.BatchSize, new CandidateTraining(
            new NegativeSampling { Negatives = c.TrainingNegatives, ExtendPool = c.ExtendPool }, 2000,
            (queries, candidates) => ConquerExperiment.SelectTrainingQueries(queries, candidates, options.TrainingTopK).Kept));
    }

    /// <summary>Sets the preset of <paramref name="kind"/> (a later call replaces it).</summary>
    public static void Register(string kind, RunPreset preset) => _presets[kind] = preset;

    /// <summary>The options <paramref name="model"/> reads <paramref name="corpus"/> with.</summary>
    public static FeatureOptions Features(IConfiguredModel model, ITvrCorpus corpus) =>
        _presets.TryGetValue(model.Kind, out var p) ? p.Features(model.Config, corpus.FeatureOptions) : corpus.FeatureOptions;

    /// <summary>The paper preset <paramref name="spec"/> fitted to <paramref name="corpus"/>'s stored features (the kind's
    /// <see cref="RunPreset.MatchCorpus"/>).</summary>
    public static ModelSpec MatchCorpus(ModelSpec spec, ITvrCorpus corpus) =>
        _presets.TryGetValue(spec.Kind, out var p) && p.MatchCorpus is { } match ? spec with { Config = match(spec.Config, corpus.FeatureOptions) } : spec;

    /// <summary>The training settings of <paramref name="model"/>'s kind.</summary>
    public static TrainingDefaults Training(IConfiguredModel model) =>
        _presets.TryGetValue(model.Kind, out var p) && p.Training is { } training ? training(model.Config) : TrainingDefaults.Tvr;

    /// <summary>The inference settings of <paramref name="model"/>; <paramref name="rawFirstStageScores"/> false when
    /// its first stage is a given ranklist.</summary>
    public static CorpusInferenceOptions Inference(IConfiguredModel model, bool rawFirstStageScores = true) =>
        _presets.TryGetValue(model.Kind, out var p) ? p.Inference(model.Config, rawFirstStageScores) : CorpusInferenceOptions.Tvr;
}

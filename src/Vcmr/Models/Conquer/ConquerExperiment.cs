using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Inference;
using Vcmr.Training;

namespace Vcmr.Models.Conquer;

/// <summary>How CONQUER is trained over a first stage: train.py's schedule and the shared-normalisation scripts' batch.</summary>
public sealed record ConquerTrainingOptions
{
    /// <summary>n_epoch 50, lr 1e-4, wd 0.01, AdamW without schedule or clipping, seed 2018; max_es_cnt 3: the reference
    /// stops when a fourth evaluation in a row brings no improvement (es_cnt > max_es_cnt), so patience 4.</summary>
    public TrainerOptions Trainer { get; init; } = new()
    {
        Epochs = 50, LearningRate = 1e-4, WeightDecay = 0.01, Optimizer = OptimizerKind.AdamW, Patience = 4, Seed = 2018,
    };
    /// <summary>bsz: 16 queries (each with 1 + NegativeVideos videos) in the shared-normalisation scripts, 64 in
    /// train_general.sh (the ground-truth video alone).</summary>
    public int BatchSize { get; init; } = 16;
    /// <summary>A training query is kept only when its ground-truth video is among the first stage's top this many
    /// (tvr_train_select100_release.jsonl: HERO's top 100; the loader asserts it).</summary>
    public int TrainingTopK { get; init; } = 100;
    public string TrainSplit { get; init; } = "train";
    public string ValSplit { get; init; } = "val";
    /// <summary>The moment score's video term for the general similarity over a retriever of this suite, whose scores are
    /// raw (XML: a cosine): r = exp(alpha * s), as HERO's ranklists hold exp(q2c_alpha * s) with q2c_alpha 20. Null uses
    /// the first-stage scores as given (a released HERO ranklist).</summary>
    public double? FirstStageAlpha { get; init; } = 20;
    /// <summary>Validation inference: queries per batch (results do not depend on it).</summary>
    public int QueryBatchSize { get; init; } = 64;

    public ConquerTrainingOptions Validate()
    {
        if (BatchSize < 1) throw new ArgumentException($"ConquerTrainingOptions.BatchSize: {BatchSize} must be >= 1", nameof(BatchSize));
        if (TrainingTopK < 1) throw new ArgumentException($"ConquerTrainingOptions.TrainingTopK: {TrainingTopK} must be >= 1", nameof(TrainingTopK));
        if (FirstStageAlpha is double a && !double.IsFinite(a)) throw new ArgumentException($"ConquerTrainingOptions.FirstStageAlpha: {a} is not finite", nameof(FirstStageAlpha));
        if (QueryBatchSize < 1) throw new ArgumentException($"ConquerTrainingOptions.QueryBatchSize: {QueryBatchSize} must be >= 1", nameof(QueryBatchSize));
        return this;
    }
}

/// <summary>Training queries kept for CONQUER and how many were dropped because the first stage missed them.</summary>
public sealed record TrainingSelection(IReadOnlyList<TvrQuery> Kept, int Dropped, int TopK);

/// <summary>CONQUER as the second stage of a VCMR pipeline over first-stage candidates: training with shared
/// normalisation and validation per epoch, and the pipeline for inference.</summary>
public static class ConquerExperiment
{
    /// <summary>The queries whose ground-truth video is in their first <paramref name="topK"/> candidates (the reference
    /// trains on those only); a query without a candidate list is an error naming it.</summary>
    public static TrainingSelection SelectTrainingQueries(IReadOnlyList<TvrQuery> queries, VideoCandidates candidates, int topK = 100)
    {
        var kept = new List<TvrQuery>();
        foreach (var q in queries)
        {
            if (!q.HasGroundTruth) throw new ArgumentException($"desc_id {q.DescId} has no ground truth: cannot train on it");
            if (!candidates.Video2Idx.TryGetValue(q.VidName!, out int gt))
                throw new KeyNotFoundException($"{candidates.Source}: ground-truth video '{q.VidName}' of desc_id {q.DescId} is not in the candidates' video index");
            if (candidates[q.DescId].Take(topK).Any(c => c.VideoIdx == gt)) kept.Add(q);
        }
        return new TrainingSelection(kept, queries.Count - kept.Count, topK);
    }

    /// <summary>Checks that <paramref name="candidates"/> hold a list for every query of <paramref name="split"/> and
    /// nothing else: a candidates file made for another split (or another corpus) is one error naming its source, the
    /// split and a few of the desc_ids on either side.</summary>
    public static void RequireCandidates(VideoCandidates candidates, IReadOnlyList<TvrQuery> queries, string split)
    {
        var wanted = queries.Select(q => q.DescId).ToHashSet();
        var missing = wanted.Where(id => !candidates.Contains(id)).Order().ToList();
        var extra = candidates.DescIds.Where(id => !wanted.Contains(id)).Order().ToList();
        if (missing.Count == 0 && extra.Count == 0) return;
        static string Some(List<int> ids) => string.Join(", ", ids.Take(5)) + (ids.Count > 5 ? ", ..." : "");
        throw new DataFormatException($"{candidates.Source}: the first-stage candidates do not match split '{split}' ({wanted.Count} queries): "
            + string.Join("; ", new[]
            {
                missing.Count > 0 ? $"{missing.Count} of its queries have no list (desc_id {Some(missing)})" : null,
                extra.Count > 0 ? $"{extra.Count} lists are for queries not in it (desc_id {Some(extra)})" : null,
            }.OfType<string>()));
    }

    /// <summary>The inference pipeline of <paramref name="model"/> over <paramref name="candidates"/>: the config's top
    /// videos, span window, NMS and similarity; for general, r = exp(alpha * s) over raw first-stage scores when
    /// <paramref name="firstStageAlpha"/> is given.</summary>
    public static VcmrPipeline Pipeline(ConquerModel model, VideoCandidates candidates, double? firstStageAlpha, int queryBatchSize = 64) =>
        new(RetrieverStage.From(candidates), LocalizerStage.From(model), model.Config.InferenceOptions(firstStageAlpha) with { QueryBatchSize = queryBatchSize });

    /// <summary>
    /// Trains <paramref name="model"/> on the kept training queries (<see cref="SelectTrainingQueries"/>) with
    /// negatives drawn from their candidates (the config's NegativeVideos from the list cut at the ground truth's rank +
    /// ExtendPool), validating every epoch by the whole pipeline on the val candidates (VCMR R@1 at IoU 0.5 + 0.7, no
    /// NMS, as train.py); best and last checkpoints go to the trainer options' folder.
    /// </summary>
    public static TrainingHistory Train(ConquerModel model, TvrData data, TrainingSelection training, VideoCandidates trainCandidates,
        VideoCandidates valCandidates, ConquerTrainingOptions options, Action<TrainingProgress>? progress = null, string? resumeFrom = null,
        int? stopEpoch = null)
    {
        options.Validate();
        data.RequireWidths(model);
        RequireCandidates(trainCandidates, data.Queries(options.TrainSplit), options.TrainSplit);
        RequireCandidates(valCandidates, data.Queries(options.ValSplit), options.ValSplit);
        var sampling = new NegativeSampling { Negatives = model.Config.TrainingNegatives, ExtendPool = model.Config.ExtendPool };
        var batches = new CandidateBatches(data, options.TrainSplit, trainCandidates, sampling, options.BatchSize, options.Trainer.Seed, training.Kept);
        var validation = Validation.Vcmr(Pipeline(model, valCandidates, options.FirstStageAlpha, options.QueryBatchSize), data, options.ValSplit);
        return VcmrExperiment.Train(model, batches, model.Loss, validation, options.Trainer, progress, resumeFrom, stopEpoch);
    }
}

using Vcmr.Data;
using Vcmr.Evaluation;
using Vcmr.Inference;
using Vcmr.Models;

namespace Vcmr.Experiments;

/// <summary>A pipeline's submission on a split and its official metrics.</summary>
public sealed record VcmrResult(Submission Submission, TvrEvalResult Metrics);

/// <summary>Pipelines and first stages run on a split of a TVR-format corpus, then the official TVR evaluation.</summary>
public static class PipelineEvaluation
{
    /// <summary>Corpus-level inference on <paramref name="split"/>, NMS and cut as the pipeline's options say, and the
    /// official metrics.</summary>
    /// <param name="queries">the queries to answer (default: all of the split); they need ground truth.</param>
    public static VcmrResult Evaluate(this VcmrPipeline pipeline, TvrData data, string split, IReadOnlyList<TvrQuery>? queries = null,
        int corpusBatchSize = 64)
    {
        queries ??= data.Queries(split);
        var submission = pipeline.Submit(data, split, queries, corpusBatchSize);
        return new VcmrResult(submission, TvrMetrics.Evaluate(submission, queries));
    }

    /// <summary>Corpus-level inference on <paramref name="split"/>, NMS and cut as the pipeline's options say: the
    /// submission, for any split (SVMR only where the queries have ground truth). Feature widths are checked first.</summary>
    /// <param name="queries">the queries to answer (default: all of the split).</param>
    public static Submission Submit(this VcmrPipeline pipeline, TvrData data, string split, IReadOnlyList<TvrQuery>? queries = null,
        int corpusBatchSize = 64)
    {
        foreach (var widths in pipeline.Models.OfType<IFeatureWidths>()) data.RequireWidths(widths);
        queries ??= data.Queries(split);
        var raw = pipeline.Run(data.VideoCorpus(split, corpusBatchSize), data.QueryBatches(queries, pipeline.Options.QueryBatchSize),
            TvrData.InferenceQueries(queries), data.Index.Video2Idx(split));
        return VcmrPipeline.Finish(raw, pipeline.Options);
    }

    /// <summary>The first stage's <paramref name="topK"/> videos for every query of <paramref name="split"/> (raw scores,
    /// video_idx of the split's index), e.g. to save as a ranklist or to train a localizer on.</summary>
    public static VideoCandidates Retrieve(this RetrieverStage retriever, TvrData data, string split, int topK = 100,
        IReadOnlyList<TvrQuery>? queries = null, int queryBatchSize = 2000, int corpusBatchSize = 64)
    {
        if (retriever.Model is IFeatureWidths widths) data.RequireWidths(widths);
        queries ??= data.Queries(split);
        return retriever.Retrieve(data.VideoCorpus(split, corpusBatchSize), data.QueryBatches(queries, queryBatchSize), data.Index.Video2Idx(split), topK);
    }

    /// <summary>The official VR metrics of a first stage's <paramref name="topK"/> videos on <paramref name="split"/>.</summary>
    public static TvrEvalResult EvaluateRetrieval(this RetrieverStage retriever, TvrData data, string split, int topK = 100,
        IReadOnlyList<TvrQuery>? queries = null)
    {
        queries ??= data.Queries(split);
        return retriever.Retrieve(data, split, topK, queries).EvaluateRetrieval(data, split, queries);
    }

    /// <summary>The official VR metrics of videos already ranked for <paramref name="split"/>'s queries (a first stage's
    /// list kept for later stages, so that it is not ranked twice).</summary>
    public static TvrEvalResult EvaluateRetrieval(this VideoCandidates candidates, TvrData data, string split, IReadOnlyList<TvrQuery>? queries = null)
    {
        queries ??= data.Queries(split);
        return TvrMetrics.Evaluate(candidates.ToSubmission(queries.ToDictionary(q => q.DescId, q => q.Desc)), queries);
    }
}

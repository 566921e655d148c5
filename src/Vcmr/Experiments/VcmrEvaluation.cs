using Vcmr.Data;
using Vcmr.Evaluation;
using Vcmr.Inference;
using Vcmr.Models;

namespace Vcmr.Experiments;

/// <summary>A model's submission on a split and its official metrics.</summary>
public sealed record VcmrResult(Submission Submission, TvrEvalResult Metrics)
{
    /// <summary>The reference's model-selection score: VCMR R@1 at IoU 0.5 plus at IoU 0.7.</summary>
    public double StopScore => VcmrEvaluation.StopScore(Metrics);
}

/// <summary>Corpus-level inference on a split followed by the official TVR evaluation.</summary>
public static class VcmrEvaluation
{
    public static double StopScore(TvrEvalResult metrics) => metrics["VCMR"]["0.5-r1"] + metrics["VCMR"]["0.7-r1"];

    /// <param name="queries">the queries to answer (default: all of the split); they need ground truth.</param>
    public static VcmrResult Run<TModel, TEnc>(TModel model, TvrData data, string split, CorpusInferenceOptions options,
        IReadOnlyList<TvrQuery>? queries = null, int corpusBatchSize = 64)
        where TModel : IVideoRetriever<TEnc>, IMomentLocalizer<TEnc> where TEnc : IDisposable
    {
        if (model is IFeatureWidths widths) data.RequireWidths(widths);
        queries ??= data.Queries(split);
        var raw = CorpusInference.Run<TModel, TEnc>(model, data.Corpus(split, corpusBatchSize),
            data.QueryBatches(queries, options.QueryBatchSize), TvrData.InferenceQueries(queries), data.Index.Video2Idx(split), options);
        var submission = CorpusInference.Finish(raw, options);
        return new VcmrResult(submission, TvrMetrics.Evaluate(submission, queries));
    }
}

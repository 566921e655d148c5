using Vcmr.Evaluation;
using Vcmr.Inference;

namespace Vcmr.Experiments;

/// <summary>What an experiment runs after every epoch (the model in eval mode) and the metric that picks the best
/// epoch: a whole VCMR pipeline for a localizer or a one-network model, the first stage alone for a retriever.</summary>
public sealed record Validation(Func<TvrEvalResult> Run, StopMetric Stop)
{
    /// <summary>The pipeline's official metrics on <paramref name="split"/>; stops on VCMR 0.5-r1 + 0.7-r1 unless told.</summary>
    public static Validation Vcmr(VcmrPipeline pipeline, TvrData data, string split, StopMetric? stop = null) =>
        new(() => pipeline.Evaluate(data, split).Metrics, stop ?? StopMetric.Vcmr);

    /// <summary>The retriever's official VR metrics (top <paramref name="topK"/>) on <paramref name="split"/>; stops on
    /// VR R@1 + R@5 + R@10 + R@100 unless told.</summary>
    public static Validation Retrieval(RetrieverStage retriever, TvrData data, string split, int topK = 100, StopMetric? stop = null) =>
        new(() => retriever.EvaluateRetrieval(data, split, topK), stop ?? StopMetric.VrRecallSum);
}

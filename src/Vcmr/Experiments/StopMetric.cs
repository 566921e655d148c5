using Vcmr.Evaluation;

namespace Vcmr.Experiments;

/// <summary>The validation number that picks the best epoch and drives early stopping (higher is better).</summary>
public sealed record StopMetric(string Name, Func<TvrEvalResult, double> Score)
{
    /// <summary>The localizers' (TVR train.py, stop_task VCMR): VCMR R@1 at IoU 0.5 plus at IoU 0.7.</summary>
    public static StopMetric Vcmr { get; } = Sum("VCMR", "0.5-r1", "0.7-r1");

    /// <summary>SVMR R@1 at IoU 0.5 plus 0.7 (the reference's stop_task SVMR, ExCL's).</summary>
    public static StopMetric Svmr { get; } = Sum("SVMR", "0.5-r1", "0.7-r1");

    /// <summary>The retrievers': VR R@1 + R@5 + R@10 + R@100.</summary>
    public static StopMetric VrRecallSum { get; } = Sum("VR", "r1", "r5", "r10", "r100");

    /// <summary>The sum of the named metrics of one task table.</summary>
    public static StopMetric Sum(string task, params string[] keys) =>
        new($"{task} {string.Join(" + ", keys)}", m => keys.Sum(k => m[task][k]));

    public override string ToString() => Name;
}

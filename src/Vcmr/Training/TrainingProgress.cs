using System.Globalization;

namespace Vcmr.Training;

/// <summary>Reported after every step (ValScore null; Loss, Parts and QueriesPerSecond set) and after every epoch's
/// evaluation (ValScore set, Parts empty).</summary>
/// <param name="Parts">the step's loss parts as the model reports them (unweighted values, with their weights).</param>
public sealed record TrainingProgress(int Epoch, long Step, double Loss, IReadOnlyList<LossPart> Parts,
    double QueriesPerSecond, double? ValScore, double BestScore)
{
    /// <summary>"loss 0.2635 (st_ed 2.3104, neg_ctx 0.0500, neg_q 0.0412)": a step's total and whatever parts the model
    /// reports.</summary>
    public string LossLine() => Parts.Count == 0 ? string.Create(CultureInfo.InvariantCulture, $"loss {Loss:F4}")
        : string.Create(CultureInfo.InvariantCulture, $"loss {Loss:F4} ({string.Join(", ", Parts.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.Value:F4}")))})");
}

/// <summary>The optimiser a trainer steps with.</summary>
public enum OptimizerKind
{
    /// <summary>pytorch_pretrained_bert's BertAdam (TVR's XML): no bias correction, per-parameter grad clip, warmup_linear.</summary>
    BertAdam,
    /// <summary>UNITER's/HuggingFace's AdamW (CONQUER): bias correction, constant rate, no clipping.</summary>
    AdamW,
}

/// <summary>Trainer settings; defaults are TVR train.py's and config.py's (jayleicn/TVRetrieval, XML).</summary>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 100;
    public double LearningRate { get; init; } = 1e-4;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.BertAdam;
    /// <summary>BertAdam's warm-up share of the steps (AdamW has no schedule).</summary>
    public double WarmupProportion { get; init; } = 0.01;
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>BertAdam's per-parameter gradient-norm clip (AdamW does not clip).</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>max_es_cnt: epochs without a better validation score before stopping.</summary>
    public int Patience { get; init; } = 10;
    public int Seed { get; init; } = 2018;
    /// <summary>Folder for best.ckpt, last.ckpt and config.json; null writes nothing.</summary>
    public string? CheckpointDir { get; init; }
}

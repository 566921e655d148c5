namespace Vcmr.Training;

/// <summary>Reported after every step (ValScore null) and after every epoch's evaluation (ValScore set).</summary>
public sealed record TrainingProgress(int Epoch, long Step, double Loss, double StartEnd, double NegContext, double NegQuery,
    double QueriesPerSecond, double? ValScore, double BestScore);

/// <summary>Trainer settings; defaults are TVR train.py's (reference/tvr-xml.md 2.1).</summary>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 100;
    public double LearningRate { get; init; } = 1e-4;
    public double WarmupProportion { get; init; } = 0.01;
    public double WeightDecay { get; init; } = 0.01;
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>max_es_cnt: epochs without a better validation score before stopping.</summary>
    public int Patience { get; init; } = 10;
    public int Seed { get; init; } = 2018;
    /// <summary>Batches per epoch, for the schedule's t_total = StepsPerEpoch * Epochs.</summary>
    public int StepsPerEpoch { get; init; } = 1;
    /// <summary>Folder for best.ckpt, last.ckpt and config.json; null writes nothing.</summary>
    public string? CheckpointDir { get; init; }
}

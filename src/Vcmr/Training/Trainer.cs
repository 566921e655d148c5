using System.Diagnostics;
using TorchSharp;
using Vcmr.Data;
using Vcmr.Models;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Training;

/// <summary>
/// Epoch loop shared by the models: a model, its batch source and a loss on that batch kind; the options' optimiser
/// (BertAdam with warmup_linear, or AdamW), one dispose scope per step, an evaluation callback per epoch (higher is better, e.g. VCMR 0.5-r1 +
/// 0.7-r1), early stopping with patience, best and last checkpoints (with the model's kind and config), and resume
/// from the last checkpoint. The loss's random stream of epoch e is Seeding.Rng(seed, "negatives/e"), so a resumed
/// run draws exactly what an uninterrupted one would.
/// </summary>
public sealed class Trainer<TBatch> where TBatch : ITrainingBatch
{
    private readonly nn.Module _model;
    private readonly IBatchSource<TBatch> _batches;
    private readonly TrainingLoss<TBatch> _loss;
    private readonly TrainerOptions _options;
    private readonly IOptimizer _optimizer;

    /// <param name="model">the module whose parameters are trained; with a checkpoint folder it must be an
    /// <see cref="IConfiguredModel"/> (checkpoints record its kind and config).</param>
    public Trainer(nn.Module model, IBatchSource<TBatch> batches, TrainingLoss<TBatch> loss, TrainerOptions options)
    {
        if (options.Epochs <= 0) throw new ArgumentException($"TrainerOptions.Epochs: {options.Epochs} must be > 0");
        if (options.Patience <= 0) throw new ArgumentException($"TrainerOptions.Patience: {options.Patience} must be > 0");
        if (batches.StepsPerEpoch <= 0) throw new ArgumentException($"the batch source has {batches.StepsPerEpoch} steps per epoch");
        if (options.CheckpointDir is not null && model is not IConfiguredModel)
            throw new ArgumentException($"{model.GetType().Name} is not an IConfiguredModel: checkpoints need its kind and config");
        (_model, _batches, _loss, _options) = (model, batches, loss, options);
        var named = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter));
        _optimizer = options.Optimizer == OptimizerKind.AdamW
            ? new AdamW(named, options.LearningRate, options.WeightDecay)
            : new BertAdam(named, options.LearningRate, options.WarmupProportion, (long)batches.StepsPerEpoch * options.Epochs,
                weightDecay: options.WeightDecay, maxGradNorm: options.MaxGradNorm);
    }

    public int Epoch { get; private set; }
    public double BestScore { get; private set; } = double.NegativeInfinity;
    private int _badEpochs;

    /// <summary>Trains until Epochs or early stop; <paramref name="stopEpoch"/> (exclusive) interrupts earlier.</summary>
    /// <param name="evaluate">validation score after an epoch, higher is better.</param>
    public void Fit(Func<int, double> evaluate, Action<TrainingProgress>? progress = null, int? stopEpoch = null)
    {
        long step = 0;
        for (; Epoch < (stopEpoch ?? _options.Epochs) && _badEpochs < _options.Patience; Epoch++)
        {
            _model.train();
            var rng = Seeding.Rng(_options.Seed, $"negatives/{Epoch}");
            foreach (var batch in _batches.Epoch(Epoch))
            {
                using var owned = batch;
                var clock = Stopwatch.StartNew();
                using var scope = NewDisposeScope();
                _optimizer.ZeroGrad();
                var parts = _loss(batch, new TrainingStep(Epoch, step, rng));
                parts.Total.backward();
                _optimizer.Step();
                double loss = parts.Total.item<float>();
                step++;
                progress?.Invoke(new(Epoch, step, loss, parts.Parts, batch.Queries / clock.Elapsed.TotalSeconds, null, BestScore));
            }
            _model.eval();
            double score = evaluate(Epoch);
            bool better = score > BestScore;
            if (better) (BestScore, _badEpochs) = (score, 0);
            else _badEpochs++;
            progress?.Invoke(new(Epoch, step, double.NaN, [], double.NaN, score, BestScore));
            if (_options.CheckpointDir is { } dir)
            {
                Directory.CreateDirectory(dir);
                var ckpt = Snapshot(Epoch + 1);
                if (better)
                {
                    ckpt.Save(Path.Combine(dir, "best.ckpt"));
                    AtomicFile.WriteAllText(Path.Combine(dir, "config.json"), ckpt.ConfigJson);
                }
                ckpt.Save(Path.Combine(dir, "last.ckpt"));
            }
        }
    }

    private Checkpoint Snapshot(int nextEpoch)
    {
        var tensors = Checkpoint.ModelTensors(_model);
        foreach (var (name, t) in _optimizer.StateDict()) tensors[Checkpoint.OptimizerPrefix + name] = t;
        tensors[Checkpoint.RngKey] = torch.random.get_rng_state();
        return new Checkpoint(ModelRegistry.Describe((IConfiguredModel)_model), nextEpoch, BestScore, _badEpochs, tensors);
    }

    /// <summary>Restores model, optimiser, torch RNG and counters from a checkpoint this trainer's kind wrote (last.ckpt);
    /// another kind, config or shape, or a checkpoint of weights only, is an error naming the file.</summary>
    public void Resume(string path)
    {
        var ckpt = Checkpoint.Load(path);
        try
        {
            if (!ckpt.HasTrainingState)
                throw new InvalidDataException($"checkpoint '{path}' holds model weights only (no optimiser state, RNG state or epoch counters): "
                    + "it can initialise a model (Checkpoint.LoadWeights, Checkpoint.LoadModel) but cannot resume training; resume from the last.ckpt a trainer wrote");
            ckpt.CopyWeightsInto(path, _model);
            _optimizer.LoadStateDict(ckpt.Tensors.Where(kv => kv.Key.StartsWith(Checkpoint.OptimizerPrefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[Checkpoint.OptimizerPrefix.Length..], kv => kv.Value));
            torch.random.set_rng_state(ckpt.Tensors[Checkpoint.RngKey]);
            (Epoch, BestScore, _badEpochs) = (ckpt.Epoch, ckpt.BestScore, ckpt.BadEpochs);
        }
        finally
        {
            foreach (var t in ckpt.Tensors.Values) t.Dispose();
        }
    }
}

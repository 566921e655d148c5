using System.Diagnostics;
using TorchSharp;
using Vcmr.Data;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Training;

/// <summary>
/// Epoch loop shared by the models: BertAdam with warmup_linear, one dispose scope per step, an evaluation
/// callback per epoch (higher is better, e.g. VCMR 0.5-r1 + 0.7-r1), early stopping with patience, best and last
/// checkpoints, and resume from the last checkpoint. Negatives of epoch e come from Seeding.Rng(seed, "negatives/e"),
/// so a resumed run draws exactly what an uninterrupted one would.
/// </summary>
public sealed class Trainer<TModel> where TModel : nn.Module, ITrainable
{
    private readonly TModel _model;
    private readonly TrainerOptions _options;
    private readonly BertAdam _optimizer;

    public Trainer(TModel model, TrainerOptions options)
    {
        if (options.Epochs <= 0) throw new ArgumentException($"TrainerOptions.Epochs: {options.Epochs} must be > 0");
        if (options.StepsPerEpoch <= 0) throw new ArgumentException($"TrainerOptions.StepsPerEpoch: {options.StepsPerEpoch} must be > 0");
        if (options.Patience <= 0) throw new ArgumentException($"TrainerOptions.Patience: {options.Patience} must be > 0");
        (_model, _options) = (model, options);
        _optimizer = new BertAdam(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), options.LearningRate,
            options.WarmupProportion, (long)options.StepsPerEpoch * options.Epochs, weightDecay: options.WeightDecay,
            maxGradNorm: options.MaxGradNorm);
    }

    public int Epoch { get; private set; }
    public double BestScore { get; private set; } = double.NegativeInfinity;
    private int _badEpochs;

    /// <summary>Trains until Epochs or early stop; <paramref name="stopEpoch"/> (exclusive) interrupts earlier.</summary>
    /// <param name="batches">a fresh enumeration of the epoch's batches (called once per epoch); each batch is disposed after its step.</param>
    /// <param name="evaluate">validation score after an epoch, higher is better.</param>
    public void Fit(Func<int, IEnumerable<TrainingBatch>> batches, Func<int, double> evaluate,
        Action<TrainingProgress>? progress = null, int? stopEpoch = null)
    {
        long step = 0;
        for (; Epoch < (stopEpoch ?? _options.Epochs) && _badEpochs < _options.Patience; Epoch++)
        {
            _model.train();
            var rng = Seeding.Rng(_options.Seed, $"negatives/{Epoch}");
            foreach (var batch in batches(Epoch))
            {
                using var owned = batch;
                var clock = Stopwatch.StartNew();
                using var scope = NewDisposeScope();
                _optimizer.ZeroGrad();
                var parts = _model.Loss(batch, Epoch, rng);
                parts.Total.backward();
                _optimizer.Step();
                double loss = parts.Total.item<float>();
                step++;
                progress?.Invoke(new(Epoch, step, loss, parts.StartEnd, parts.NegContext, parts.NegQuery,
                    batch.StartLabels.shape[0] / clock.Elapsed.TotalSeconds, null, BestScore));
            }
            _model.eval();
            double score = evaluate(Epoch);
            bool better = score > BestScore;
            if (better) (BestScore, _badEpochs) = (score, 0);
            else _badEpochs++;
            progress?.Invoke(new(Epoch, step, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, score, BestScore));
            if (_options.CheckpointDir is { } dir)
            {
                Directory.CreateDirectory(dir);
                var ckpt = Snapshot(Epoch + 1);
                if (better)
                {
                    ckpt.Save(Path.Combine(dir, "best.ckpt"));
                    AtomicFile.WriteAllText(Path.Combine(dir, "config.json"), _model.ConfigJson());
                }
                ckpt.Save(Path.Combine(dir, "last.ckpt"));
            }
        }
    }

    private Checkpoint Snapshot(int nextEpoch)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, t) in _model.state_dict()) tensors[Checkpoint.ModelPrefix + name] = t;
        foreach (var (name, t) in _optimizer.StateDict()) tensors["optim." + name] = t;
        tensors["rng.torch"] = torch.random.get_rng_state();
        return new Checkpoint(_model.ConfigJson(), nextEpoch, BestScore, _badEpochs, tensors);
    }

    /// <summary>Restores model, optimiser, torch RNG and counters; throws if the checkpoint is of another config.</summary>
    public void Resume(string path)
    {
        var ckpt = Checkpoint.Load(path);
        ckpt.CopyWeightsInto(path, _model, _model.ConfigJson());
        _optimizer.LoadStateDict(ckpt.Tensors.Where(kv => kv.Key.StartsWith("optim.")).ToDictionary(kv => kv.Key[6..], kv => kv.Value));
        torch.random.set_rng_state(ckpt.Tensors["rng.torch"]);
        (Epoch, BestScore, _badEpochs) = (ckpt.Epoch, ckpt.BestScore, ckpt.BadEpochs);
        foreach (var t in ckpt.Tensors.Values) t.Dispose();
    }
}

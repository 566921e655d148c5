using TorchSharp;
using System.CommandLine;
using System.Globalization;
using Vcmr.Checkpoints;
using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Models;
using Vcmr.Models.Conquer;
using Vcmr.Runtime;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Cli;

/// <summary>What <c>vcmr train</c> was asked to do (options as parsed; defaults are the reference train.py's).</summary>
internal sealed record TrainArgs(DirectoryInfo Corpus, DirectoryInfo Out)
{
    public FileInfo? Config { get; init; }
    public string? Kind { get; init; }
    public FileInfo? Resume { get; init; }
    /// <summary>A second stage's first stage: a retriever's model file, or ranklist folders (one per split).</summary>
    public IReadOnlyList<string>? FirstStage { get; init; }
    /// <summary>Null: the kind's (<see cref="RunPresets.Training"/>).</summary>
    public int? Epochs { get; init; }
    public int? BatchSize { get; init; }
    public double? LearningRate { get; init; }
    public int? Patience { get; init; }
    public int Seed { get; init; } = new TrainerOptions().Seed;
    public string TrainSplit { get; init; } = "train";
    public string ValSplit { get; init; } = "val";
    public string? Device { get; init; }
    public CorpusLayout Layout { get; init; }
}

/// <summary>
/// <c>vcmr train --corpus DIR --out DIR [--config FILE | --kind K] [--resume CKPT] [training options]</c>: trains a
/// registered model kind on a corpus folder (synthetic, a TVR release or CONQUER's), validating every epoch, and writes best.ckpt,
/// last.ckpt, config.json and metrics.json into --out, each atomically. Without --config the model is the kind's paper
/// preset (or, when resuming, the config the checkpoint records).
/// </summary>
internal static class TrainCommand
{
    /// <summary>The files a run writes into --out.</summary>
    internal static readonly string[] Outputs = ["best.ckpt", "last.ckpt", "config.json", "metrics.json"];

    public static Command Create(TextWriter console, int? terminalWidth)
    {
        var (xml, conquer) = (TrainingDefaults.Tvr, RunPresets.Training(ModelSpec.Paper(ConquerModel.KindName)));
        string Kinds(Func<TrainingDefaults, object> value) => $"default: the kind's, xml {value(xml)}, conquer {value(conquer)}";
        var corpus = CommandLine.CorpusOption();
        var output = new Option<DirectoryInfo>("--out") { Description = $"folder for {string.Join(", ", Outputs)} (each written whole or not at all)", Required = true };
        var config = new Option<FileInfo?>("--config") { Description = "model config JSON: the suite's {\"model\": kind, \"config\": {...}} (a run's config.json) or a reference model_cfg; default: the kind's paper preset" };
        var kind = KindOption.Create("the model kind to train (default xml; with --config, the kind the file must describe)");
        var resume = new Option<FileInfo?>("--resume") { Description = "continue from a last.ckpt this command wrote (same kind and config; the model is rebuilt from it unless --config is given)" };
        var firstStage = new Option<string[]>("--first-stage")
        {
            Description = "for a second-stage kind (conquer and prem-localizer train and validate on its candidates, excl validates on them; optional for " +
                "cal/mcn, validated on every video without it): a retriever's model file (e.g. an XML, MEE or prem-retriever best.ckpt), or ranklist " +
                "folders (LMDB, CONQUER's format), the option once per split; default on CONQUER's release: its HERO ranklists of the two splits",
        };
        var epochs = new Option<int?>("--epochs") { Description = $"epochs to plan, the learning-rate schedule spans them ({Kinds(d => d.Trainer.Epochs)})" };
        var batch = new Option<int?>("--batch-size") { Description = $"training queries per batch, bsz ({Kinds(d => d.BatchSize)})" };
        var lr = new Option<double?>("--lr") { Description = $"peak learning rate ({Kinds(d => d.Trainer.LearningRate)})" };
        var patience = new Option<int?>("--patience") { Description = $"epochs without a better validation score before stopping ({Kinds(d => d.Trainer.Patience)})" };
        var seed = CommandLine.WithDefault("--seed", new TrainerOptions().Seed, "seed of the weights, batch order and negatives");
        var trainSplit = CommandLine.WithDefault("--train-split", "train", "split trained on");
        var valSplit = CommandLine.WithDefault("--val-split", "val", "split validated on after every epoch");
        var device = CommandLine.DeviceOption();
        var layout = CommandLine.LayoutOption();
        var command = new Command("train", "Train a model on a corpus folder: validated every epoch, resumable, checkpoints and metrics written atomically.")
        {
            corpus, layout, output, config, kind, resume, firstStage, epochs, batch, lr, patience, seed, trainSplit, valSplit, device,
        };
        command.SetAction(parse => Run(new TrainArgs(parse.GetValue(corpus)!, parse.GetValue(output)!)
        {
            Config = parse.GetValue(config), Kind = parse.GetValue(kind), Resume = parse.GetValue(resume), FirstStage = parse.GetValue(firstStage), Epochs = parse.GetValue(epochs),
            BatchSize = parse.GetValue(batch), LearningRate = parse.GetValue(lr), Patience = parse.GetValue(patience), Seed = parse.GetValue(seed),
            TrainSplit = parse.GetValue(trainSplit)!, ValSplit = parse.GetValue(valSplit)!, Device = parse.GetValue(device),
            Layout = parse.GetValue(layout),
        }, console, terminalWidth));
        return command;
    }

    /// <param name="stopEpoch">tests: stop before this epoch as an interrupted run would.</param>
    internal static int Run(TrainArgs args, TextWriter console, int? terminalWidth = null, int? stopEpoch = null) => CommandLine.Guard(console, () =>
    {
        var bad = new (string Option, bool Bad)[]
        {
            ("--epochs", args.Epochs < 1), ("--batch-size", args.BatchSize < 2),
            ("--lr", args.LearningRate is double rate && (!(rate > 0) || double.IsInfinity(rate))), ("--patience", args.Patience < 1),
        }.Where(o => o.Bad).Select(o => o.Option).ToList();
        if (bad.Count > 0)
            throw new ArgumentException($"out of range: {string.Join(", ", bad)} (epochs and patience >= 1, batch size >= 2, learning rate > 0)");
        KindOption.Check(args.Kind);
        if (args.Config != null) CommandLine.CheckInput(args.Config, "--config");
        if (args.Resume != null) CommandLine.CheckInput(args.Resume, "--resume");
        FirstStageFile.CheckExist(args.FirstStage ?? []);
        var corpus = CorpusFolder.Open(args.Corpus.FullName, args.Layout, args.TrainSplit, args.ValSplit);
        CommandLine.CheckOutputFolder(args.Out, "--out");
        var inputs = CorpusFolder.Files(corpus, [args.TrainSplit, args.ValSplit]).Select(f => (new FileInfo(f), "--corpus")).ToList();
        if (args.Config != null) inputs.Add((args.Config, "--config"));
        inputs.AddRange((args.FirstStage ?? []).Where(File.Exists).Select(f => (new FileInfo(f), "--first-stage")));
        foreach (var name in Outputs) CommandLine.CheckOutput(new FileInfo(Path.Combine(args.Out.FullName, name)), "--out", [.. inputs]);

        var (spec, startEpoch) = Spec(args, corpus);
        var device = TorchDevice.Resolve(args.Device);
        Seeding.Seed(args.Seed);
        using var model = spec.Create();
        // a checkpoint of another kind or config fails here, naming the file and tensor, before any output
        if (args.Resume != null) Checkpoint.LoadWeights(args.Resume.FullName, (IConfiguredModel)model);
        model.to(device);
        using var data = TvrData.Open(corpus, device, RunPresets.Features(spec, corpus));
        var defaults = RunPresets.Training(spec);
        var firstStage = FirstStage(args, corpus, model, defaults);
        var inference = RunPresets.Inference(spec, rawFirstStageScores: !FirstStageFile.IsRanklist(firstStage ?? []));
        var options = new ExperimentOptions
        {
            BatchSize = args.BatchSize ?? defaults.BatchSize, TrainSplit = args.TrainSplit, ValSplit = args.ValSplit,
            Inference = inference with { TopVideos = defaults.ValidationTopVideos ?? inference.TopVideos }, Stop = defaults.Stop ?? StopMetric.Vcmr,
            Trainer = defaults.Trainer with
            {
                Epochs = args.Epochs ?? defaults.Trainer.Epochs, LearningRate = args.LearningRate ?? defaults.Trainer.LearningRate,
                Patience = args.Patience ?? defaults.Trainer.Patience, Seed = args.Seed, CheckpointDir = args.Out.FullName,
            },
        };
        var plan = AnyModel.Plan(model, data, options, Candidates(args, firstStage, model, spec, defaults, corpus, data, options, device, console));
        int epochs = options.Trainer.Epochs;
        console.WriteLine($"training {ModelFiles.Summary(spec)}{(args.Config is null ? args.Resume is null ? " (paper preset)" : "" : $" (config {args.Config.FullName})")}");
        console.WriteLine($"corpus {args.Corpus.FullName}: {data.Queries(args.TrainSplit).Count} {args.TrainSplit} queries, " +
            $"{data.Queries(args.ValSplit).Count} {args.ValSplit} queries; {Count(plan.StepsPerEpoch, "step")} of {options.BatchSize} per epoch, " +
            $"{Count(epochs, "epoch")}, seed {args.Seed}, {device.type.ToString().ToLowerInvariant()}, {TorchSharp.torch.get_num_threads()} threads, stop on {plan.Stop.Name}");
        var metrics = new TrainingMetrics(Path.Combine(args.Out.FullName, "metrics.json"), ModelRegistry.Describe(spec), plan.Stop.Name);
        if (args.Resume != null)
        {
            bool kept = metrics.KeepBefore(startEpoch);
            console.WriteLine($"resuming {args.Resume.FullName} at epoch {startEpoch + 1}" +
                (kept ? "" : $" ({metrics.Path} of the earlier epochs was not found; it will hold the epochs from here on)"));
        }
        var display = new TrainingDisplay(console, terminalWidth, epochs, plan.StepsPerEpoch, startEpoch, plan.Stop);
        var history = plan.Run(display.OnProgress, args.Resume?.FullName, stopEpoch, record =>
        {
            metrics.Add(record);
            display.OnEpoch(record);
        });
        if (history.Epochs.Count == 0)
        {
            console.WriteLine($"nothing to train: {args.Resume?.FullName} is at the end of its {Count(epochs, "epoch")} or stopped early; --epochs plans a longer run");
            return CommandLine.Success;
        }
        var best = history.Best!;
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained epochs {history.Epochs[0].Epoch + 1}..{history.Epochs[^1].Epoch + 1}; best of this run: epoch {best.Epoch + 1}, {plan.Stop.Name} {best.StopScore:F2}"));
        foreach (var name in Outputs)
        {
            string path = Path.Combine(args.Out.FullName, name);
            if (File.Exists(path)) console.WriteLine($"written {path}");
        }
        return CommandLine.Success;
    });

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";

    // --first-stage as given; without it, a second stage on CONQUER's release trains over the release's own HERO ranklists
    // (train_select100_top2000 for the training split, when the kind trains on candidates, and the validation split's).
    private static IReadOnlyList<string>? FirstStage(TrainArgs args, ITvrCorpus corpus, nn.Module model, TrainingDefaults defaults)
    {
        if (args.FirstStage is { Count: > 0 } || corpus is not ConquerRelease release || !AnyModel.NeedsFirstStage(model)) return args.FirstStage;
        return FirstStageFile.ReleaseRanklists(release, args.Corpus.FullName,
            defaults.Candidates is null ? [args.ValSplit] : [args.TrainSplit, args.ValSplit]);
    }

    // What a second stage trains and validates on: its first stage's top candidates on the validation split and, for a kind
    // trained on them, on the training split (the training queries its kind keeps); null for a kind run without one.
    private static FirstStageCandidates? Candidates(TrainArgs args, IReadOnlyList<string>? firstStage, nn.Module model, ModelSpec spec,
        TrainingDefaults defaults, ITvrCorpus corpus, TvrData data, ExperimentOptions options, Device device, TextWriter console)
    {
        var training = defaults.Candidates;
        if (firstStage is not { Count: > 0 } given)
        {
            if (AnyModel.NeedsFirstStage(model))
                throw new ArgumentException($"--first-stage: a '{spec.Kind}' model {(training is null ? "is validated over" : "trains on")} a first stage's " +
                    "candidates: give a retriever's model file (e.g. an XML or MEE best.ckpt) or its ranklist folders");
            return null;
        }
        if (!AnyModel.IsLocalizer(model) || AnyModel.IsRetriever(model))
            throw new ArgumentException($"--first-stage: a '{spec.Kind}' model trains without a first stage");
        var runs = new List<(string, int)>();
        if (training is not null) runs.Add((args.TrainSplit, Math.Min(training.TrainListLength, data.Index[args.TrainSplit].Count)));
        runs.Add((args.ValSplit, options.Inference.TopVideos));
        var lists = FirstStageFile.Candidates(given, corpus, data, device, console, [.. runs]);
        if (training is null) return new FirstStageCandidates(null, lists[0]);
        var queries = data.Queries(args.TrainSplit);
        var kept = training.Select?.Invoke(queries, lists[0]);
        if (kept is not null) console.WriteLine($"first stage: {kept.Count} of {queries.Count} {args.TrainSplit} queries kept (the others: the first stage misses their video)");
        return new FirstStageCandidates(lists[0], lists[1], training.Sampling, kept);
    }

    // The model to train and the epoch it starts at: --config, else the resumed checkpoint's own config, else the
    // paper preset of --kind (xml by default) fitted to the corpus's stored features.
    private static (ModelSpec Spec, int StartEpoch) Spec(TrainArgs args, ITvrCorpus corpus)
    {
        int start = 0;
        ModelSpec? recorded = null;
        if (args.Resume != null)
        {
            if (ModelFiles.Detect(args.Resume.FullName) != WeightFormat.Suite)
                throw new DataFormatException($"--resume {args.Resume.FullName}: not a suite checkpoint; resume from the last.ckpt vcmr train wrote " +
                    "(a PyTorch or safetensors file holds weights without the optimiser state; vcmr infer reads it)");
            var ckpt = Checkpoint.Load(args.Resume.FullName);
            foreach (var t in ckpt.Tensors.Values) t.Dispose();
            if (!ckpt.HasTrainingState)
                throw new DataFormatException($"--resume {args.Resume.FullName}: holds model weights only (no optimiser state, RNG state or epoch " +
                    "counters), so it cannot resume training; resume from the last.ckpt vcmr train wrote");
            recorded = KindOption.Fit(ModelConfigFiles.Parse(ckpt.ConfigJson, $"{args.Resume.FullName} (config)", KindOption.Registered(args.Kind)),
                args.Kind, args.Resume.FullName, recordsModelType: true);
            start = ckpt.Epoch;
        }
        var spec = args.Config != null
            ? KindOption.Fit(ModelConfigFiles.Read(args.Config.FullName, KindOption.Registered(args.Kind)), args.Kind, args.Config.FullName,
                KindOption.RecordsModelType(args.Config.FullName))
            : recorded ?? RunPresets.MatchCorpus(KindOption.Paper(args.Kind ?? "xml"), corpus);
        return (spec, start);
    }
}

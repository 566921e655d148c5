using TorchSharp;
using System.CommandLine;
using Vcmr.Checkpoints;
using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Cli;

/// <summary>What <c>vcmr infer</c> was asked to do.</summary>
internal sealed record InferArgs(FileInfo Checkpoint, DirectoryInfo Corpus, FileInfo Out)
{
    public string Split { get; init; } = "val";
    public FileInfo? Config { get; init; }
    public string? Kind { get; init; }
    /// <summary>The first stage of a second-stage-only model: a retriever's model file, or a ranklist folder (LMDB).</summary>
    public string? FirstStage { get; init; }
    public double? Nms { get; init; }
    public string? Device { get; init; }
    public CorpusLayout Layout { get; init; }
}

/// <summary>
/// <c>vcmr infer --checkpoint FILE --corpus DIR --out submission.json [--split val|test_public|train]</c>: a split of a
/// corpus folder to a TVR submission file with the model's pipeline and its kind's inference preset. The checkpoint is
/// a suite checkpoint, a reference training checkpoint (torch.save) or safetensors, read as <c>vcmr convert</c> reads
/// it; a first stage alone (a retriever: XML used as one, MEE, PREM's retriever) writes the VR list only; a second stage
/// runs over <c>--first-stage</c> (CONQUER, ExCL, PREM's localizer), and a proposal ranker (CAL, MCN) over it or, without
/// one, over every video of the split. On CONQUER's release a second stage runs over the release's HERO ranklist of the
/// split unless --first-stage names another.
/// </summary>
internal static class InferCommand
{
    public static Command Create(TextWriter console)
    {
        var checkpoint = new Option<FileInfo>("--checkpoint") { Description = "model file: a suite checkpoint (best.ckpt), a reference training checkpoint (torch.save) or safetensors", Required = true };
        var corpus = CommandLine.CorpusOption();
        var output = new Option<FileInfo>("--out") { Description = "submission JSON to write (whole or not at all)", Required = true };
        var split = CommandLine.WithDefault("--split", "val", "split to answer: val, test_public or train");
        var config = new Option<FileInfo?>("--config") { Description = "model config JSON replacing the one the checkpoint records (needed for a bare state dict)" };
        var kind = KindOption.Create("the model kind the checkpoint holds; needed when a reference file could be several kinds");
        var firstStage = new Option<string?>("--first-stage") { Description = "for a second-stage model (conquer, excl, prem-localizer; optional for cal/mcn, which otherwise rank every video's proposals): its first stage, a retriever's model file (e.g. an MEE best.ckpt) or a ranklist folder (LMDB, CONQUER's format); default on CONQUER's release: its HERO ranklist of the split" };
        var nms = new Option<double?>("--nms") { Description = "temporal NMS IoU threshold on the VCMR and SVMR lists (the reference's --nms_thd; default: the kind's preset, off for XML)" };
        var device = CommandLine.DeviceOption();
        var layout = CommandLine.LayoutOption();
        var command = new Command("infer", "Answer a split of a corpus with a trained or released model: writes a TVR submission file (VCMR, SVMR, VR).")
        {
            checkpoint, corpus, layout, output, split, config, kind, firstStage, nms, device,
        };
        command.SetAction(parse => Run(new InferArgs(parse.GetValue(checkpoint)!, parse.GetValue(corpus)!, parse.GetValue(output)!)
        {
            Split = parse.GetValue(split)!, Config = parse.GetValue(config), Kind = parse.GetValue(kind), FirstStage = parse.GetValue(firstStage),
            Nms = parse.GetValue(nms), Device = parse.GetValue(device), Layout = parse.GetValue(layout),
        }, console));
        return command;
    }

    internal static int Run(InferArgs args, TextWriter console) => CommandLine.Guard(console, () =>
    {
        KindOption.Check(args.Kind);
        if (args.Nms is { } thd && !(thd is > 0 and < 1)) throw new ArgumentException($"--nms {thd}: an IoU threshold is in (0, 1)");
        CommandLine.CheckInput(args.Checkpoint, "--checkpoint");
        if (args.Config != null) CommandLine.CheckInput(args.Config, "--config");
        if (args.FirstStage != null) FirstStageFile.CheckExist([args.FirstStage]);
        var corpus = CorpusFolder.Open(args.Corpus.FullName, args.Layout, args.Split);
        // a second stage on CONQUER's release runs over the release's own ranklist when no first stage is given
        var release = args.FirstStage is null ? corpus as ConquerRelease : null;
        string? releaseRanklist = release?.Ranklist(args.Split);
        var inputs = CorpusFolder.Files(corpus, [args.Split]).Select(f => (new FileInfo(f), "--corpus")).Append((args.Checkpoint, "--checkpoint")).ToList();
        if (releaseRanklist is not null) inputs.Add((new FileInfo(ConquerRelease.StoreFile(releaseRanklist)), "--corpus"));
        if (args.Config != null) inputs.Add((args.Config, "--config"));
        if (args.FirstStage != null && File.Exists(args.FirstStage)) inputs.Add((new FileInfo(args.FirstStage), "--first-stage"));
        CommandLine.CheckOutput(args.Out, "--out", [.. inputs]);

        var device = TorchDevice.Resolve(args.Device);
        var loaded = KindOption.Load(args.Checkpoint.FullName, args.Config, args.Kind);
        using var model = loaded.Model;
        model.to(device).eval();
        string? firstStage = args.FirstStage;
        if (firstStage is null && AnyModel.NeedsFirstStage(model))
        {
            if (release is null)
                throw new ArgumentException($"--checkpoint {args.Checkpoint.FullName}: a '{loaded.Spec.Kind}' model is a second stage only: " +
                    "give its first stage with --first-stage (a retriever's model file or a ranklist folder)");
            firstStage = FirstStageFile.ReleaseRanklists(release, args.Corpus.FullName, args.Split)[0];
        }
        if (args.FirstStage is not null && !AnyModel.IsLocalizer(model))
            throw new ArgumentException($"--first-stage: a '{loaded.Spec.Kind}' model is a first stage itself");
        console.WriteLine($"read {args.Checkpoint.FullName}: {loaded.Layout}{(loaded.Epoch is { } e ? $", epoch {e}" : "")}, {ModelFiles.Summary(loaded.Spec)}");
        using var data = TvrData.Open(corpus, device, RunPresets.Features(loaded.Spec, corpus));
        var queries = data.Queries(args.Split);
        bool givenRanklist = firstStage is not null && FirstStageFile.IsRanklist([firstStage]);
        var preset = RunPresets.Inference(loaded.Spec, rawFirstStageScores: !givenRanklist);
        var options = args.Nms is null ? preset : preset with { NmsThreshold = args.Nms };
        Submission submission;
        if (AnyModel.IsLocalizer(model))
        {
            var first = firstStage is null ? null
                : RetrieverStage.From(FirstStageFile.Candidates([firstStage], corpus, data, device, console, (args.Split, options.TopVideos))[0]);
            submission = AnyModel.Pipeline(model, options, first).Submit(data, args.Split, queries);
        }
        else
            submission = AnyModel.Retriever(model).Retrieve(data, args.Split, options.MaxPredictions, queries)
                .ToSubmission(queries.ToDictionary(q => q.DescId, q => q.Desc));
        SubmissionJson.Write(args.Out.FullName, submission);
        string tasks = string.Join(", ", new[] { ("VCMR", submission.Vcmr), ("SVMR", submission.Svmr), ("VR", submission.Vr) }
            .Where(t => t.Item2 is not null).Select(t => t.Item1));
        console.WriteLine($"written {args.Out.FullName}: {tasks} for the {queries.Count} queries of {args.Split}");
        if (queries.Count > 0 && queries.All(q => q.HasGroundTruth))
            console.WriteLine($"score it: vcmr eval --submission {args.Out.FullName} --gt {corpus.Annotations(args.Split)}");
        return CommandLine.Success;
    });
}

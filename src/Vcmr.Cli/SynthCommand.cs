using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Vcmr.Data;

namespace Vcmr.Cli;

/// <summary><c>vcmr synth --out DIR [sizes]</c>: writes a synthetic corpus in the TVR release formats (data/README.md).</summary>
internal static class SynthCommand
{
    public static Command Create(TextWriter console)
    {
        var defaults = new SynthOptions();
        var output = new Option<DirectoryInfo>("--out") { Description = "folder of the corpus (reused when its manifest has the same options)", Required = true };
        var train = CommandLine.WithDefault("--train-videos", defaults.TrainVideos, "videos in the train split");
        var val = CommandLine.WithDefault("--val-videos", defaults.ValVideos, "videos in the val split (TVR val: 2179)");
        var test = CommandLine.WithDefault("--test-videos", defaults.TestVideos, "videos in the test_public split");
        var queries = CommandLine.WithDefault("--queries-per-video", defaults.QueriesPerVideo, "queries per video (TVR: 5)");
        var videoDim = CommandLine.WithDefault("--video-dim", defaults.VideoDim, "video clip feature width (ResNet+I3D: 3072)");
        var textDim = CommandLine.WithDefault("--text-dim", defaults.TextDim, "subtitle clip / query token feature width (RoBERTa: 768)");
        var seed = CommandLine.WithDefault("--seed", defaults.Seed, "generator seed");
        var noise = CommandLine.WithDefault("--noise", defaults.Noise, "norm of the Gaussian noise added to each feature row");
        var command = new Command("synth", "Write a synthetic TVR-format corpus (annotations, video index, subtitles, HDF5 features) at a given size.")
        {
            output, train, val, test, queries, videoDim, textDim, noise, seed,
        };
        command.SetAction(parse => Run(parse.GetValue(output)!, defaults with
        {
            TrainVideos = parse.GetValue(train), ValVideos = parse.GetValue(val), TestVideos = parse.GetValue(test),
            QueriesPerVideo = parse.GetValue(queries), VideoDim = parse.GetValue(videoDim), TextDim = parse.GetValue(textDim),
            Noise = parse.GetValue(noise), Seed = parse.GetValue(seed),
        }, console));
        return command;
    }

    internal static int Run(DirectoryInfo output, SynthOptions options, TextWriter console) => CommandLine.Guard(console, () =>
    {
        var invalid = new (string Option, bool Bad)[]
        {
            ("--train-videos", options.TrainVideos < 0), ("--val-videos", options.ValVideos < 0), ("--test-videos", options.TestVideos < 0),
            ("--queries-per-video", options.QueriesPerVideo < 1), ("--video-dim", options.VideoDim < 1), ("--text-dim", options.TextDim < 1),
            ("--noise", !(options.Noise >= 0) || float.IsInfinity(options.Noise)),
        }.Where(o => o.Bad).Select(o => o.Option).ToList();
        if (options.TrainVideos + options.ValVideos + options.TestVideos == 0) invalid.Add("--train-videos/--val-videos/--test-videos (all 0)");
        if (invalid.Count > 0)
        {
            console.WriteLine($"error: out of range: {string.Join(", ", invalid)} (video counts >= 0, queries and widths >= 1, noise >= 0)");
            return CommandLine.InputError;
        }
        CommandLine.CheckOutputFolder(output, "--out");
        var corpus = new SynthCorpus(output.FullName);
        int videos = options.TrainVideos + options.ValVideos + options.TestVideos;
        console.WriteLine($"synthetic corpus: {options.TrainVideos}/{options.ValVideos}/{options.TestVideos} train/val/test videos, " +
            $"{videos * options.QueriesPerVideo} queries, features {options.VideoDim}/{options.TextDim}, seed {options.Seed}");
        // Generate keeps a corpus whose manifest has the same options; the manifest is rewritten only on a new write.
        DateTime? manifestBefore = File.Exists(corpus.Manifest) ? File.GetLastWriteTimeUtc(corpus.Manifest) : null;
        var clock = Stopwatch.StartNew();
        TvrSynth.Generate(corpus.Dir, options);
        bool reused = manifestBefore == File.GetLastWriteTimeUtc(corpus.Manifest);
        long bytes = Directory.EnumerateFiles(corpus.Dir).Sum(f => new FileInfo(f).Length);
        console.WriteLine($"{(reused ? "reused" : "written")} {corpus.Dir} ({(bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture)} MB" +
            $"{(reused ? ", same options" : $" in {clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s")})");
        return CommandLine.Success;
    });
}

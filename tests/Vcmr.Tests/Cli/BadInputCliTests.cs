using Vcmr.Cli;
using Vcmr.Evaluation;

namespace Vcmr.Tests.Cli;

/// <summary>
/// Bad input through the whole command line (parsing included), one case per class of issue 17: each ends with exit
/// code 1 and one "error:" line naming the option or file, the key or line and what is wrong, and leaves every file
/// of the folder as it was (no input changed, no partial output).
/// </summary>
public class BadInputCliTests
{
    private const string Gt = """
        {"vid_name": "vid_a", "duration": 30, "ts": [3, 9], "desc": "a", "type": "v", "desc_id": 1}
        {"vid_name": "vid_b", "duration": 30, "ts": [0, 6], "desc": "b", "type": "t", "desc_id": 2}

        """;

    private static string Submission(string video2Idx = """{"vid_a": 0, "vid_b": 1}""", string row = "[0, 3, 9, 1.0]", string extra = "") => $$"""
        {"video2idx": {{video2Idx}},
         "VCMR": [{"desc_id": 1, "desc": "a", "predictions": [{{row}}]}, {"desc_id": 2, "desc": "b", "predictions": [[1, 0, 6, 0.5]]}]{{extra}}}
        """;

    /// <summary>A folder with a valid gt.jsonl, sub.json, sim.npy and cols.txt; <paramref name="setup"/> adds the bad input.</summary>
    private static string Folder(Action<string>? setup = null)
    {
        string dir = Directory.CreateTempSubdirectory("vcmr-cli-bad").FullName;
        File.WriteAllText(Path.Combine(dir, "gt.jsonl"), Gt);
        File.WriteAllText(Path.Combine(dir, "sub.json"), Submission());
        NpyFile.Write(Path.Combine(dir, "sim.npy"), new SimilarityMatrix(new[] { 1f, 0, 0, 1 }, 2, 2));
        File.WriteAllText(Path.Combine(dir, "cols.txt"), "0\n1\n");
        setup?.Invoke(dir);
        return dir;
    }

    private static void Write(string dir, string name, string text) => File.WriteAllText(Path.Combine(dir, name), text);

    // name -> (setup, arguments with {d} for the folder, what the message must contain besides "error: ")
    private static readonly Dictionary<string, (Action<string>? Setup, string Args, string[] Expected)> Cases = new()
    {
        // outputs that would overwrite inputs, or cannot be files
        ["out-is-the-submission"] = (null, "eval --submission {d}/sub.json --gt {d}/gt.jsonl --out {d}/sub.json",
            ["--out {d}/sub.json: is the --submission file", "writing there would replace it"]),
        ["out-is-the-gt"] = (null, "eval --submission {d}/sub.json --gt {d}/gt.jsonl --out {d}/gt.jsonl", ["--out {d}/gt.jsonl: is the --gt file"]),
        ["out-is-a-link-to-the-submission"] = (d => File.CreateSymbolicLink(Path.Combine(d, "link.json"), Path.Combine(d, "sub.json")),
            "eval --submission {d}/sub.json --gt {d}/gt.jsonl --out {d}/link.json", ["--out {d}/link.json: is the --submission file ({d}/sub.json)"]),
        ["out-through-a-linked-folder"] = (d => Directory.CreateSymbolicLink(Path.Combine(d, "same"), d),
            "eval --submission {d}/sub.json --gt {d}/gt.jsonl --out {d}/same/gt.jsonl", ["--out {d}/same/gt.jsonl: is the --gt file ({d}/gt.jsonl)"]),
        ["out-is-a-folder"] = (d => Directory.CreateDirectory(Path.Combine(d, "metrics")),
            "eval --submission {d}/sub.json --gt {d}/gt.jsonl --out {d}/metrics", ["--out {d}/metrics: is a folder; give a file name"]),
        ["out-below-a-file"] = (null, "eval --submission {d}/sub.json --gt {d}/gt.jsonl --out {d}/gt.jsonl/m.json",
            ["--out {d}/gt.jsonl/m.json: {d}/gt.jsonl is a file, not a folder"]),
        ["retrieval-out-is-the-sim"] = (null, "retrieval-eval --sim {d}/sim.npy --out {d}/sim.npy", ["--out {d}/sim.npy: is the --sim file"]),
        ["retrieval-out-is-the-gt"] = (null, "retrieval-eval --sim {d}/sim.npy --gt {d}/cols.txt --out {d}/cols.txt", ["--out {d}/cols.txt: is the --gt file"]),
        ["convert-output-is-the-input"] = (null, "convert {d}/sub.json {d}/sub.json --to suite", ["output {d}/sub.json: is the input file"]),
        ["convert-output-is-a-folder"] = (d => Directory.CreateDirectory(Path.Combine(d, "weights")), "convert {d}/sub.json {d}/weights --to suite",
            ["output {d}/weights: is a folder; give a file name"]),
        ["synth-out-is-a-file"] = (null, "synth --out {d}/gt.jsonl --train-videos 1 --val-videos 0 --test-videos 0", ["--out {d}/gt.jsonl: is a file, not a folder"]),
        // JSON of the wrong shape
        ["gt-desc-id-is-a-string"] = (d => Write(d, "bad.jsonl", Gt.Replace("\"desc_id\": 2", "\"desc_id\": \"2\"")),
            "eval --submission {d}/sub.json --gt {d}/bad.jsonl", ["{d}/bad.jsonl:2: key 'desc_id' must be an integer, got a string \"2\""]),
        ["gt-ts-is-a-string"] = (d => Write(d, "bad.jsonl", Gt.Replace("[3, 9]", "\"3-9\"")),
            "eval --submission {d}/sub.json --gt {d}/bad.jsonl", ["{d}/bad.jsonl:1: key 'ts' must be [start, end] in seconds (two numbers), got a string \"3-9\""]),
        ["gt-line-is-an-array"] = (d => Write(d, "bad.jsonl", "[1, 2]\n"), "eval --submission {d}/sub.json --gt {d}/bad.jsonl",
            ["{d}/bad.jsonl:1: expected a JSON object {...}, got an array"]),
        ["video2idx-value-is-a-string"] = (d => Write(d, "bad.json", Submission("""{"vid_a": "0", "vid_b": 1}""")),
            "eval --submission {d}/bad.json --gt {d}/gt.jsonl", ["{d}/bad.json: key video2idx/vid_a: expected an integer video index, got a string \"0\" (eval.py would"]),
        ["video2idx-is-an-array"] = (d => Write(d, "bad.json", Submission("""["vid_a", "vid_b"]""")),
            "eval --submission {d}/bad.json --gt {d}/gt.jsonl", ["{d}/bad.json: key video2idx: expected an object {vid_name: video_idx}, got an array"]),
        ["task-is-an-object"] = (d => Write(d, "bad.json", """{"video2idx": {"vid_a": 0}, "VR": {"1": []}}"""),
            "eval --submission {d}/bad.json --gt {d}/gt.jsonl", ["{d}/bad.json: key VR: expected an array of queries"]),
        // stricter than eval.py, saying what eval.py would have done
        ["fractional-video-index"] = (d => Write(d, "bad.json", Submission(row: "[0.5, 3, 9, 1.0]")),
            "eval --submission {d}/bad.json --gt {d}/gt.jsonl", ["{d}/bad.json: key VCMR: 1 malformed queries, first: desc_id 1 (row 0: [0.5, 3, 9, 1.0]: video_idx 0.5 is not an integer (eval.py would compare it as float32 and match no video))"]),
        ["reversed-span"] = (d => Write(d, "bad.json", Submission(row: "[0, 9, 3, 1.0]")),
            "eval --submission {d}/bad.json --gt {d}/gt.jsonl", ["desc_id 1 (row 0: [0, 9, 3, 1.0]: ed < st (eval.py would score it IoU 0, a miss))"]),
        ["nan-start"] = (d => Write(d, "bad.json", Submission(row: "[0, NaN, 9, 1.0]")),
            "eval --submission {d}/bad.json --gt {d}/gt.jsonl", ["st is NaN (eval.py would count this prediction as a miss)"]),
        ["no-task"] = (d => Write(d, "bad.json", """{"video2idx": {"vid_a": 0}}"""),
            "eval --submission {d}/bad.json --gt {d}/gt.jsonl", ["{d}/bad.json: none of the keys VCMR, SVMR, VR is present (eval.py would write an empty result)"]),
        ["missing-ground-truth-query"] = (d => Write(d, "bad.jsonl", Gt + """{"vid_name": "vid_a", "duration": 30, "ts": [1, 2], "desc": "c", "type": "v", "desc_id": 3}"""),
            "eval --submission {d}/sub.json --gt {d}/bad.jsonl", ["1 missing desc_ids (first: 3)", "eval.py stops: desc_ids in predictions and ground_truth must match"]),
        // input files
        ["gt-does-not-exist"] = (null, "eval --submission {d}/sub.json --gt {d}/nope.jsonl", ["--gt {d}/nope.jsonl: does not exist"]),
        ["submission-is-a-folder"] = (d => Directory.CreateDirectory(Path.Combine(d, "preds")),
            "eval --submission {d}/preds --gt {d}/gt.jsonl", ["--submission {d}/preds: is a folder, not a file"]),
        ["submission-is-empty"] = (d => Write(d, "bad.json", ""), "eval --submission {d}/bad.json --gt {d}/gt.jsonl", ["{d}/bad.json: the file is empty"]),
        ["bad-submission-leaves-no-out-folder"] = (d => Write(d, "bad.json", "{"), "eval --submission {d}/bad.json --gt {d}/gt.jsonl --out {d}/results/metrics.json",
            ["{d}/bad.json: not valid JSON"]),
        ["submission-is-cut-off"] = (d => Write(d, "bad.json", Submission()[..60]), "eval --submission {d}/bad.json --gt {d}/gt.jsonl", ["{d}/bad.json: not valid JSON"]),
        ["gt-is-empty"] = (d => Write(d, "bad.jsonl", "\n"), "eval --submission {d}/sub.json --gt {d}/bad.jsonl", ["{d}/bad.jsonl: no queries (an empty ground-truth file)"]),
        ["sim-is-not-npy"] = (d => Write(d, "bad.npy", "hello"), "retrieval-eval --sim {d}/bad.npy", ["{d}/bad.npy: not a .npy file"]),
        ["gt-column-is-text"] = (d => Write(d, "bad.txt", "0\nx\n"), "retrieval-eval --sim {d}/sim.npy --gt {d}/bad.txt", ["{d}/bad.txt:2: 'x' is not a non-negative integer video column"]),
        // options
        ["unknown-option"] = (null, "eval --submission {d}/sub.json --gt {d}/gt.jsonl --bogus", ["Unrecognized command or argument '--bogus'"]),
        ["missing-required-option"] = (null, "eval --submission {d}/sub.json", ["Option '--gt' is required"]),
        ["no-command"] = (null, "", ["Required command was not provided"]),
        ["synth-negative-count"] = (null, "synth --out {d}/corpus --train-videos -1", ["out of range: --train-videos"]),
        ["synth-count-not-a-number"] = (null, "synth --out {d}/corpus --val-videos many", ["Cannot parse argument 'many' for option '--val-videos'"]),
        ["convert-input-missing"] = (null, "convert {d}/nope.ckpt {d}/out.safetensors", ["input {d}/nope.ckpt: does not exist"]),
        ["convert-config-missing"] = (null, "convert {d}/sub.json {d}/out.safetensors --config {d}/cfg.json", ["--config {d}/cfg.json: does not exist"]),
        ["convert-unknown-format"] = (null, "convert {d}/sub.json {d}/out.pt --to onnx", ["Cannot parse argument 'onnx' for option '--to'"]),
        ["convert-input-not-a-model"] = (null, "convert {d}/sub.json {d}/out.pt", ["{d}/sub.json is not a model file"]),
        ["synth-negative-noise"] = (null, "synth --out {d}/corpus --noise -1", ["out of range: --noise"]),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void BadInputIsOneErrorLineWithExitCodeOneAndChangesNoFile(string name)
    {
        var (setup, args, expected) = Cases[name];
        string dir = Folder(setup);
        var before = FolderSnapshot.Take(dir);
        var console = new StringWriter();
        string[] argv = args.Replace("{d}", dir).Split(' ', StringSplitOptions.RemoveEmptyEntries);

        int code = CommandLine.Run(argv, console);

        var lines = console.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(code == CommandLine.InputError, $"exit {code}: {console}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.All(lines, l => Assert.True(l.StartsWith("error: ") || l.StartsWith("usage: "), l)); // no stack trace, no help dump
        foreach (string part in expected) Assert.Contains(part.Replace("{d}", dir), console.ToString());
        before.AssertUnchanged();
    }

    [Fact]
    public void WhatEvalPyScoresIsScoredTheSame()
    {
        // Python's json.dump of numpy values: a BOM, integral floats for indices and desc_ids, NaN scores, extra row values
        string dir = Folder(d => Write(d, "py.json", "\uFEFF" + Submission("""{"vid_a": 0.0, "vid_b": 1.0}""", "[0.0, 3, 9, NaN, 7]")
            .Replace("\"desc_id\": 1,", "\"desc_id\": 1.0,")));
        var console = new StringWriter();
        Assert.Equal(CommandLine.Success, CommandLine.Run(["eval", "--submission", $"{dir}/py.json", "--gt", $"{dir}/gt.jsonl", "--out", $"{dir}/py-metrics.json"], console));
        Assert.Equal(CommandLine.Success, CommandLine.Run(["eval", "--submission", $"{dir}/sub.json", "--gt", $"{dir}/gt.jsonl", "--out", $"{dir}/metrics.json"], console));
        Assert.Equal(File.ReadAllText($"{dir}/metrics.json"), File.ReadAllText($"{dir}/py-metrics.json"));
    }
}

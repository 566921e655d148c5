using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Vcmr.Checkpoints;
using Vcmr.Cli;
using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Models.Conquer;
using Vcmr.Models.Xml;
using Vcmr.Runtime;
using Vcmr.Tests.Models.Conquer;
using Vcmr.Tests.Training;
using Vcmr.Training;

namespace Vcmr.Tests.Cli;

/// <summary>One tiny synthetic corpus (40 train, 15 val, 10 test_public queries; narrow features) for every test of
/// the class, and an XML config that fits it.</summary>
public sealed class TinyCorpusFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("vcmr-cli-train").FullName;
    public string Corpus => Path.Combine(Dir, "corpus");
    public string Config => Path.Combine(Dir, "xml.json");
    public static readonly XmlConfig Small = XmlConfig.Paper with { VisualDim = 12, TextDim = 16, HiddenSize = 16, Heads = 2 };

    public TinyCorpusFixture()
    {
        TvrSynth.Generate(Corpus, new SynthOptions(TrainVideos: 8, ValVideos: 3, TestVideos: 2, VideoDim: 12, TextDim: 16, Seed: 3));
        File.WriteAllText(Config, """{"model": "xml", "config": {"VisualDim": 12, "TextDim": 16, "HiddenSize": 16, "Heads": 2}}""");
    }

    public void Dispose() => Directory.Delete(Dir, true);

    /// <summary>Skips the test when the system's LMDB 0.9 (liblmdb0), which ranklist folders need, is absent.</summary>
    public static void RequireLmdb()
    {
        try
        {
            LmdbNative.EnsureLoaded();
        }
        catch (DllNotFoundException e)
        {
            Skip.If(true, e.Message);
        }
    }
}

[Collection(SerialTorchCollection.Name)]
public sealed class TrainInferCommandTests(TinyCorpusFixture corpus) : IClassFixture<TinyCorpusFixture>
{
    private string NewDir(string name) => Directory.CreateDirectory(Path.Combine(corpus.Dir, $"{name}-{Guid.NewGuid():N}")).FullName;

    private TrainArgs Args(string output, int epochs = 2) => new(new DirectoryInfo(corpus.Corpus), new DirectoryInfo(output))
    {
        Config = new FileInfo(corpus.Config), Epochs = epochs, BatchSize = 16, LearningRate = 1e-3, Seed = 11, Device = "cpu",
    };

    private InferArgs Infer(string checkpoint, string output, string split = "val") =>
        new(new FileInfo(checkpoint), new DirectoryInfo(corpus.Corpus), new FileInfo(output)) { Split = split, Device = "cpu" };

    [Fact]
    public void TrainThenInferThenEvalOnATinySyntheticCorpus()
    {
        string run = NewDir("run");
        var console = new StringWriter();
        Assert.Equal(0, TrainCommand.Run(Args(run), console));
        string log = console.ToString();
        foreach (var name in TrainCommand.Outputs) Assert.Contains($"written {Path.Combine(run, name)}", log);
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")))!;
        Assert.Equal("xml", metrics["model"]!["model"]!.GetValue<string>());
        Assert.Equal([0, 1], metrics["epochs"]!.AsArray().Select(e => e!["epoch"]!.GetValue<int>()));
        Assert.All(metrics["epochs"]!.AsArray(), e => Assert.NotNull(e!["val"]!["VCMR"]!["0.5-r1"]));
        Assert.Empty(Directory.GetFiles(run, "*.tmp-*"));

        string submission = Path.Combine(run, "val.json");
        Assert.Equal(0, InferCommand.Run(Infer(Path.Combine(run, "best.ckpt"), submission) with { Nms = 0.5 }, console));
        Assert.Contains($"written {submission}: VCMR, SVMR, VR for the 15 queries of val", console.ToString());
        var read = SubmissionJson.Read(submission);
        Assert.Equal(15, read.Vcmr!.Count);
        Assert.Equal(15, read.Svmr!.Count);

        // the same weights as a reference training checkpoint (torch.save) answer the same
        string reference = Path.Combine(run, "reference.pt");
        Assert.Equal(0, ConvertCommand.Run(new FileInfo(Path.Combine(run, "best.ckpt")), new FileInfo(reference), null, null, false, console));
        string fromReference = Path.Combine(run, "val-ref.json");
        Assert.Equal(0, InferCommand.Run(Infer(reference, fromReference) with { Nms = 0.5 }, console));
        Assert.Equal(File.ReadAllBytes(submission), File.ReadAllBytes(fromReference));

        string scores = Path.Combine(run, "val-metrics.json");
        Assert.Equal(0, EvalCommand.Run(new FileInfo(submission), new FileInfo(Path.Combine(corpus.Corpus, "tvr_val_release.jsonl")), new FileInfo(scores), console));
        Assert.Contains("\"VCMR\"", File.ReadAllText(scores));

        string test = Path.Combine(run, "test.json");
        Assert.Equal(0, InferCommand.Run(Infer(Path.Combine(run, "last.ckpt"), test, "test_public"), console));
        var testSubmission = SubmissionJson.Read(test);
        Assert.Null(testSubmission.Svmr);
        Assert.Equal(10, testSubmission.Vcmr!.Count);
    }

    [Fact]
    public void AResumedRunEndsWhereAnUninterruptedOneEnds()
    {
        string straight = NewDir("straight"), interrupted = NewDir("interrupted");
        Assert.Equal(0, TrainCommand.Run(Args(straight), new StringWriter()));
        Assert.Equal(0, TrainCommand.Run(Args(interrupted), new StringWriter(), stopEpoch: 1));
        // a second process: the model is rebuilt from the checkpoint (no --config) and continues at epoch 2 of 2
        var console = new StringWriter();
        Assert.Equal(0, TrainCommand.Run(Args(interrupted) with { Config = null, Resume = new FileInfo(Path.Combine(interrupted, "last.ckpt")) }, console));
        Assert.Contains("at epoch 2", console.ToString());

        var a = Checkpoint.Load(Path.Combine(straight, "last.ckpt"));
        var b = Checkpoint.Load(Path.Combine(interrupted, "last.ckpt"));
        Assert.Equal(a.Tensors.Keys.Order(), b.Tensors.Keys.Order());
        foreach (var (name, t) in a.Tensors) Assert.True(t.allclose(b.Tensors[name], 0, 0), $"{name} differs after resuming");
        foreach (var t in a.Tensors.Values.Concat(b.Tensors.Values)) t.Dispose();

        static IEnumerable<string> Epochs(string dir) => JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")))!["epochs"]!.AsArray()
            .Select(e => $"{e!["epoch"]} {e["loss"]} {e["stop_score"]} {e["val"]!.ToJsonString()}");
        Assert.Equal(Epochs(straight), Epochs(interrupted));
    }

    [Fact]
    public void RedirectedOutputIsPlainLinesAndATerminalGetsABar()
    {
        var plain = new StringWriter();
        Assert.Equal(0, TrainCommand.Run(Args(NewDir("plain"), epochs: 1), plain));
        var lines = plain.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain('\r', plain.ToString());
        // 40 queries, batches of 16: 3 steps, each on its own line (at most ten lines an epoch), then the validation
        var steps = lines.Where(l => l.StartsWith("epoch 1/1 step ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["epoch 1/1 step 1/3", "epoch 1/1 step 2/3", "epoch 1/1 step 3/3"], steps.Select(l => l[..18]));
        Assert.All(steps, l => Assert.Matches(@"/3, ETA \d+:\d\d:\d\d, \d+ queries/s(, validating)?, loss \d+\.\d{4} \(st_ed [\d.]+, neg_ctx [\d.]+, neg_q [\d.]+\)$", l));
        Assert.Contains(", validating, loss", steps[^1]);
        Assert.Single(lines, l => l.StartsWith("epoch 1/1 validated: loss ", StringComparison.Ordinal) && l.Contains("VCMR 0.5-r1 + 0.7-r1"));

        var terminal = new StringWriter();
        Assert.Equal(0, TrainCommand.Run(Args(NewDir("terminal"), epochs: 1), terminal, terminalWidth: 60));
        Assert.Matches(@"\repoch 1/1 \[#{24}\] 3/3, ETA ", terminal.ToString());
        Assert.DoesNotContain("step 1/3", terminal.ToString());
        // every redrawn line is cut below the terminal's width
        Assert.All(terminal.ToString().Split('\r', '\n').Where(l => l.StartsWith("epoch ", StringComparison.Ordinal)), l => Assert.True(l.Length < 60, l));
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "other-kind", "holds a 'xml' model, not 'conquer'" },
        { "other-config", "video_encoder1.self.query.weight: file (32, 32), model (16, 16)" },
        { "resume-other-config", "was written for another config" },
        { "resume-weights-only", "holds model weights only" },
        { "truncated", "truncated" },
        { "not-pytorch", "is not a model file" },
        { "safetensors-header", "'w'" },
        { "unknown-key", "Bogus" },
        { "missing-corpus-file", "query_feature.h5" },
        { "out-over-corpus", "tvr_val_release.jsonl" },
        { "out-over-config", "config.json" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputIsOneErrorNamingTheFileAndWritesNothing(string kind, string expected)
    {
        string dir = NewDir(kind);
        string ckpt = Path.Combine(dir, "small.ckpt");
        using (var model = new XmlModel(TinyCorpusFixture.Small)) Checkpoint.SaveWeights(ckpt, model);
        string output = Path.Combine(dir, "out.json");
        string named;
        var console = new StringWriter();
        int code;
        switch (kind)
        {
            case "other-kind":
                named = ckpt;
                code = InferCommand.Run(Infer(ckpt, output) with { Kind = ConquerModel.KindName }, console);
                break;
            case "other-config":
            {
                // a checkpoint of a wider model, read with the config of the small one
                string wide = Path.Combine(dir, "wide.ckpt");
                using (var model = new XmlModel(TinyCorpusFixture.Small with { HiddenSize = 32 })) Checkpoint.SaveWeights(wide, model);
                code = InferCommand.Run(Infer(wide, output) with { Config = new FileInfo(corpus.Config) }, console);
                named = wide;
                break;
            }
            case "resume-other-config":
            {
                // a trainer's checkpoint of the small model, resumed with a wider config
                string config = Path.Combine(dir, "wide.json");
                File.WriteAllText(config, File.ReadAllText(corpus.Config).Replace("\"HiddenSize\": 16", "\"HiddenSize\": 32"));
                string small = Path.Combine(NewDir("small-run"), "last.ckpt");
                Assert.Equal(0, TrainCommand.Run(Args(Path.GetDirectoryName(small)!), new StringWriter(), stopEpoch: 1));
                output = Path.Combine(dir, "metrics.json");
                code = TrainCommand.Run(Args(dir) with { Config = new FileInfo(config), Resume = new FileInfo(small) }, console);
                named = small;
                break;
            }
            case "resume-weights-only":
                named = ckpt;
                output = Path.Combine(dir, "metrics.json");
                code = TrainCommand.Run(Args(dir) with { Resume = new FileInfo(ckpt) }, console);
                break;
            case "truncated":
                named = Path.Combine(dir, "cut.pt");
                ConvertCommand.Run(new FileInfo(ckpt), new FileInfo(named), null, null, false, new StringWriter());
                File.WriteAllBytes(named, File.ReadAllBytes(named)[..4000]);
                code = InferCommand.Run(Infer(named, output), console);
                break;
            case "not-pytorch":
                named = Path.Combine(dir, "notes.pt");
                File.WriteAllText(named, "these are not weights");
                code = InferCommand.Run(Infer(named, output), console);
                break;
            case "safetensors-header":
            {
                named = Path.Combine(dir, "bad.safetensors");
                var header = Encoding.UTF8.GetBytes("""{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 4096]}}""");
                var bytes = new byte[8 + header.Length + 16];
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
                header.CopyTo(bytes, 8);
                File.WriteAllBytes(named, bytes);
                code = InferCommand.Run(Infer(named, output), console);
                break;
            }
            case "unknown-key":
                named = Path.Combine(dir, "bogus.json");
                File.WriteAllText(named, """{"model": "xml", "config": {"HiddenSize": 16, "Bogus": 1}}""");
                output = Path.Combine(dir, "metrics.json");
                code = TrainCommand.Run(Args(dir) with { Config = new FileInfo(named) }, console);
                break;
            case "missing-corpus-file":
            {
                named = Path.Combine(dir, "corpus");
                Directory.CreateDirectory(named);
                foreach (var f in Directory.GetFiles(corpus.Corpus).Where(f => !f.EndsWith("query_feature.h5", StringComparison.Ordinal)))
                    File.Copy(f, Path.Combine(named, Path.GetFileName(f)));
                code = InferCommand.Run(Infer(ckpt, output) with { Corpus = new DirectoryInfo(named) }, console);
                break;
            }
            case "out-over-corpus":
                named = Path.Combine(corpus.Corpus, "tvr_val_release.jsonl");
                var before = File.ReadAllBytes(named);
                code = InferCommand.Run(Infer(ckpt, named), console);
                Assert.Equal(before, File.ReadAllBytes(named));
                output = Path.Combine(dir, "none");
                break;
            default: // the config given is where the run would write its config.json
                named = Path.Combine(dir, "config.json");
                File.Copy(corpus.Config, named);
                output = Path.Combine(dir, "metrics.json");
                code = TrainCommand.Run(Args(dir) with { Config = new FileInfo(named) }, console);
                break;
        }
        string text = console.ToString();
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", text);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, text);
        Assert.Contains(named, text);
        Assert.False(File.Exists(output), $"{output} was written");
        Assert.Empty(Directory.GetFiles(dir, "*.tmp-*"));
    }

    [Fact]
    public void ASecondStageModelRunsOverAFirstStageModelFile()
    {
        string dir = NewDir("two-stage");
        string xml = Path.Combine(dir, "xml.ckpt"), conquer = Path.Combine(dir, "conquer.ckpt");
        Seeding.Seed(5);
        using (var model = new XmlModel(TinyCorpusFixture.Small)) Checkpoint.SaveWeights(xml, model);
        using (var model = new ConquerModel(ConquerModelTests.Tiny with { VisualDim = 12, TextDim = 16, QueryDim = 16 })) Checkpoint.SaveWeights(conquer, model);
        string output = Path.Combine(dir, "val.json");
        var console = new StringWriter();
        Assert.Equal(1, InferCommand.Run(Infer(conquer, output), console));
        Assert.Contains("a 'conquer' model is a second stage only: give its first stage with --first-stage", console.ToString());
        Assert.False(File.Exists(output));

        Assert.Equal(0, InferCommand.Run(Infer(conquer, output) with { FirstStage = xml }, console));
        Assert.Contains($"first stage: {xml}, xml: ", console.ToString());
        var submission = SubmissionJson.Read(output);
        Assert.Equal(15, submission.Vcmr!.Count);
        Assert.Equal(15, submission.Svmr!.Count);
        // CONQUER re-ranks the first stage's top 10 (of the 3 val videos here: all of them)
        Assert.All(submission.Vr!, q => Assert.Equal(3, q.Predictions.Count));
    }

    [Fact]
    public void ASecondStageTrainsOnItsFirstStagesCandidatesAndAnswersOverIt()
    {
        string dir = NewDir("conquer-train"), run = Path.Combine(dir, "run");
        string xml = Path.Combine(dir, "xml.ckpt"), config = Path.Combine(dir, "conquer.json");
        Seeding.Seed(5);
        using (var model = new XmlModel(TinyCorpusFixture.Small)) Checkpoint.SaveWeights(xml, model);
        var conquer = ConquerModelTests.Tiny with { VisualDim = 12, TextDim = 16, QueryDim = 16, NegativeVideos = 2 };
        File.WriteAllText(config, ModelRegistry.Describe(new ModelSpec(ConquerModel.KindName, conquer)));
        var console = new StringWriter();
        var args = Args(run) with { Config = new FileInfo(config), BatchSize = 8 };
        Assert.Equal(1, TrainCommand.Run(args, console));
        Assert.Contains("error: --first-stage: a 'conquer' model trains on a first stage's candidates", console.ToString());

        Assert.Equal(0, TrainCommand.Run(args with { FirstStage = [xml] }, console));
        string log = console.ToString();
        Assert.Contains($"first stage: {xml}, xml: ", log);
        Assert.Contains("first stage: 40 of 40 train queries kept", log);
        Assert.Contains("epoch 2/2 validated: loss ", log);
        var epochs = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")))!["epochs"]!.AsArray();
        Assert.Equal(["moment_ce"], epochs[0]!["parts"]!.AsObject().Select(p => p.Key)); // the general similarity's one part

        string output = Path.Combine(run, "val.json");
        Assert.Equal(0, InferCommand.Run(Infer(Path.Combine(run, "best.ckpt"), output) with { FirstStage = xml }, console));
        Assert.Equal(15, SubmissionJson.Read(output).Vcmr!.Count);
    }

    [SkippableFact]
    public void ASecondStageModelRunsOverARanklistFolder()
    {
        TinyCorpusFixture.RequireLmdb();
        string dir = NewDir("ranklist");
        string conquer = Path.Combine(dir, "conquer.ckpt"), ranklist = Path.Combine(dir, "val_top10");
        Seeding.Seed(5);
        using (var model = new ConquerModel(ConquerModelTests.Tiny with { VisualDim = 12, TextDim = 16, QueryDim = 16 })) Checkpoint.SaveWeights(conquer, model);
        using (var xml = new XmlModel(TinyCorpusFixture.Small))
        using (var data = TvrData.Open(new SynthCorpus(corpus.Corpus)))
            CandidatesLmdb.Write(ranklist, RetrieverStage.From(xml).Retrieve(data, "val", topK: 2));
        string output = Path.Combine(dir, "val.json");
        var console = new StringWriter();
        Assert.Equal(0, InferCommand.Run(Infer(conquer, output) with { FirstStage = ranklist }, console));
        Assert.Contains($"first stage: ranklist {ranklist}", console.ToString());
        // the ranklist's two candidates per query are what CONQUER re-ranks
        Assert.All(SubmissionJson.Read(output).Vr!, q => Assert.Equal(2, q.Predictions.Count));
    }

    [Fact]
    public void TheCommandLineParsesTrainAndInfer()
    {
        string run = NewDir("parsed");
        var console = new StringWriter();
        Assert.Equal(0, CommandLine.Run(["train", "--corpus", corpus.Corpus, "--out", run, "--config", corpus.Config, "--epochs", "1",
            "--batch-size", "16", "--device", "cpu"], console));
        Assert.Equal(0, CommandLine.Run(["infer", "--checkpoint", Path.Combine(run, "best.ckpt"), "--corpus", corpus.Corpus,
            "--out", Path.Combine(run, "val.json")], console));
        Assert.True(File.Exists(Path.Combine(run, "val.json")));
        Assert.Equal(1, CommandLine.Run(["train", "--corpus", corpus.Corpus, "--out", run, "--epochs", "0"], console));
        Assert.Contains("error: out of range: --epochs", console.ToString());
    }
}

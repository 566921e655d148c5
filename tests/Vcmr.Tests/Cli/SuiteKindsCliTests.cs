using System.Text.Json.Nodes;
using Vcmr.Checkpoints;
using Vcmr.Cli;
using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Models.Xml;
using Vcmr.Runtime;
using Vcmr.Tests.Training;

namespace Vcmr.Tests.Cli;

/// <summary>
/// <c>vcmr train</c> -> <c>vcmr infer</c> -> <c>vcmr eval</c> for every kind besides XML and CONQUER (TrainInferCommandTests
/// has those) on the tiny synthetic corpus: MEE as a retriever and as the first stage of ExCL, CAL and MCN over every video
/// or a first stage, PREM's two modules, and the errors of a kind run without the first stage it needs or read as
/// another kind.
/// </summary>
[Collection(SerialTorchCollection.Name)]
public sealed class SuiteKindsCliTests(TinyCorpusFixture corpus) : IClassFixture<TinyCorpusFixture>
{
    // configs that fit the tiny corpus (video 12 wide, text 16); PREM reads the first 30 clips, which keeps its tests fast
    private const string Mee = """{"model": "mee", "config": {"VisualDim": 12, "TextDim": 16, "OutputSize": 8}}""";
    private const string Excl = """{"model": "excl", "config": {"VisualDim": 12, "TextDim": 16, "HiddenSize": 6}}""";
    private const string Cal = """{"model": "cal", "config": {"VisualDim": 12, "TextDim": 16, "HiddenSize": 8, "OutputSize": 8, "LstmHiddenSize": 8}}""";
    private const string PremRetriever = """{"model": "prem-retriever", "config": {"VisualDim": 12, "TextDim": 16, "HiddenSize": 16, "IntermediateSize": 32, "Heads": 2, "MaxContextLength": 30}}""";
    private const string PremLocalizer = """
        {"model": "prem-localizer", "config": {"VisualDim": 12, "TextDim": 16, "HiddenSize": 16, "IntermediateSize": 32, "Heads": 2, "BoundaryChannels": 8, "MaxContextLength": 30}}
        """;

    private string NewDir(string name) => Directory.CreateDirectory(Path.Combine(corpus.Dir, $"{name}-{Guid.NewGuid():N}")).FullName;

    private static string WriteConfig(string dir, string name, string json)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    private TrainArgs Train(string config, string run, params string[] firstStage) => new(new DirectoryInfo(corpus.Corpus), new DirectoryInfo(run))
    {
        Config = new FileInfo(config), Epochs = 1, BatchSize = 8, LearningRate = 1e-3, Seed = 11, Device = "cpu", FirstStage = firstStage,
    };

    private InferArgs Infer(string checkpoint, string output, string? firstStage = null) =>
        new(new FileInfo(checkpoint), new DirectoryInfo(corpus.Corpus), new FileInfo(output)) { Device = "cpu", FirstStage = firstStage };

    // trains, checks the run's files, and returns best.ckpt
    private static string Trained(TrainArgs args, string stop)
    {
        var console = new StringWriter();
        Assert.True(TrainCommand.Run(args, console) == 0, console.ToString());
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(args.Out.FullName, "metrics.json")))!;
        Assert.Equal(stop, metrics["stop_metric"]!.GetValue<string>());
        Assert.Equal(args.Epochs, metrics["epochs"]!.AsArray().Count);
        return Path.Combine(args.Out.FullName, "best.ckpt");
    }

    // infers val, scores it with vcmr eval, and returns the submission and the metrics
    private (Submission Submission, string Metrics) InferAndEval(InferArgs args, string expectedTasks)
    {
        var console = new StringWriter();
        Assert.True(InferCommand.Run(args, console) == 0, console.ToString());
        Assert.Contains($"written {args.Out.FullName}: {expectedTasks} for the 15 queries of val", console.ToString());
        string scores = Path.ChangeExtension(args.Out.FullName, ".metrics.json");
        Assert.Equal(0, EvalCommand.Run(args.Out, new FileInfo(Path.Combine(corpus.Corpus, "tvr_val_release.jsonl")), new FileInfo(scores), console));
        return (SubmissionJson.Read(args.Out.FullName), File.ReadAllText(scores));
    }

    private static void OneError(int code, StringWriter console, params string[] expected)
    {
        string text = console.ToString();
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", text);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        foreach (var e in expected) Assert.Contains(e, text);
    }

    [Fact]
    public void MeeIsARetrieverAndTheFirstStageOfExcl()
    {
        string dir = NewDir("mee-excl");
        string mee = Trained(Train(WriteConfig(dir, "mee.json", Mee), Path.Combine(dir, "mee")), "VR r1");
        var (vr, vrMetrics) = InferAndEval(Infer(mee, Path.Combine(dir, "mee-val.json")), "VR");
        Assert.Null(vr.Vcmr);
        Assert.All(vr.Vr!, q => Assert.Equal(3, q.Predictions.Count)); // every val video, ranked
        Assert.Contains("\"VR\"", vrMetrics);

        string excl = WriteConfig(dir, "excl.json", Excl), exclRun = Path.Combine(dir, "excl");
        var console = new StringWriter();
        OneError(TrainCommand.Run(Train(excl, exclRun), console), console, "--first-stage", "'excl'");
        Assert.False(Directory.Exists(exclRun) && Directory.EnumerateFileSystemEntries(exclRun).Any());

        string best = Trained(Train(excl, exclRun, mee), "SVMR 0.5-r1 + 0.7-r1");
        console = new StringWriter();
        string output = Path.Combine(dir, "excl-val.json");
        OneError(InferCommand.Run(Infer(best, output), console), console, "--first-stage", "'excl'", best);
        Assert.False(File.Exists(output));
        var (submission, metrics) = InferAndEval(Infer(best, output, mee), "VCMR, SVMR, VR");
        Assert.Equal(15, submission.Vcmr!.Count);
        // ExCL over MEE's top 100 (all 3 val videos), VR in MEE's order
        Assert.Equal(vr.Vr!.Select(q => q.Predictions.Select(p => p.VideoIdx)), submission.Vr!.Select(q => q.Predictions.Select(p => p.VideoIdx)));
        Assert.Contains("\"VCMR\"", metrics);
    }

    [Theory]
    [InlineData("cal")]
    [InlineData("mcn")]
    public void ProposalRankersRankEveryVideoOrAFirstStagesTopVideos(string kind)
    {
        string dir = NewDir(kind);
        // the description leaves ModelType to --kind: mcn trains CAL's network on mean-pooled moments
        string best = Trained(Train(WriteConfig(dir, "cal.json", Cal), Path.Combine(dir, "run")) with { Kind = kind }, "SVMR 0.5-r1");
        var recorded = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run", "config.json")))!;
        Assert.Equal("cal", recorded["model"]!.GetValue<string>());
        Assert.Equal(kind == "mcn" ? "Mcn" : "Cal", recorded["config"]!["ModelType"]!.GetValue<string>());

        var (every, metrics) = InferAndEval(Infer(best, Path.Combine(dir, "val.json")), "VCMR, SVMR, VR");
        Assert.Equal(15, every.Vcmr!.Count);
        Assert.Contains("\"SVMR\"", metrics);

        // over a first stage: the proposals of its top 5 videos only (XML as the retriever here)
        string xml = Path.Combine(dir, "xml.ckpt");
        Seeding.Seed(5);
        using (var model = new XmlModel(TinyCorpusFixture.Small)) Vcmr.Training.Checkpoint.SaveWeights(xml, model);
        var (over, _) = InferAndEval(Infer(best, Path.Combine(dir, "val-over-xml.json"), xml), "VCMR, SVMR, VR");
        Assert.Equal(15, over.Vcmr!.Count);

        // a suite checkpoint records its ModelType: read as the other proposal kind, it is one error naming the file
        var console = new StringWriter();
        string other = kind == "mcn" ? "cal" : "mcn";
        int code = InferCommand.Run(Infer(best, Path.Combine(dir, "wrong.json")) with { Kind = other }, console);
        if (other == "mcn") OneError(code, console, best, "holds a 'cal' model of ModelType Cal, not 'mcn'");
        else Assert.Equal(0, code); // --kind cal names the registered kind both are
    }

    [Fact]
    public void PremsLocalizerTrainsAndAnswersOverItsRetrieversCandidates()
    {
        string dir = NewDir("prem");
        string retriever = Trained(Train(WriteConfig(dir, "retriever.json", PremRetriever), Path.Combine(dir, "retriever")), "VR r1 + r5 + r10 + r100");
        var (vr, _) = InferAndEval(Infer(retriever, Path.Combine(dir, "retriever-val.json")), "VR");
        Assert.Null(vr.Vcmr);

        string localizer = WriteConfig(dir, "localizer.json", PremLocalizer), run = Path.Combine(dir, "localizer");
        var console = new StringWriter();
        OneError(TrainCommand.Run(Train(localizer, run), console), console, "--first-stage", "'prem-localizer'");
        console = new StringWriter();
        var args = Train(localizer, run, retriever) with { BatchSize = 4 };
        Assert.True(TrainCommand.Run(args, console) == 0, console.ToString());
        Assert.Contains($"first stage: {retriever}, prem-retriever", console.ToString());
        Assert.Equal("VCMR 0.5-r1 + 0.7-r1", JsonNode.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")))!["stop_metric"]!.GetValue<string>());
        var (submission, metrics) = InferAndEval(Infer(Path.Combine(run, "best.ckpt"), Path.Combine(dir, "val.json"), retriever), "VCMR, SVMR, VR");
        Assert.Equal(15, submission.Vcmr!.Count);
        Assert.Contains("\"VCMR\"", metrics);
    }

    [SkippableFact]
    public void TrainTakesRanklistFoldersOnePerSplit()
    {
        TinyCorpusFixture.RequireLmdb();
        string dir = NewDir("ranklists");
        string train = Path.Combine(dir, "train_top8"), val = Path.Combine(dir, "val_top3");
        Seeding.Seed(5);
        using (var xml = new XmlModel(TinyCorpusFixture.Small))
        using (var data = TvrData.Open(new SynthCorpus(corpus.Corpus)))
        {
            CandidatesLmdb.Write(train, RetrieverStage.From(xml).Retrieve(data, "train", topK: 8));
            CandidatesLmdb.Write(val, RetrieverStage.From(xml).Retrieve(data, "val", topK: 3));
        }
        string localizer = WriteConfig(dir, "localizer.json", PremLocalizer), run = Path.Combine(dir, "run");
        var console = new StringWriter();
        // the validation split's folder alone: no folder holds the training queries' lists
        OneError(TrainCommand.Run(Train(localizer, run, val) with { BatchSize = 4 }, console), console, "--first-stage", "train queries");
        console = new StringWriter();
        Assert.True(TrainCommand.Run(Train(localizer, run, val, train) with { BatchSize = 4 }, console) == 0, console.ToString());
        Assert.Contains($"first stage: ranklist {train} (train, 40 queries)", console.ToString());
        Assert.Contains($"first stage: ranklist {val} (val, 15 queries)", console.ToString());
        var (submission, _) = InferAndEval(Infer(Path.Combine(run, "best.ckpt"), Path.Combine(dir, "val.json"), val), "VCMR, SVMR, VR");
        Assert.Equal(15, submission.Vcmr!.Count);
    }

    [Fact]
    public void ACheckpointOfAnotherKindIsOneErrorNamingFileAndKinds()
    {
        string dir = NewDir("other-kind");
        string mee = Path.Combine(dir, "mee.ckpt");
        using (var model = ModelConfigFiles.Parse(Mee, "mee.json").Create())
            Vcmr.Training.Checkpoint.SaveWeights(mee, (IConfiguredModel)model);
        var console = new StringWriter();
        string output = Path.Combine(dir, "val.json");
        OneError(InferCommand.Run(Infer(mee, output) with { Kind = "excl" }, console), console, mee, "holds a 'mee' model, not 'excl'");
        Assert.False(File.Exists(output));
        // a retriever given a first stage is told it is one itself
        console = new StringWriter();
        OneError(InferCommand.Run(Infer(mee, output, mee), console), console, "--first-stage", "'mee' model is a first stage itself");
        console = new StringWriter();
        OneError(TrainCommand.Run(Train(WriteConfig(dir, "mee.json", Mee), Path.Combine(dir, "run"), mee), console), console,
            "--first-stage", "'mee' model trains without a first stage");
    }

    [Fact]
    public void TheCommandLineTakesFirstStageOncePerSplitAndKindMcn()
    {
        string dir = NewDir("parse");
        string missing = Path.Combine(dir, "val_top100");
        var console = new StringWriter();
        // the second --first-stage is parsed too: it is the one reported missing
        Assert.Equal(1, CommandLine.Run(["train", "--corpus", corpus.Corpus, "--out", Path.Combine(dir, "run"), "--kind", "prem-localizer",
            "--first-stage", corpus.Config, "--first-stage", missing], console));
        Assert.Equal($"error: --first-stage {missing}: does not exist", console.ToString().Trim());
        console = new StringWriter();
        Assert.Equal(1, CommandLine.Run(["train", "--corpus", corpus.Corpus, "--out", Path.Combine(dir, "run"), "--kind", "mcnn"], console));
        Assert.Contains("--kind 'mcnn' is not a registered model kind (registered: cal, conquer, excl, mcn, mee, prem-localizer, prem-retriever", console.ToString());
    }
}

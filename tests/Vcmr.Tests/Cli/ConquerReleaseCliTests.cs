using Vcmr.Cli;
using Vcmr.Data;
using Vcmr.Evaluation;
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

/// <summary><c>vcmr infer</c> and <c>vcmr train</c> on a corpus folder laid out as CONQUER's feature release: a tiny
/// synthetic corpus written in the release's layout and encodings (LMDB stores, HERO-format ranklists) by the suite's
/// writers.</summary>
[Collection(SerialTorchCollection.Name)]
public sealed class ConquerReleaseCliTests
{
    private static readonly SynthOptions Tiny = new(TrainVideos: 6, ValVideos: 4, TestVideos: 2, VideoDim: 12, TextDim: 16, Seed: 7);

    /// <summary>ConquerModelTests' tiny CONQUER at this corpus's widths.</summary>
    private static readonly ConquerConfig Fitting = ConquerModelTests.Tiny with { VisualDim = 12, TextDim = 16, QueryDim = 16 };

    private sealed record Release(string Dir, SynthCorpus Synth, ConquerRelease Corpus, string Checkpoint);

    private static void RequireLmdb()
    {
        try
        {
            LmdbNative.EnsureLoaded();
        }
        catch (DllNotFoundException e)
        {
            Skip.If(true, $"CONQUER's release is LMDB: {e.Message}");
        }
    }

    /// <summary>A synthetic corpus, the same corpus in CONQUER's layout (tvr_feature_release/ under the returned folder)
    /// with a top-3 val ranklist and a train ranklist of every train video from an untrained XML, and an untrained
    /// CONQUER checkpoint that fits it.</summary>
    private static Release Write()
    {
        string dir = Directory.CreateTempSubdirectory("vcmr-conquer-release").FullName;
        var synth = TvrSynth.Generate(Path.Combine(dir, "synth"), Tiny);
        var release = ConquerRelease.Write(synth, Path.Combine(dir, "tvr_feature_release"));
        Seeding.Seed(5);
        using (var xml = new XmlModel(XmlConfig.Paper with { VisualDim = 12, TextDim = 16, HiddenSize = 16, Heads = 2 }))
        using (var data = TvrData.Open(synth))
        {
            CandidatesLmdb.Write(release.Ranklist("val"), RetrieverStage.From(xml).Retrieve(data, "val", topK: 3));
            CandidatesLmdb.Write(release.Ranklist("train"), RetrieverStage.From(xml).Retrieve(data, "train", topK: Tiny.TrainVideos));
        }
        string checkpoint = Path.Combine(dir, "conquer.ckpt");
        using (var model = new ConquerModel(Fitting))
            Checkpoint.SaveWeights(checkpoint, model);
        return new Release(dir, synth, release, checkpoint);
    }

    private static InferArgs Infer(Release r, string corpus, string output) =>
        new(new FileInfo(r.Checkpoint), new DirectoryInfo(corpus), new FileInfo(output)) { Device = "cpu" };

    [SkippableFact]
    public void InferOpensTheReleaseWithItsRanklistAndAnswersAsTheSameCorpusDoes()
    {
        RequireLmdb();
        var r = Write();
        try
        {
            var console = new StringWriter();
            // the release's root, as the reference's root_path: its HERO ranklist of val is the first stage
            string fromRelease = Path.Combine(r.Dir, "release.json");
            Assert.Equal(0, InferCommand.Run(Infer(r, r.Corpus.Root, fromRelease), console));
            Assert.Contains($"first stage: ranklist {r.Corpus.Ranklist("val")}", console.ToString());
            var submission = SubmissionJson.Read(fromRelease);
            int queries = TvrAnnotations.Read(r.Synth.Annotations("val")).Count;
            Assert.Equal(queries, submission.Vcmr!.Count);
            Assert.All(submission.Vr!, q => Assert.Equal(3, q.Predictions.Count)); // the ranklist's three candidates, re-ranked

            // the folder holding tvr_feature_release/, with the layout named on the command line: the same answer
            string fromParent = Path.Combine(r.Dir, "parent.json");
            Assert.Equal(0, CommandLine.Run(["infer", "--checkpoint", r.Checkpoint, "--corpus", r.Dir, "--layout", "conquer", "--out", fromParent, "--device", "cpu"], console));
            Assert.Equal(File.ReadAllBytes(fromRelease), File.ReadAllBytes(fromParent));

            // the synthetic corpus in its own layout (HDF5) over the same ranklist: the same features, the same answer
            string fromSynth = Path.Combine(r.Dir, "synth.json");
            Assert.Equal(0, InferCommand.Run(Infer(r, r.Synth.Dir, fromSynth) with { FirstStage = r.Corpus.Ranklist("val") }, console));
            Assert.Equal(File.ReadAllBytes(fromRelease), File.ReadAllBytes(fromSynth));

            Assert.Contains($"score it: vcmr eval --submission {fromRelease} --gt {r.Corpus.Annotations("val")}", console.ToString());
            string metrics = Path.Combine(r.Dir, "metrics.json");
            Assert.Equal(0, EvalCommand.Run(new FileInfo(fromRelease), new FileInfo(r.Corpus.Annotations("val")), new FileInfo(metrics), console));
            Assert.Contains("\"VCMR\"", File.ReadAllText(metrics));
            var scores = TvrEvaluation.EvaluateFiles(fromRelease, r.Corpus.Annotations("val"));
            Assert.InRange(scores["VCMR"]["0.5-r100"], 0, 100);
            Assert.Equal(scores["VR"]["r100"], scores["VR"]["r10"]); // three candidates per query: nothing beyond the top 10
        }
        finally
        {
            Directory.Delete(r.Dir, true);
        }
    }

    [SkippableFact]
    public void TrainOnTheReleaseReadsItsHeroRanklistsOfBothSplits()
    {
        RequireLmdb();
        var r = Write();
        try
        {
            var console = new StringWriter();
            string run = Path.Combine(r.Dir, "run");
            Assert.Equal(0, TrainCommand.Run(Train(r, run), console));
            string text = console.ToString();
            Assert.Contains($"first stage: ranklist {r.Corpus.Ranklist("train")} (train, ", text);
            Assert.Contains($"first stage: ranklist {r.Corpus.Ranklist("val")} (val, ", text);
            int trainQueries = TvrAnnotations.Read(r.Corpus.Annotations("train")).Count;
            Assert.Contains($"first stage: {trainQueries} of {trainQueries} train queries kept", text); // every train video is listed
            Assert.True(File.Exists(Path.Combine(run, "best.ckpt")));
            Assert.Contains("1 epoch, seed 3", text);

            // without the train ranklist: one error naming it, and nothing written
            File.Delete(ConquerRelease.StoreFile(r.Corpus.Ranklist("train")));
            string again = Path.Combine(r.Dir, "again");
            console = new StringWriter();
            Assert.Equal(1, TrainCommand.Run(Train(r, again), console));
            text = console.ToString();
            Assert.StartsWith("error: ", text);
            Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(ConquerRelease.StoreFile(r.Corpus.Ranklist("train")), text);
            Assert.Contains("or give --first-stage", text);
            Assert.All(TrainCommand.Outputs, name => Assert.False(File.Exists(Path.Combine(again, name))));
        }
        finally
        {
            Directory.Delete(r.Dir, true);
        }
    }

    private static TrainArgs Train(Release r, string run)
    {
        string config = Path.Combine(r.Dir, "conquer.json");
        File.WriteAllText(config, ModelRegistry.Describe(ModelSpec.Of(Fitting)));
        return new TrainArgs(new DirectoryInfo(r.Corpus.Root), new DirectoryInfo(run))
        {
            Config = new FileInfo(config), Epochs = 1, BatchSize = 4, Seed = 3, Device = "cpu",
        };
    }

    public static TheoryData<string> Missing => new()
    {
        Path.Combine("video_feature", "resnet_slowfast_1.5", "data.mdb"),
        Path.Combine("sub_query_feature", "tvr_sub_pretrained_w_sub_query_max_cl-1.5", "data.mdb"),
        Path.Combine("sub_query_feature", "tvr_query_pretrained_w_sub_query", "data.mdb"),
        Path.Combine("data", "tvr_video2dur_idx.json"),
        Path.Combine("data", "tvr_val_release.jsonl"),
        Path.Combine("data", "tvr_val_top100_hero", "data.mdb"),
    };

    [SkippableTheory]
    [MemberData(nameof(Missing))]
    public void AHalfPresentReleaseIsOneErrorNamingTheMissingFile(string missing)
    {
        RequireLmdb();
        var r = Write();
        try
        {
            string file = Path.Combine(r.Corpus.Root, missing);
            File.Delete(file);
            string output = Path.Combine(r.Dir, "val.json");
            var console = new StringWriter();
            Assert.Equal(1, InferCommand.Run(Infer(r, r.Corpus.Root, output), console));
            string text = console.ToString();
            Assert.StartsWith("error: ", text);
            Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(file, text);
            Assert.Contains(missing.Contains("hero", StringComparison.Ordinal) ? "or give --first-stage" : "not a complete CONQUER release", text);
            Assert.False(File.Exists(output));
        }
        finally
        {
            Directory.Delete(r.Dir, true);
        }
    }

    [Fact]
    public void TheLayoutIsToldFromTheFolder()
    {
        string dir = Directory.CreateTempSubdirectory("vcmr-layout").FullName;
        try
        {
            Assert.Equal(CorpusLayout.Synthetic, CorpusFolder.Detect(dir));
            // TVR's release: its data/ folder holds tvr_feature_release/ with bert_feature/ and an HDF5 video file
            Directory.CreateDirectory(Path.Combine(dir, "tvr_feature_release", "bert_feature"));
            Assert.Equal(CorpusLayout.Tvr, CorpusFolder.Detect(dir));
            // a TVRetrieval checkout's data/ is not CONQUER's; a HERO ranklist in it is
            Directory.CreateDirectory(Path.Combine(dir, "data"));
            Assert.Equal(CorpusLayout.Tvr, CorpusFolder.Detect(dir));
            string release = Path.Combine(dir, "tvr_feature_release");
            Directory.CreateDirectory(Path.Combine(release, "data", "tvr_val_top100_hero"));
            Assert.Equal(CorpusLayout.Conquer, CorpusFolder.Detect(dir));
            Assert.Equal(CorpusLayout.Conquer, CorpusFolder.Detect(release));
            // a release with nothing but its video store is still CONQUER's: every missing file is named
            string bare = Directory.CreateDirectory(Path.Combine(dir, "bare", "video_feature", "resnet_slowfast_1.5")).Parent!.Parent!.FullName;
            var e = Assert.Throws<DataFormatException>(() => CorpusFolder.Open(bare, "val"));
            Assert.Contains("not a complete CONQUER release", e.Message);
            Assert.Contains(Path.Combine(bare, "data", "tvr_val_release.jsonl"), e.Message);
            Assert.Contains(Path.Combine(bare, "sub_query_feature", "tvr_query_pretrained_w_sub_query", "data.mdb"), e.Message);
            // the layout named explicitly wins over what the folder looks like
            var named = Assert.Throws<DataFormatException>(() => CorpusFolder.Open(Path.Combine(dir, "data"), CorpusLayout.Conquer, "val"));
            Assert.Contains(Path.Combine(dir, "data", "video_feature", "resnet_slowfast_1.5", "data.mdb"), named.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

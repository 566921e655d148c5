using Vcmr.Checkpoints;
using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Models.Conquer;
using Vcmr.Models.Xml;
using Vcmr.Runtime;
using Vcmr.Tests.Training;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Conquer;

/// <summary>CONQUER end to end on a tiny synthetic corpus: first-stage candidates as data, shared-normalisation training
/// with validation through the pipeline, checkpoints, resume, the three similarity measures at inference, and the bad
/// inputs the issue names.</summary>
[Collection(SerialTorchCollection.Name)]
public sealed class ConquerExperimentTests : IDisposable
{
    private static readonly SynthOptions Corpus = new(TrainVideos: 10, ValVideos: 5, TestVideos: 0, QueriesPerVideo: 3, VideoDim: 12, TextDim: 10, Seed: 5);
    private static readonly ConquerConfig Small = ConquerModelTests.Tiny with { NegativeVideos = 2, MaxContextLength = 100 };
    private readonly string _dir = Directory.CreateTempSubdirectory("vcmr-conquer").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private TvrData Open() => TvrData.Open(TvrSynth.Generate(Path.Combine(_dir, "corpus"), Corpus), options: FeatureOptions.Conquer);

    /// <summary>A stand-in first stage: every video of the split, the ground truth at a seeded rank in 0..4 (or last for
    /// every fifth query, as a first stage that misses it), scores falling with the rank.</summary>
    private static VideoCandidates Candidates(TvrData data, string split)
    {
        var video2Idx = data.Index.Video2Idx(split);
        var rng = Seeding.Rng(11, split);
        var lists = new Dictionary<int, IReadOnlyList<VideoCandidate>>();
        foreach (var (q, i) in data.Queries(split).Select((q, i) => (q, i)))
        {
            var others = video2Idx.Where(kv => kv.Key != q.VidName).Select(kv => kv.Value).OrderBy(_ => rng.Next()).ToList();
            others.Insert(i % 5 == 4 ? others.Count : rng.Next(5), video2Idx[q.VidName!]);
            lists[q.DescId] = others.Select((v, r) => new VideoCandidate(v, 1.0 - 0.01 * r)).ToList();
        }
        return new VideoCandidates(video2Idx, lists, $"synthetic {split} ranklist");
    }

    private (TrainingHistory History, ConquerModel Model) Train(TvrData data, ConquerConfig config, int epochs, string? checkpoints = null,
        string? resume = null, int? stopEpoch = null)
    {
        var train = Candidates(data, "train");
        var selection = ConquerExperiment.SelectTrainingQueries(data.Queries("train"), train, topK: 5);
        Seeding.Seed(3);
        var model = new ConquerModel(config);
        var options = new ConquerTrainingOptions
        {
            BatchSize = 4, TrainingTopK = 5, QueryBatchSize = 8,
            Trainer = new ConquerTrainingOptions().Trainer with { Epochs = epochs, LearningRate = 1e-3, Seed = 3, CheckpointDir = checkpoints, Patience = 100 },
        };
        return (ConquerExperiment.Train(model, data, selection, train, Candidates(data, "val"), options, null, resume, stopEpoch), model);
    }

    [Fact]
    public void TrainingOnFirstStageCandidatesDropsMissedQueriesValidatesEachEpochAndWritesCheckpoints()
    {
        using var data = Open();
        var selection = ConquerExperiment.SelectTrainingQueries(data.Queries("train"), Candidates(data, "train"), topK: 5);
        Assert.Equal(data.Queries("train").Count / 5, selection.Dropped); // every fifth query has its ground truth last
        string ckpt = Path.Combine(_dir, "ckpt");
        var (history, model) = Train(data, Small with { Similarity = SimilarityMeasure.Exclusive }, epochs: 3, checkpoints: ckpt);
        using var _ = model;
        Assert.Equal([0, 1, 2], history.Epochs.Select(e => e.Epoch));
        Assert.Equal(["moment_ce", "video_ce"], history.Epochs[0].Parts.Select(p => p.Name));
        Assert.Equal([0.01, 0.05], history.Epochs[0].Parts.Select(p => p.Weight));
        Assert.True(history.Epochs[^1].Loss < history.Epochs[0].Loss, "training loss did not fall");
        using var reloaded = Checkpoint.LoadModel<ConquerModel>(Path.Combine(ckpt, "best.ckpt"));
        Assert.Equal(model.Config, reloaded.Config);
        Assert.Equal(model.Config, ModelRegistry.Parse(File.ReadAllText(Path.Combine(ckpt, "config.json")), "config.json").Config);
    }

    [Fact]
    public void AResumedRunEndsWithTheSameMetricsAsAnUninterruptedOne()
    {
        using var data = Open();
        var (straight, m1) = Train(data, Small, epochs: 2);
        m1.Dispose();
        string ckpt = Path.Combine(_dir, "ckpt");
        var (_, m2) = Train(data, Small, epochs: 2, checkpoints: ckpt, stopEpoch: 1);
        m2.Dispose();
        var (resumed, m3) = Train(data, Small, epochs: 2, checkpoints: ckpt, resume: Path.Combine(ckpt, "last.ckpt"));
        m3.Dispose();
        Assert.Single(resumed.Epochs);
        Assert.Equal(straight.Epochs[1].Val.ToJson(), resumed.Epochs[0].Val.ToJson());
        Assert.Equal(straight.Epochs[1].Loss, resumed.Epochs[0].Loss, 6);
    }

    [Fact]
    public void TheThreeSimilarityMeasuresRankVideosAsThePaperSays()
    {
        using var data = Open();
        var val = Candidates(data, "val");
        var queries = data.Queries("val");
        foreach (var similarity in Enum.GetValues<SimilarityMeasure>())
        {
            Seeding.Seed(4);
            using var model = new ConquerModel(Small with { Similarity = similarity });
            model.eval();
            var result = ConquerExperiment.Pipeline(model, val, firstStageAlpha: 20).Evaluate(data, "val");
            Assert.Equal(queries.Count, result.Submission.Vcmr!.Count);
            foreach (var q in result.Submission.Vr!)
            {
                var first = val[q.DescId].Take(10).Select(c => c.VideoIdx).ToList();
                Assert.Equal(first.Order(), q.Predictions.Select(p => p.VideoIdx).Order()); // the top 10 of the first stage
                if (similarity == SimilarityMeasure.General) Assert.Equal(first, q.Predictions.Select(p => p.VideoIdx)); // its order
                if (similarity == SimilarityMeasure.Exclusive) Assert.Equal(1, q.Predictions.Sum(p => p.Score), 4); // a softmax over the 10
            }
            foreach (var q in result.Submission.Vcmr!)
            {
                Assert.InRange(q.Predictions.Count, 1, 100);
                Assert.All(q.Predictions, p => Assert.InRange(p.End - p.Start, 1.5, 24 * 1.5)); // 0 <= j - i <= 23
            }
            Assert.NotNull(result.Submission.Svmr);
        }
    }

    [Fact]
    public void MemoryStaysFlatOverTrainingSteps()
    {
        using var data = Open();
        Seeding.Seed(5);
        using var model = new ConquerModel(Small);
        var train = Candidates(data, "train");
        var batches = new CandidateBatches(data, "train", train, new NegativeSampling { Negatives = 2, ExtendPool = 10 }, 4, 5);
        var optimizer = ConquerTraining.Optimizer(model, lr: 1e-3);
        model.train();
        long Step()
        {
            foreach (var batch in batches.Epoch(0).Take(3))
            {
                using var owned = batch;
                using var scope = NewDisposeScope();
                optimizer.ZeroGrad();
                model.Loss(batch, new TrainingStep(0, 0, new Random(1))).Total.backward();
                optimizer.Step();
            }
            return TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        }
        long first = Step(); // after the first steps the optimiser holds its state
        for (int i = 0; i < 3; i++) Assert.Equal(first, Step());
    }

    [Fact]
    public void CandidatesOfAnotherSplitAreAnErrorNamingTheFileAndTheMismatch()
    {
        using var data = Open();
        var train = Candidates(data, "train");
        var selection = ConquerExperiment.SelectTrainingQueries(data.Queries("train"), train, 5);
        using var model = new ConquerModel(Small);
        var e = Assert.Throws<DataFormatException>(() => ConquerExperiment.Train(model, data, selection, train, Candidates(data, "train"), new ConquerTrainingOptions()));
        Assert.StartsWith("synthetic train ranklist: the first-stage candidates do not match split 'val'", e.Message);
        Assert.Contains("of its queries have no list", e.Message);
        Assert.Contains("lists are for queries not in it", e.Message);
    }

    [Fact]
    public void AFeatureWidthThatDoesNotMatchTheConfigIsNamed()
    {
        using var data = Open();
        using var model = new ConquerModel(Small with { VisualDim = 16 });
        var train = Candidates(data, "train");
        var e = Assert.Throws<DataFormatException>(() => ConquerExperiment.Train(model, data, ConquerExperiment.SelectTrainingQueries(data.Queries("train"), train, 5),
            train, Candidates(data, "val"), new ConquerTrainingOptions()));
        Assert.Contains("video_feature.h5: features are 12 wide", e.Message);
        Assert.Contains("ConquerConfig.VisualDim = 16", e.Message);
    }

    [Fact]
    public void AFirstStageCheckpointOfTheWrongKindIsNamed()
    {
        string path = Path.Combine(_dir, "conquer.ckpt");
        using (var conquer = new ConquerModel(Small)) Checkpoint.SaveWeights(path, conquer);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadModel<XmlModel>(path));
        Assert.Contains($"checkpoint '{path}' holds a 'conquer' model, not a XmlModel", e.Message);
    }

    [Fact]
    public void ACorruptReferenceCheckpointIsNamedAndBuildsNothing()
    {
        string fixture = Checkpoints.ConquerParityTests.Fixture("conquer-general.ckpt");
        string cut = Path.Combine(_dir, "model.ckpt");
        var bytes = File.ReadAllBytes(fixture);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var e = Assert.ThrowsAny<Exception>(() => ConquerReference.Load(cut, null));
        Assert.IsType<DataFormatException>(e);
        Assert.Contains(cut, e.Message);
        File.WriteAllText(Path.Combine(_dir, "opt.json"), "{\"ctx_mode\": \"sub\"}");
        Assert.Contains("opt.json.ctx_mode: 'sub' is not supported",
            Assert.Throws<DataFormatException>(() => ConquerReference.Load(fixture, Path.Combine(_dir, "opt.json"))).Message);
    }
}

using Vcmr.Data;
using Vcmr.Evaluation;
using Vcmr.Experiments;
using Vcmr.Inference;
using Vcmr.Models.Conquer;
using Vcmr.Models.Prem;
using Vcmr.Runtime;
using Vcmr.Tests.Models.Conquer;
using Vcmr.Tests.Training;
using Vcmr.Training;

namespace Vcmr.Tests.Models.Prem;

/// <summary>PREM's retriever as CONQUER's first stage: its top-K lists pass through the first-stage seam as data
/// (<see cref="VideoCandidates"/>), CONQUER trains and infers over them, and nothing else reaches CONQUER.</summary>
[Collection(SerialTorchCollection.Name)]
public sealed class PremConquerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vcmr-prem-conquer").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void PremsTopKAreExactlyTheVideosConquerTrainsAndInfersOverAndTheSubmissionIsValid()
    {
        const int topK = 5; // of the 12 val videos; CONQUER's own cut (TopVideos 10) is wider, so PREM's list is the limit
        var corpus = TvrSynth.Generate(Path.Combine(_dir, "corpus"), new SynthOptions(TrainVideos: 12, ValVideos: 12, TestVideos: 0, QueriesPerVideo: 3, VideoDim: 12, TextDim: 8, Seed: 4));
        // the same files read the way each model's reference reads them
        using var premData = TvrData.Open(corpus);
        using var conquerData = TvrData.Open(corpus, options: FeatureOptions.Conquer);

        Seeding.Seed(7);
        using var retriever = new PremRetriever(PremTestData.Retriever with { MaxContextLength = 100, MaxQueryLength = 30 });
        PremExperiment.TrainRetriever(retriever, premData, PremExperiment.Retriever with
        {
            BatchSize = 12, Trainer = new TrainerOptions { Epochs = 2, LearningRate = 1e-3, Seed = 7 },
        });
        retriever.eval();
        var first = RetrieverStage.From(retriever);
        var trainCandidates = first.Retrieve(premData, "train", topK: 100);
        var valCandidates = first.Retrieve(premData, "val", topK: topK);
        var val = conquerData.Queries("val");
        Assert.All(val, q => Assert.Equal(topK, valCandidates[q.DescId].Count));

        Seeding.Seed(3);
        var config = ConquerModelTests.Tiny with { TextDim = 8, QueryDim = 8, MaxContextLength = 100, MaxQueryLength = 30, NegativeVideos = 2 };
        Assert.Equal(SimilarityMeasure.General, config.Similarity); // its VR list is the first stage's order
        using var conquer = new ConquerModel(config);
        var selection = ConquerExperiment.SelectTrainingQueries(conquerData.Queries("train"), trainCandidates, topK: 100);
        var history = ConquerExperiment.Train(conquer, conquerData, selection, trainCandidates, valCandidates, new ConquerTrainingOptions
        {
            BatchSize = 4, QueryBatchSize = 8, Trainer = new ConquerTrainingOptions().Trainer with { Epochs = 1, LearningRate = 1e-3, Seed = 3 },
        });
        Assert.Single(history.Epochs);
        Assert.True(double.IsFinite(history.Epochs[0].Loss));

        conquer.eval();
        var result = ConquerExperiment.Pipeline(conquer, valCandidates, firstStageAlpha: 20).Evaluate(conquerData, "val");
        var sub = result.Submission;
        // CONQUER saw PREM's top K and only them: the VR list is PREM's list in PREM's order, every moment lies in it
        foreach (var q in sub.Vr!)
            Assert.Equal(valCandidates[q.DescId].Select(c => c.VideoIdx), q.Predictions.Select(p => p.VideoIdx));
        foreach (var q in sub.Vcmr!)
            Assert.Subset(valCandidates[q.DescId].Select(c => c.VideoIdx).ToHashSet(), q.Predictions.Select(p => p.VideoIdx).ToHashSet());

        // a valid submission: every task holds every val query once with predictions, and it survives the official format
        string path = Path.Combine(_dir, "prem_conquer_val_submission.json");
        SubmissionJson.Write(path, sub);
        var read = SubmissionJson.Read(path);
        var ids = val.Select(q => q.DescId).ToHashSet();
        foreach (var (name, task) in new[] { ("VCMR", read.Vcmr!), ("SVMR", read.Svmr!), ("VR", read.Vr!) })
            SubmissionJson.Validate(task, ids, $"{path} {name}");
        Assert.All(read.Vcmr!, q => Assert.All(q.Predictions, p => Assert.True(p.Start >= 0 && p.End > p.Start && double.IsFinite(p.Score))));
        Assert.Equal(result.Metrics.ToJson(), TvrMetrics.Evaluate(read, val).ToJson());
    }
}

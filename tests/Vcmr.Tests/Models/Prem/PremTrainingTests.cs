using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Models.Prem;
using Vcmr.Runtime;
using Vcmr.Tests.Training;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Prem;

[Collection(SerialTorchCollection.Name)]
public sealed class PremTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vcmr-prem").FullName;
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public PremTrainingTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    public void Dispose() => Directory.Delete(_dir, true);

    private static float[] Weights(TorchSharp.torch.nn.Module m) => m.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    // Fixed data: batch b of epoch e comes from its own generator, independent of the global torch RNG.
    private static IEnumerable<TrainingBatch> Paired(int epoch)
    {
        for (int b = 0; b < 2; b++)
        {
            using var g = new Generator().manual_seed(100 * epoch + b);
            var s = PremTestData.Paired(4);
            yield return new TrainingBatch(s.Query with { Features = randn(s.Query.Features.shape, generator: g) },
                s.Context with { Video = randn(s.Context.Video!.shape, generator: g), Subtitle = randn(s.Context.Subtitle!.shape, generator: g) }, s.StartLabels, s.EndLabels);
        }
    }

    private static IEnumerable<CandidateTrainingBatch> Candidates(int epoch)
    {
        for (int b = 0; b < 2; b++)
        {
            using var g = new Generator().manual_seed(100 * epoch + b);
            var s = PremTestData.CandidateBatch(2, 3);
            yield return s with
            {
                Query = s.Query with { Features = randn(s.Query.Features.shape, generator: g) },
                Videos = s.Videos with { Video = randn(s.Videos.Video!.shape, generator: g), Subtitle = randn(s.Videos.Subtitle!.shape, generator: g) },
            };
        }
    }

    // Trains 3 epochs straight, and 1 epoch + a resume in a fresh model (another RNG state) + the rest: the weights
    // after the last epoch are the same bit for bit (dropout's torch RNG, the optimiser, the loss's random stream).
    private void ResumeIsBitIdentical<TModel, TBatch>(Func<TModel> create, IBatchSource<TBatch> source, Func<TModel, TrainingLoss<TBatch>> loss)
        where TModel : TorchSharp.torch.nn.Module where TBatch : ITrainingBatch
    {
        var options = new TrainerOptions { Epochs = 3, LearningRate = 1e-3, Seed = 3 };
        Seeding.Seed(5);
        using var straight = create();
        new Trainer<TBatch>(straight, source, loss(straight), options).Fit(_ => 0);

        string ckpt = Path.Combine(_dir, typeof(TModel).Name);
        Seeding.Seed(5);
        using var first = create();
        new Trainer<TBatch>(first, source, loss(first), options with { CheckpointDir = ckpt }).Fit(_ => 0, stopEpoch: 1);
        Seeding.Seed(99);
        using var resumed = create();
        var trainer = new Trainer<TBatch>(resumed, source, loss(resumed), options with { CheckpointDir = ckpt });
        trainer.Resume(Path.Combine(ckpt, "last.ckpt"));
        Assert.Equal(1, trainer.Epoch);
        trainer.Fit(_ => 0);
        Assert.False(Weights(straight).SequenceEqual(Weights(first)), "training changed nothing after the first epoch");
        Assert.Equal(Weights(straight), Weights(resumed));
    }

    [Fact]
    public void ResumingTheRetrieverIsBitIdentical() =>
        ResumeIsBitIdentical(() => new PremRetriever(PremTestData.Retriever), new BatchSource<TrainingBatch>(2, Paired), m => m.Loss);

    [Fact]
    public void ResumingTheLocalizerIsBitIdentical() =>
        // the positive cap draws from the loss's random stream: it must be restored too
        ResumeIsBitIdentical(() => new PremLocalizer(PremTestData.Localizer with { AdversarialPositives = 2 }),
            new BatchSource<CandidateTrainingBatch>(2, Candidates), m => m.Loss);

    [Fact]
    public void LocalizerTrainingMemoryStaysFlat()
    {
        using var batch = PremTestData.CandidateBatch(2, 3);
        IEnumerable<CandidateTrainingBatch> One(int _) // the trainer disposes what it is given: hand it aliases
        {
            yield return batch with
            {
                Query = new QueryBatch(batch.Query.DescIds, batch.Query.Features.alias(), batch.Query.Mask.alias()),
                Videos = batch.Videos with { Video = batch.Videos.Video!.alias(), Subtitle = batch.Videos.Subtitle!.alias(), Mask = batch.Videos.Mask.alias() },
                StartLabels = batch.StartLabels.alias(), EndLabels = batch.EndLabels.alias(),
            };
        }
        Seeding.Seed(5);
        using var model = new PremLocalizer(PremTestData.Localizer);
        var trainer = new Trainer<CandidateTrainingBatch>(model, new BatchSource<CandidateTrainingBatch>(1, One), model.Loss,
            new TrainerOptions { Epochs = 200, Patience = 1000 });
        trainer.Fit(_ => 0, stopEpoch: 20); // warm-up
        GC.Collect(); GC.WaitForPendingFinalizers();
        long before = System.Diagnostics.Process.GetCurrentProcess().WorkingSet64;
        trainer.Fit(_ => 0, stopEpoch: 170);
        GC.Collect(); GC.WaitForPendingFinalizers();
        long after = System.Diagnostics.Process.GetCurrentProcess().WorkingSet64;
        Assert.True(after - before < 20L << 20, $"RSS grew by {(after - before) >> 20} MB over 150 steps");
    }

    [Fact]
    public void RetrieverCandidatesFeedTheLocalizerEndToEndOnATinyCorpus()
    {
        using var data = TvrData.Open(TvrSynth.Generate(Path.Combine(_dir, "corpus"),
            new SynthOptions(TrainVideos: 12, ValVideos: 4, TestVideos: 1, VideoDim: 12, TextDim: 8, Seed: 4)));
        Seeding.Seed(7);
        using var retriever = new PremRetriever(PremTestData.Retriever with { HiddenSize = 32, IntermediateSize = 64, MaxContextLength = 100, MaxQueryLength = 30, Temperature = 0.05 });
        var rh = PremExperiment.TrainRetriever(retriever, data, PremExperiment.Retriever with
        {
            BatchSize = 12, ValSplit = "train", Trainer = new TrainerOptions { Epochs = 8, LearningRate = 1e-3, Seed = 7 },
        });
        foreach (var e in rh.Epochs) _output.WriteLine($"epoch {e.Epoch} loss {e.Loss:F3} VR {e.Val["VR"]["r1"]}");
        // validated on the training split: 60 queries over 12 videos; chance VR R@1 is 8.3
        Assert.True(rh.Best!.Val["VR"]["r1"] > 25, $"VR R@1 {rh.Best.Val["VR"]["r1"]}");
        retriever.eval();
        var first = RetrieverStage.From(retriever);
        var candidates = first.Retrieve(data, "train", topK: 100);
        Assert.All(data.Queries("train"), q => Assert.Equal(12, candidates[q.DescId].Count)); // every video of the split

        using var localizer = new PremLocalizer(PremTestData.Localizer with { MaxContextLength = 100, MaxQueryLength = 30, MinSpan = 2, MaxSpan = 16 });
        string ckpt = Path.Combine(_dir, "localizer");
        var lh = PremExperiment.TrainLocalizer(localizer, data, candidates, first, PremExperiment.Localizer with
        {
            BatchSize = 8, Trainer = new TrainerOptions { Epochs = 1, LearningRate = 1e-3, Seed = 7, CheckpointDir = ckpt },
        });
        Assert.Equal([PremLocalizer.Boundary, PremLocalizer.AdversarialPart], lh.Epochs[0].Parts.Select(p => p.Name));
        Assert.True(File.Exists(Path.Combine(ckpt, "best.ckpt")));

        localizer.eval();
        var result = new VcmrPipeline(first, LocalizerStage.From(localizer), CorpusInferenceOptions.Prem).Evaluate(data, "val");
        // a stage from a model known only at run time: the checkpoint rebuilds the localizer (one epoch: best = last)
        using (var reloaded = Checkpoint.LoadModel(Path.Combine(ckpt, "best.ckpt")))
        {
            reloaded.eval();
            var again = new VcmrPipeline(first, AnyModel.Localizer(reloaded), CorpusInferenceOptions.Prem).Evaluate(data, "val");
            Assert.Equal(result.Metrics.ToJson(), again.Metrics.ToJson());
        }
        Assert.Contains("a 'prem-retriever' model is not a moment localizer", Assert.Throws<ArgumentException>(() => AnyModel.Localizer(retriever)).Message);
        Assert.Contains("a 'prem-localizer' model is not a video retriever", Assert.Throws<ArgumentException>(() => AnyModel.Retriever(localizer)).Message);
        var val = data.Queries("val");
        Assert.Equal(val.Count, result.Submission.Vcmr!.Count);
        Assert.All(result.Submission.Vr!, q => Assert.Equal(4, q.Predictions.Count)); // top 10 of a 4-video split
        foreach (var q in result.Submission.Vcmr!)
        {
            Assert.All(q.Predictions, p => Assert.InRange((p.End - p.Start) / 1.5, 3, 16)); // 2 <= j - i < 16 clips
            foreach (var g in q.Predictions.GroupBy(p => p.VideoIdx))
                foreach (var (a, b) in g.SelectMany((a, i) => g.Skip(i + 1).Select(b => (a, b))))
                    Assert.True(TemporalNms.Iou(a.Start, a.End, b.Start, b.End) <= 0.7);
        }
    }

    [Fact]
    public void AModuleWhoseFeatureWidthDiffersFromTheCorpusFailsBeforeTrainingNamingTheFileAndKey()
    {
        using var data = TvrData.Open(TvrSynth.Generate(Path.Combine(_dir, "corpus"),
            new SynthOptions(TrainVideos: 4, ValVideos: 2, TestVideos: 1, VideoDim: 12, TextDim: 8, Seed: 4)));
        using var retriever = new PremRetriever(PremTestData.Retriever with { VisualDim = 16 });
        var e = Assert.Throws<DataFormatException>(() => PremExperiment.TrainRetriever(retriever, data, PremExperiment.Retriever));
        Assert.Contains("video_feature.h5", e.Message);
        Assert.Contains("PremRetrieverConfig.VisualDim = 16", e.Message);
        using var localizer = new PremLocalizer(PremTestData.Localizer with { TextDim = 10 });
        var candidates = new VideoCandidates(data.Index.Video2Idx("train"), new Dictionary<int, IReadOnlyList<VideoCandidate>>(), "none");
        var l = Assert.Throws<DataFormatException>(() => PremExperiment.TrainLocalizer(localizer, data, candidates, RetrieverStage.From(candidates), PremExperiment.Localizer));
        Assert.Contains("PremLocalizerConfig.TextDim = 10", l.Message);
    }

    [Fact]
    public void APipelineRunLeavesNoTensorAlive()
    {
        Seeding.Seed(12);
        using var retriever = new PremRetriever(PremTestData.Retriever);
        using var localizer = new PremLocalizer(PremTestData.Localizer);
        retriever.eval();
        localizer.eval();
        var stats = TorchSharp.DisposeScopeManager.Statistics;
        stats.Reset();
        ContextBatch[] corpus;
        QueryBatch[] batches;
        using (NewDisposeScope()) // the inputs outlive it, the helpers' intermediates do not
        {
            corpus = [PremTestData.Videos(4), PremTestData.Videos(3, l: 8)];
            corpus[1] = corpus[1] with { VidNames = ["v4", "v5", "v6"] };
            batches = [PremTestData.Queries(3), PremTestData.Queries(3)];
            batches[1] = batches[1] with { DescIds = [3, 4, 5] };
            foreach (var t in corpus.SelectMany(b => new[] { b.Video!, b.Subtitle!, b.Mask }).Concat(batches.SelectMany(b => new[] { b.Features, b.Mask })))
                t.MoveToOuterDisposeScope();
        }
        var queries = Enumerable.Range(0, 6).ToDictionary(i => i, i => new InferenceQuery(i, $"q{i}", $"v{i}"));
        var sub = new VcmrPipeline(RetrieverStage.From(retriever), LocalizerStage.From(localizer), CorpusInferenceOptions.Prem with { MinSpan = 0, MaxSpan = 4 })
            .Run(new VideoCorpus(corpus.SelectMany(b => b.VidNames).ToList(), () => corpus.Select(Alias)), batches, queries, Enumerable.Range(0, 7).ToDictionary(i => $"v{i}", i => i));
        Assert.Equal(6, sub.Vcmr!.Count);
        foreach (var t in corpus.SelectMany(b => new[] { b.Video!, b.Subtitle!, b.Mask })) t.Dispose();
        Assert.True(stats.ThreadTotalLiveCount == 0, stats.ToString());
    }

    // Each stage indexes the corpus and disposes the batches it read: every enumeration hands out fresh aliases.
    private static ContextBatch Alias(ContextBatch b) => b with { Video = b.Video!.alias(), Subtitle = b.Subtitle!.alias(), Mask = b.Mask.alias() };
}

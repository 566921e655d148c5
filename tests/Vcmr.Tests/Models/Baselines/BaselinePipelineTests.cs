using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Models.Baselines.Cal;
using Vcmr.Models.Baselines.Excl;
using Vcmr.Models.Baselines.Mee;
using Vcmr.Runtime;
using Vcmr.Tests.Training;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Baselines;

/// <summary>The baselines end to end on a tiny synthetic corpus, through the shared seams: MEE trained and validated as
/// a retriever, its candidates handed to ExCL and CAL as data, CAL/MCN over every video, checkpoints rebuilt.</summary>
[Collection(SerialTorchCollection.Name)]
public sealed class BaselinePipelineTests : IDisposable
{
    private static readonly SynthOptions Corpus = new(TrainVideos: 12, ValVideos: 4, TestVideos: 0, VideoDim: 24, TextDim: 32, Seed: 4);
    private readonly string _dir = Directory.CreateTempSubdirectory("vcmr-baselines").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private SynthCorpus Synth() => TvrSynth.Generate(Path.Combine(_dir, "corpus"), Corpus);

    private static TrainerOptions Trainer(TrainerOptions reference, int epochs, string? dir) =>
        reference with { Epochs = epochs, Seed = 3, Patience = 100, CheckpointDir = dir };

    private (MeeModel Model, VideoCandidates Candidates, TrainingHistory History) TrainMee(SynthCorpus corpus)
    {
        var cfg = (MeeConfig.Paper with { VisualDim = 24, TextDim = 32, OutputSize = 16 }).MatchCorpus(corpus.FeatureOptions);
        using var data = TvrData.Open(corpus, options: cfg.ReadOptions(corpus.FeatureOptions));
        Seeding.Seed(3);
        var mee = new MeeModel(cfg);
        var stage = RetrieverStage.From(mee);
        var history = VcmrExperiment.Train(mee, new PairedBatches(data, "train", 8, 3), mee.Loss,
            Validation.Retrieval(stage, data, "val", stop: StopMetric.Sum("VR", "r1")), Trainer(MeeConfig.ReferenceTraining with { LearningRate = 1e-3 }, 3, Path.Combine(_dir, "mee")));
        mee.eval();
        return (mee, stage.Retrieve(data, "val", topK: 100), history);
    }

    [Fact]
    public void MeeThenExclAndCalRunThroughTheSeamsAndCheckpointsRebuildThem()
    {
        var corpus = Synth();
        var (mee, candidates, meeHistory) = TrainMee(corpus);
        using var _ = mee;
        Assert.Equal(3, meeHistory.Epochs.Count);
        Assert.True(meeHistory.Epochs.All(e => e.Parts.Single().Name == MeeModel.MaxMarginPart));
        Assert.All(candidates.DescIds, id => Assert.Equal(4, candidates[id].Count)); // every val video, best first

        // ExCL over MEE's candidates, validated on SVMR
        using var data = TvrData.Open(corpus);
        Seeding.Seed(3);
        using var excl = new ExclModel(ExclConfig.Paper with { VisualDim = 24, TextDim = 32, HiddenSize = 8 });
        var exclPipeline = new VcmrPipeline(RetrieverStage.From(candidates), LocalizerStage.From(excl), CorpusInferenceOptions.Excl);
        VcmrExperiment.Train(excl, new PairedBatches(data, "train", 8, 3, minBatch: 1), excl.Loss,
            Validation.Vcmr(exclPipeline, data, "val", StopMetric.Svmr), Trainer(ExclConfig.ReferenceTraining, 2, Path.Combine(_dir, "excl")));
        excl.eval();
        var exclResult = exclPipeline.Evaluate(data, "val");
        var durations = data.Index["val"].ToDictionary(kv => kv.Value.Index, kv => kv.Value.Duration);
        foreach (var q in exclResult.Submission.Vcmr!)
        {
            // spans in seconds on the clip grid, at most 50 per video (ExCL's per-video cap)
            Assert.All(q.Predictions, p => Assert.True(p.Start % 1.5 == 0 && p.End % 1.5 == 0 && p.End - p.Start >= 4.5 && p.End - p.Start <= 24));
            Assert.All(q.Predictions.GroupBy(p => p.VideoIdx), g => Assert.True(g.Count() <= 50));
        }
        // VR is MEE's order
        Assert.All(exclResult.Submission.Vr!, q => Assert.Equal(candidates[q.DescId].Select(c => c.VideoIdx), q.Predictions.Select(p => p.VideoIdx)));

        foreach (var type in new[] { ProposalModelType.Cal, ProposalModelType.Mcn })
        {
            var cfg = (CalConfig.Paper with { ModelType = type, VisualDim = 24, TextDim = 32, HiddenSize = 16, OutputSize = 16, LstmHiddenSize = 16 })
                .MatchCorpus(corpus.FeatureOptions);
            using var calData = TvrData.Open(corpus, options: cfg.ReadOptions(corpus.FeatureOptions));
            Seeding.Seed(3);
            using var cal = new CalModel(cfg);
            var everyVideo = new VcmrPipeline(RetrieverStage.EveryVideo, LocalizerStage.From(cal), CorpusInferenceOptions.Cal);
            string dir = Path.Combine(_dir, type.ToString());
            VcmrExperiment.Train(cal, new CalTrainingSource(calData.Features, calData.Queries("train"), cfg, 8, 3), cal.Loss,
                Validation.Vcmr(everyVideo, calData, "val", StopMetric.Sum("SVMR", "0.5-r1")), Trainer(CalConfig.ReferenceTraining, 2, dir));
            cal.eval();
            var all = everyVideo.Evaluate(calData, "val");
            var top2 = new VcmrPipeline(RetrieverStage.From(candidates), LocalizerStage.From(cal), CorpusInferenceOptions.Cal with { TopVideos = 2 }).Evaluate(calData, "val");
            foreach (var (q, r) in all.Submission.Vcmr!.Zip(top2.Submission.Vcmr!))
            {
                // proposals are windows of 3-24 s inside the video, best (least distant) first
                Assert.All(q.Predictions, p => Assert.True(p.Start >= 0 && p.End <= durations[p.VideoIdx] + 1e-4 && p.End - p.Start <= 24 + 1e-4));
                Assert.Equal(q.Predictions.OrderByDescending(p => p.Score).Select(p => p.Score), q.Predictions.Select(p => p.Score));
                // after MEE, only the proposals of its first two videos
                var allowed = candidates[r.DescId].Take(2).Select(c => c.VideoIdx).ToHashSet();
                Assert.All(r.Predictions, p => Assert.Contains(p.VideoIdx, allowed));
            }
            // CAL's VR list is the videos of its best proposals, repeats included
            var vr = all.Submission.Vr!.First();
            Assert.Equal(all.Submission.Vcmr!.First(v => v.DescId == vr.DescId).Predictions.Select(p => p.VideoIdx), vr.Predictions.Select(p => p.VideoIdx));

            // the best checkpoint rebuilds the model from the file alone
            using var rebuilt = Checkpoint.LoadModel<CalModel>(Path.Combine(dir, "best.ckpt"));
            Assert.Equal(ModelRegistry.Describe(cal), ModelRegistry.Describe(rebuilt));
        }
        using var meeAgain = Checkpoint.LoadModel<MeeModel>(Path.Combine(_dir, "mee", "best.ckpt"));
        using var exclAgain = Checkpoint.LoadModel<ExclModel>(Path.Combine(_dir, "excl", "best.ckpt"));
        Assert.Equal(mee.Config, meeAgain.Config);
        Assert.Equal(excl.Config, exclAgain.Config);
    }

    [Fact]
    public void MeeTrainingIsReproducible()
    {
        var corpus = Synth();
        var (a, candidatesA, historyA) = TrainMee(corpus);
        a.Dispose();
        var (b, candidatesB, historyB) = TrainMee(corpus);
        b.Dispose();
        Assert.Equal(historyA.Epochs.Select(e => e.Loss), historyB.Epochs.Select(e => e.Loss));
        Assert.All(candidatesA.DescIds, id => Assert.Equal(candidatesA[id], candidatesB[id]));
    }
}

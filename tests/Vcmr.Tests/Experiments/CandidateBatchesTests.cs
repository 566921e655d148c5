using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Inference;
using Vcmr.Models.Xml;
using Vcmr.Reporting;
using Vcmr.Runtime;
using Vcmr.Tests.Models;
using Vcmr.Tests.Training;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Experiments;

/// <summary>The batch source of second-stage training (a query with its ground-truth video and negatives from its
/// first-stage candidates) and an experiment of a model other than XML on it.</summary>
[Collection(SerialTorchCollection.Name)]
public sealed class CandidateBatchesTests : IDisposable
{
    private static readonly SynthOptions Corpus = new(TrainVideos: 16, ValVideos: 4, TestVideos: 1, VideoDim: 24, TextDim: 32, Seed: 4);
    private readonly string _dir = Directory.CreateTempSubdirectory("vcmr-cand-batches").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static List<VideoCandidate> Ranked(params int[] videos) => videos.Select((v, i) => new VideoCandidate(v, 1.0 / (i + 1))).ToList();

    [Fact]
    public void ThePoolIsTheListWithoutTheGroundTruthCutAsConquerAndPremCutIt()
    {
        var list = Ranked(1, 2, 9, 3, 4, 5, 6);
        // CONQUER: ground truth at rank 2, extend 2: the two above it and the next two
        Assert.Equal([1, 2, 3, 4], new NegativeSampling { ExtendPool = 2 }.Pool(list, 9));
        // PREM: the top 3, without the ground truth
        Assert.Equal([1, 2], new NegativeSampling { TopPool = 3, ExtendPool = null }.Pool(list, 9));
        Assert.Equal([1, 2, 3], NegativeSampling.Prem.Pool(Ranked(1, 2, 3), 9));
        // a ground truth missing from the list counts as rank 100
        Assert.Equal(7, new NegativeSampling { ExtendPool = 0 }.Pool(list, 42).Count);
        Assert.Equal([2, 9], new NegativeSampling { ExtendPool = 2 }.Pool(list, 1)); // at rank 0: only the next two
    }

    [Fact]
    public void SamplingDrawsDistinctPoolEntriesUniformly()
    {
        var rng = new Random(3);
        var counts = new int[6];
        for (int t = 0; t < 3000; t++)
        {
            var drawn = CandidateBatches.Sample([0, 1, 2, 3, 4, 5], 3, rng);
            Assert.Equal(3, drawn.Distinct().Count());
            foreach (var d in drawn) counts[d]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 1350, 1650)); // 1500 expected each
    }

    // Every video of the split, ranked by video_idx from the highest: a first stage that knows nothing.
    private static VideoCandidates AllVideos(TvrData data, string split) =>
        new(data.Index.Video2Idx(split), data.Queries(split).ToDictionary(q => q.DescId,
            q => (IReadOnlyList<VideoCandidate>)data.Index[split].Values.OrderByDescending(v => v.Index).Select(v => new VideoCandidate(v.Index, 1)).ToList()), "all videos");

    [Fact]
    public void EachQueryGetsItsGroundTruthFirstThenNegativesFromItsPoolTheSameForTheSameEpoch()
    {
        using var data = TvrData.Open(TvrSynth.Generate(Path.Combine(_dir, "corpus"), Corpus));
        var candidates = AllVideos(data, "train");
        var sampling = NegativeSampling.Conquer with { ExtendPool = 4 };
        var source = new CandidateBatches(data, "train", candidates, sampling, batchSize: 16, seed: 7);
        var byId = data.Queries("train").ToDictionary(q => q.DescId);
        var names = new List<string>();
        foreach (var batch in source.Epoch(0))
        {
            using var _ = batch;
            Assert.Equal(4, batch.VideosPerQuery);
            Assert.Equal(4 * batch.Queries, batch.Videos.VidNames.Count);
            for (int q = 0; q < batch.Queries; q++)
            {
                var query = byId[batch.Query.DescIds[q]];
                var videos = batch.Videos.VidNames.Skip(4 * q).Take(4).ToList();
                Assert.Equal(query.VidName, videos[0]);
                var pool = sampling.Pool(candidates[query.DescId], candidates.Video2Idx[query.VidName!]);
                Assert.All(videos.Skip(1), v => Assert.Contains(candidates.Video2Idx[v], pool));
                Assert.Equal(3, videos.Skip(1).Distinct().Count());
                var (st, ed) = ClipLabels.FromSeconds(query.Start!.Value, query.End!.Value, data.Features.Shape(query.VidName!).Clips);
                Assert.Equal((st, ed), (batch.StartLabels[q].item<long>(), batch.EndLabels[q].item<long>()));
            }
            names.AddRange(batch.Videos.VidNames);
        }
        Assert.Equal(data.Queries("train").Count * 4, names.Count);
        Assert.Equal(names, source.Epoch(0).SelectMany(b => { using (b) return b.Videos.VidNames; }));
        Assert.NotEqual(names, source.Epoch(1).SelectMany(b => { using (b) return b.Videos.VidNames; }));
        var e = Assert.Throws<ArgumentException>(() => new CandidateBatches(data, "train", candidates.Top(2), sampling, 16, 7));
        Assert.Contains("all videos: desc_id", e.Message);
    }

    [Fact]
    public void AnotherModelKindTrainsOnCandidateBatchesWithItsOwnLossPartsAndCheckpoints()
    {
        ToyLocalizer.Register();
        using var data = TvrData.Open(TvrSynth.Generate(Path.Combine(_dir, "corpus"), Corpus));
        Seeding.Seed(9);
        using var toy = new ToyLocalizer(new ToyLocalizerConfig { LossWeightStartEnd = 0.5 });
        var source = new CandidateBatches(data, "train", AllVideos(data, "train"), NegativeSampling.Conquer with { Negatives = 2 }, 16, 9);
        // validated as a second stage over the training split's "first stage" (every video, equal scores)
        var pipeline = new VcmrPipeline(RetrieverStage.From(AllVideos(data, "train")), LocalizerStage.From(toy),
            CorpusInferenceOptions.Conquer with { TopVideos = 4 });
        string ckpt = Path.Combine(_dir, "toy");
        var history = VcmrExperiment.Train(toy, source, toy.Loss, Validation.Vcmr(pipeline, data, "train"),
            new TrainerOptions { Epochs = 4, LearningRate = 5e-3, Seed = 9, CheckpointDir = ckpt, Patience = 100 });

        Assert.Equal(4, history.Epochs.Count);
        Assert.Equal("VCMR 0.5-r1 + 0.7-r1", history.Stop.Name);
        Assert.All(history.Epochs, e => Assert.Equal(e.Val["VCMR"]["0.5-r1"] + e.Val["VCMR"]["0.7-r1"], e.StopScore));
        Assert.Equal(["st_ed"], history.Epochs[0].Parts.Select(p => p.Name));
        Assert.Equal(0.5 * history.Epochs[0].Part("st_ed"), history.Epochs[0].Loss, 5);
        Assert.True(history.Epochs[^1].Loss < history.Epochs[0].Loss, "the toy's loss did not fall");
        Assert.Equal(["epoch", "loss", "st_ed", "queries/s", "VCMR 0.5-r1", "VCMR 0.7-r1", "VR r1"], history.ToDataFrame().Columns.Select(c => c.Name));
        var legend = Plotly.NET.GenericChart.toJson(TrainingCurves.Loss(history));
        Assert.Contains("start/end CE (shared norm) (x0.5 in total)", legend);
        using var rebuilt = Checkpoint.LoadModel<ToyLocalizer>(Path.Combine(ckpt, "best.ckpt"));
        Assert.Equal(0.5, rebuilt.Config.LossWeightStartEnd);
    }

    [Fact]
    public void ARetrieverIsValidatedOnVrAloneAndStopsOnTheRecallSum()
    {
        using var data = TvrData.Open(TvrSynth.Generate(Path.Combine(_dir, "corpus"), Corpus));
        Seeding.Seed(10);
        using var xml = new XmlModel(XmlConfig.Paper with { VisualDim = 24, TextDim = 32, HiddenSize = 32 });
        var history = VcmrExperiment.Train(xml, new PairedBatches(data, "train", 16, 10), xml.Loss,
            Validation.Retrieval(RetrieverStage.From(xml), data, "val"), new TrainerOptions { Epochs = 2, Seed = 10 });
        Assert.Equal("VR r1 + r5 + r10 + r100", history.Stop.Name);
        Assert.Equal([("VR", "r1"), ("VR", "r5"), ("VR", "r10"), ("VR", "r100")], history.ValidationKeys);
        var best = history.Best!;
        Assert.Equal(best.Val["VR"]["r1"] + best.Val["VR"]["r5"] + best.Val["VR"]["r10"] + best.Val["VR"]["r100"], best.StopScore);
        Assert.Equal(100, best.Val["VR"]["r100"]); // 4 val videos: every list holds the right one
        Assert.Contains("VR R@10", Plotly.NET.GenericChart.toJson(TrainingCurves.Validation(history)));
    }
}

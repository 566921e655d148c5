using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Models.Baselines.Cal;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Baselines;

public sealed class CalTrainingSourceTests : IDisposable
{
    private static readonly SynthOptions Corpus = new(TrainVideos: 6, ValVideos: 3, TestVideos: 0, VideoDim: 6, TextDim: 5);
    private readonly string _dir = Directory.CreateTempSubdirectory("vcmr-cal").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (TvrData Data, CalConfig Config) Open(ProposalModelType type = ProposalModelType.Cal)
    {
        var corpus = TvrSynth.Generate(_dir, Corpus);
        var config = (CalModelTests.Tiny with { ModelType = type }).MatchCorpus(corpus.FeatureOptions);
        return (TvrData.Open(corpus, options: config.ReadOptions(corpus.FeatureOptions)), config);
    }

    [Theory]
    [InlineData(ProposalModelType.Cal)]
    [InlineData(ProposalModelType.Mcn)]
    public void BatchesHoldEachQuerysThreeMomentsAndAreTheSameForTheSameEpoch(ProposalModelType type)
    {
        var (data, config) = Open(type);
        using var _ = data;
        var queries = data.Queries("train");
        var source = new CalTrainingSource(data.Features, queries, config, 8, seed: 3);
        Assert.Equal((queries.Count + 7) / 8, source.StepsPerEpoch);
        var first = source.Epoch(1).ToList();
        var again = source.Epoch(1).ToList();
        Assert.Equal(queries.Count, first.Sum(b => b.Queries));
        foreach (var (a, b) in first.Zip(again))
        {
            using (a)
            using (b)
            {
                Assert.Equal(a.Query.DescIds, b.Query.DescIds);
                foreach (var (ma, mb) in new[] { (a.Positive, b.Positive), (a.IntraNegative, b.IntraNegative), (a.InterNegative, b.InterNegative) })
                {
                    Assert.True(ma.Video!.allclose(mb.Video!, 0, 0));
                    Assert.Equal(new long[] { a.Queries, ma.Mask.shape[1], config.VideoInputDim }, ma.Video.shape);
                    Assert.Equal(config.SubInputDim, ma.Sub!.shape[2]);
                    if (type == ProposalModelType.Mcn) Assert.Equal(1, ma.Mask.shape[1]); // one pooled clip per moment
                    Assert.True(ma.Mask.sum(1).ge(1).all().item<bool>());
                }
            }
        }
        Assert.NotEqual(first[0].Query.DescIds, source.Epoch(2).First().Query.DescIds);
        using var model = new CalModel(config);
        using var batch = source.Epoch(0).First();
        var (loss, _, _) = model.LossTerms(batch);
        Assert.True(float.IsFinite(loss.item<float>()));
    }

    [Fact]
    public void FeaturesReadOtherwiseThanCalReadsThemAreAnError()
    {
        var corpus = TvrSynth.Generate(_dir, Corpus);
        using var data = TvrData.Open(corpus); // per-clip normalised, cut to 100 clips: not CAL's raw whole videos
        var e = Assert.Throws<ArgumentException>(() => new CalTrainingSource(data.Features, data.Queries("train"), CalModelTests.Tiny, 8, 1));
        Assert.Contains("CalConfig.ReadOptions", e.Message);
    }
}

using Vcmr.Data;
using Vcmr.Models.Baselines.Excl;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Baselines;

public class ExclModelTests
{
    internal static readonly ExclConfig Tiny = ExclConfig.Paper with { VisualDim = 12, TextDim = 8, HiddenSize = 6 };

    [Fact]
    public void PaperConfigHasTheReferenceParameterCount()
    {
        // counted from the reference EXCL at train.py's configuration (video_sub, 3072 / 768, hidden 128)
        using var model = new ExclModel(ExclConfig.Paper);
        var groups = model.named_parameters().GroupBy(p => p.name.Split('.')[0]).ToDictionary(g => g.Key, g => g.Sum(p => p.parameter.numel()));
        Assert.Equal(new Dictionary<string, long>
        {
            ["query_encoder"] = 427_008, ["video_encoder"] = 1_606_656, ["video_encoder2"] = 164_864,
            ["video_st_predictor"] = 49_409, ["video_ed_predictor"] = 49_409, ["sub_encoder"] = 427_008,
            ["sub_encoder2"] = 164_864, ["sub_st_predictor"] = 49_409, ["sub_ed_predictor"] = 49_409,
        }, groups);
        Assert.Equal(2_988_036, groups.Values.Sum());
        Assert.Equal(56, model.state_dict().Count);
    }

    [Fact]
    public void StartEndLossIsTheSumOfTwoCrossEntropies()
    {
        using var model = new ExclModel(Tiny);
        // start logits [0, 0] with label 0: ln 2; end logits [0, ln 3] with label 1: -ln(3 / 4)
        using var st = tensor(new float[] { 0, 0 }, [1, 2]);
        using var ed = tensor(new float[] { 0, (float)Math.Log(3) }, [1, 2]);
        using var loss = model.StartEndLoss(st, ed, tensor(new long[] { 0 }), tensor(new long[] { 1 }));
        Assert.Equal(Math.Log(8.0 / 3), loss.item<float>(), 1e-6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LocalizingOverAnIndexEqualsTheForwardOnEachPair(bool tef)
    {
        Seeding.Seed(9);
        var config = Tiny with { UseTef = tef };
        using var model = new ExclModel(config);
        model.eval();
        using var scope = NewDisposeScope();
        var lengths = new[] { 5, 3, 6 };
        var mask = (arange(6).unsqueeze(0) < tensor(lengths.Select(l => (long)l).ToArray()).unsqueeze(1)).to(float32);
        var videos = new ContextBatch(["a", "b", "c"], randn(3, 6, 12) * mask.unsqueeze(2), randn(3, 6, 8) * mask.unsqueeze(2), mask);
        var queries = new QueryBatch([0, 1], randn(2, 4, 8), tensor(new float[] { 1, 1, 1, 1, 1, 1, 0, 0 }, [2, 4]));
        var candidates = tensor(new long[] { 2, 0, 1, 2 }, [2, 2]);
        using var index = model.EncodeContext(videos);
        var (st, ed) = model.Localize(model.EncodeQuery(queries), index, candidates);
        for (int q = 0; q < 2; q++)
            for (int k = 0; k < 2; k++)
            {
                int v = (int)candidates[q, k].item<long>();
                var pair = new ContextBatch(["x"], videos.Video![v..(v + 1)], videos.Subtitle![v..(v + 1)], mask[v..(v + 1)]);
                var query = new QueryBatch([q], queries.Features[q..(q + 1)], queries.Mask[q..(q + 1)]);
                var (s, e) = model.Forward(query, pair);
                int l = lengths[v];
                Assert.True(st[q, k, ..l].allclose(s[0, ..l], 1e-5, 1e-5));
                Assert.True(ed[q, k, ..l].allclose(e[0, ..l], 1e-5, 1e-5));
                Assert.True(st[q, k, l..].le(-1e9).all().item<bool>());
            }
    }

    [Fact]
    public void InvalidConfigsNameTheirKey()
    {
        Assert.Contains("ExclConfig.HiddenSize", Assert.Throws<ArgumentException>(() => new ExclModel(Tiny with { HiddenSize = 7 })).Message);
        Assert.Contains("ExclConfig.Dropout", Assert.Throws<ArgumentException>(() => (Tiny with { Dropout = 1 }).Validate()).Message);
    }
}

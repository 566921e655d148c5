using Vcmr.Data;
using Vcmr.Models.Baselines.Mee;
using Vcmr.Models.Xml;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Baselines;

public class MeeModelTests
{
    /// <summary>A small MEE for fast tests.</summary>
    internal static readonly MeeConfig Tiny = MeeConfig.Paper with { VisualDim = 12, TextDim = 8, OutputSize = 6, MaxQueryLength = 7, MaxContextLength = 10 };

    [Fact]
    public void PaperConfigHasTheReferenceParameterCount()
    {
        // counted from the reference model.py at its TVR configuration (video_sub, 3072 / 768 -> 256)
        using var model = new MeeModel(MeeConfig.Paper);
        var groups = model.named_parameters().GroupBy(p => p.name.Split('.')[0]).ToDictionary(g => g.Key, g => g.Sum(p => p.parameter.numel()));
        Assert.Equal(new Dictionary<string, long>
        {
            ["query_pooling"] = 3_076, ["sub_query_gu"] = 459_776, ["sub_gu"] = 263_168,
            ["video_query_gu"] = 459_776, ["video_gu"] = 852_992, ["moe_fc"] = 3_074,
        }, groups);
        Assert.Equal(2_041_862, groups.Values.Sum());
        Assert.Equal(45, model.state_dict().Count); // parameters plus the three BatchNorms' running statistics
    }

    [Fact]
    public void MaxMarginLossMatchesAHandComputedExample()
    {
        // S = [[.5, .2], [.4, .1]], m = .2. Query rows relu(m - S_ii + S_ij): .2, 0, .5, .2 (sum .9);
        // video columns relu(m - S_ii + S_ji): .2, .1, .3, .2 (sum .8); mean over 2 N^2 = 8 terms: 1.7 / 8.
        using var s = tensor(new float[] { 0.5f, 0.2f, 0.4f, 0.1f }, [2, 2]);
        Assert.Equal(0.2125, MaxMarginRankingLoss.Compute(s, 0.2).item<float>(), 1e-6);
        using var wide = zeros(2, 3);
        Assert.Throws<ArgumentException>(() => MaxMarginRankingLoss.Compute(wide, 0.2));
    }

    [Fact]
    public void ContextIsTheMeanOfTheRealClipsNormalisedWhereConfigured()
    {
        using var model = new MeeModel(MeeConfig.Paper with { VisualDim = 2, TextDim = 2, NormalizeVideo = false, NormalizeSubtitle = true });
        // one video of 2 real clips and a padded one; video stream [3, 4], [1, 0] -> mean [2, 2], kept as is;
        // subtitle stream the same clips -> [2, 2] / (|[2, 2]| + 1e-5)
        using var clips = tensor(new float[] { 3, 4, 1, 0, 9, 9 }, [1, 3, 2]);
        using var mask = tensor(new float[] { 1, 1, 0 }, [1, 3]);
        using var batch = new ContextBatch(["v"], clips.alias(), clips.alias(), mask.alias());
        var (video, sub) = model.PoolContext(batch);
        Assert.Equal(new[] { 2f, 2f }, video!.data<float>().ToArray());
        float scale = (float)(2 / (Math.Sqrt(8) + 1e-5));
        Assert.Equal(new[] { scale, scale }, sub!.data<float>().ToArray());
    }

    [Fact]
    public void AQueryEmbeddingDoesNotDependOnItsBatch()
    {
        // NetVLAD sees padding tokens, so queries are padded to MaxQueryLength: a query alone and beside a longer one
        // pool to the same vector
        Seeding.Seed(3);
        using var model = new MeeModel(Tiny);
        model.eval();
        using var scope = NewDisposeScope();
        var tokens = randn(2, 5, Tiny.TextDim);
        var alone = model.PoolQuery(new QueryBatch([0], tokens[..1, ..2], ones(1, 2)));
        var mask = tensor(new float[] { 1, 1, 0, 0, 0, 1, 1, 1, 1, 1 }, [2, 5]);
        var together = model.PoolQuery(new QueryBatch([0, 1], tokens * mask.unsqueeze(2), mask));
        Assert.True(alone[0].allclose(together[0], 1e-6, 1e-6));
        var tooLong = new QueryBatch([0], randn(1, Tiny.MaxQueryLength + 1, Tiny.TextDim), ones(1, Tiny.MaxQueryLength + 1));
        Assert.Contains("MeeConfig.MaxQueryLength", Assert.Throws<ArgumentException>(() => model.PoolQuery(tooLong)).Message);
    }

    [Fact]
    public void ScoresMixTheStreamsWithTheQuerysWeights()
    {
        Seeding.Seed(4);
        using var model = new MeeModel(Tiny);
        model.eval();
        using var scope = NewDisposeScope();
        var batch = new ContextBatch(["a", "b", "c"], randn(3, 4, Tiny.VisualDim), randn(3, 4, Tiny.TextDim), ones(3, 4));
        var pooled = model.PoolQuery(new QueryBatch([0, 1], randn(2, 3, Tiny.TextDim), ones(2, 3)));
        using var index = model.EncodeContext(batch);
        using var videoOnly = new MeeModel(Tiny with { ContextMode = ContextMode.Video });
        var w = model.MixtureWeights(pooled);
        Assert.Equal(new long[] { 2, 3 }, model.Scores(pooled, index).shape);
        Assert.Contains("one stream", Assert.Throws<InvalidOperationException>(() => videoOnly.MixtureWeights(pooled)).Message);
        Assert.Equal(new long[] { 2, 2 }, w.shape);
    }

    [Fact]
    public void InvalidConfigsNameTheirKey()
    {
        Assert.Contains("MeeConfig.OutputSize", Assert.Throws<ArgumentException>(() => new MeeModel(MeeConfig.Paper with { OutputSize = 0 })).Message);
        Assert.Contains("MeeConfig.Margin", Assert.Throws<ArgumentException>(() => (MeeConfig.Paper with { Margin = -1 }).Validate()).Message);
    }
}

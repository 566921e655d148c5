using Vcmr.Data;
using Vcmr.Inference;
using Vcmr.Models.Baselines.Cal;
using Vcmr.Models.Xml;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Baselines;

public class CalModelTests
{
    internal static readonly CalConfig Tiny = CalConfig.Paper with { VisualDim = 6, TextDim = 5, HiddenSize = 8, OutputSize = 8, LstmHiddenSize = 7 };

    [Theory]
    [InlineData(ProposalModelType.Cal)]
    [InlineData(ProposalModelType.Mcn)]
    public void PaperConfigHasTheReferenceParameterCount(ProposalModelType type)
    {
        // counted from the reference CALWithSub at video_sub_tef, resnet_i3d (inputs 2 x 3072 + 2 and 2 x 768 + 2);
        // MCN is the same network on pooled moments
        using var model = new CalModel(CalConfig.Paper with { ModelType = type });
        var groups = model.named_parameters().GroupBy(p => p.name.Split('.')[0]).ToDictionary(g => g.Key, g => g.Sum(p => p.parameter.numel()));
        Assert.Equal(new Dictionary<string, long>
        {
            ["video_moment_mlp"] = 1_639_424, ["sub_moment_mlp"] = 459_776, ["query_lstm"] = 1_050_624, ["query_linear"] = 65_792,
        }, groups);
        Assert.Equal(3_215_616, groups.Values.Sum());
        Assert.Equal(14, model.state_dict().Count);
    }

    public static TheoryData<double, float[]> SmallVideos => new()
    {
        { 2.02, [0, 2.02f] },
        { 4.5, [0, 3, 0, 4.5f, 3, 4.5f] },
        { 10.0, [0, 3, 0, 6, 0, 10, 3, 6, 3, 9, 3, 10, 6, 9, 6, 10, 9, 10] },
    };

    [Theory]
    [MemberData(nameof(SmallVideos))]
    public void ProposalsAreTheReferencesWindows(double duration, float[] expected)
    {
        // SlidingWindowMSRSS with ProposalConfigs["tvr"] run on these durations (strides 3, 3, 3, 6 s)
        Assert.Equal(new[] { 3.0, 3, 3, 6 }, SlidingWindowProposals.Tvr.Strides);
        var windows = SlidingWindowProposals.Tvr.Windows(duration);
        Assert.Equal(expected, windows.SelectMany(w => new[] { w.Start, w.End }).ToArray());
    }

    [Theory]
    // duration, windows, sum of starts, sum of ends (float32 values summed in float64), from the reference
    [InlineData(61.46, 69, 1929.0, 2531.759994506836)]
    [InlineData(76.3, 86, 3033.0, 3793.800018310547)]
    [InlineData(150.0, 170, 12105.0, 13668.0)]
    [InlineData(272.02, 314, 41724.0, 44640.11993408203)]
    public void LongVideosHaveTheReferencesWindows(double duration, int count, double starts, double ends)
    {
        var windows = SlidingWindowProposals.Tvr.Windows(duration);
        Assert.Equal(count, windows.Count);
        Assert.Equal(starts, windows.Sum(w => (double)w.Start));
        Assert.Equal(ends, windows.Sum(w => (double)w.End));
        Assert.True(windows.Zip(windows.Skip(1)).All(p => p.First.Start < p.Second.Start || p.First.Start == p.Second.Start && p.First.End < p.Second.End));
        Assert.Equal((float)duration, windows.Max(w => w.End));
    }

    [Theory]
    // the lengths kept at inference (the shortest 90) and how many of each, from the reference's eval dataset
    [InlineData(150.0, new[] { 3f, 6f }, new[] { 50, 40 })]
    [InlineData(272.02, new[] { 2.019989f, 3f }, new[] { 1, 89 })]
    [InlineData(61.46, new[] { 1.459999f, 3f, 4.459999f, 6f, 7.459999f, 10.459999f, 12f, 13.459999f, 19.459999f, 24f }, new[] { 1, 20, 1, 19, 1, 1, 17, 1, 1, 7 })]
    public void InferenceKeepsTheShortestNinety(double duration, float[] lengths, int[] counts)
    {
        var kept = SlidingWindowProposals.Tvr.ForInference(duration, 90);
        var histogram = kept.GroupBy(p => p.Length).OrderBy(g => g.Key).ToList();
        Assert.Equal(lengths, histogram.Select(g => g.Key).ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal(counts, histogram.Select(g => g.Count()).ToArray());
        Assert.Equal(SlidingWindowProposals.Tvr.Windows(duration).Count, SlidingWindowProposals.Tvr.ForInference(duration, null).Count);
    }

    [Fact]
    public void MomentsFollowTheReferencesClipRules()
    {
        // align_ts_to_clip_boundaries: [2.3, 7.9] -> [1.5, 9.0]; the end is cut at the duration
        Assert.Equal((1.5, 9.0), CalMoments.AlignToClips(10.0, 2.3, 7.9));
        Assert.Equal((30.0, 40.2), CalMoments.AlignToClips(40.2, 30.5, 40.2));
        // the inter-video negative keeps the relative span: [1.5, 9] of 10 s in a 25.5 s video -> [3.825, 22.95] -> [3, 24]
        Assert.Equal((3.0, 24.0), CalMoments.InterNegative(10.0, (1.5, 9.0), 25.5));
        // get_moment_feat: clips [floor(st / 1.5), ceil(ed / 1.5)); a start past the features moves to clips - 2
        Assert.Equal((1, 6), CalMoments.TrainingClips(1.5, 9.0, 7));
        Assert.Equal((5, 7), CalMoments.TrainingClips(12.0, 15.0, 7));
        // inference: start clipped to [0, clips - 1], end to [1, clips]
        Assert.Equal((6, 7), CalMoments.ProposalClips(new Proposal(9, 10), 7));
        Assert.Equal((6, 7), CalMoments.ProposalClips(new Proposal(12, 15), 7));
    }

    [Fact]
    public void IntraNegativesAreClipAlignedMomentsOfTwoClipsOrMoreWithTheLowestIouOfTheDraws()
    {
        var rng = Seeding.Rng(5, "intra");
        for (int i = 0; i < 200; i++)
        {
            double duration = 3 + rng.NextDouble() * 100, st = rng.NextDouble() * (duration - 2), ed = st + 0.5 + rng.NextDouble() * (duration - st - 0.5);
            var (a, b) = CalMoments.IntraNegative(duration, st, ed, 5, rng);
            Assert.Equal(0, a % 1.5, 9);
            Assert.Equal(0, b % 1.5, 9);
            Assert.True(b - a >= 1.5 && a >= 0 && b <= Math.Ceiling(duration / 1.5) * 1.5, $"[{a}, {b}] of {duration}");
        }
        // one draw: the draw itself; more draws never raise the IoU
        var once = CalMoments.IntraNegative(60, 10, 20, 1, Seeding.Rng(6, "x"));
        var five = CalMoments.IntraNegative(60, 10, 20, 5, Seeding.Rng(6, "x"));
        Assert.True(TemporalNms.Iou(five.Start, five.End, 10, 20) <= TemporalNms.Iou(once.Start, once.End, 10, 20));
    }

    [Fact]
    public void RankingLossesMatchHandComputedValues()
    {
        using var pos = tensor(new float[] { 0.3f, 0.9f });
        using var neg = tensor(new float[] { 0.5f, 0.6f });
        using var hinge = new CalModel(Tiny);
        // mean(max(0, .1 + .3 - .5), max(0, .1 + .9 - .6)) = (0 + .4) / 2
        Assert.Equal(0.2, hinge.RankingLoss(pos, neg).item<float>(), 1e-6);
        using var lse = new CalModel(Tiny with { LossType = RankingLoss.Lse });
        Assert.Equal((Math.Log(1 + Math.Exp(-0.2)) + Math.Log(1 + Math.Exp(0.3))) / 2, lse.RankingLoss(pos, neg).item<float>(), 1e-6);
    }

    [Fact]
    public void TheLossAddsTheInterTermWithItsWeight()
    {
        Seeding.Seed(7);
        using var model = new CalModel(Tiny);
        using var scope = NewDisposeScope();
        MomentBatch Moments(int clips) => new(randn(3, clips, Tiny.VideoInputDim), randn(3, clips, Tiny.SubInputDim), ones(3, clips));
        var batch = new CalTrainingBatch(new QueryBatch([0, 1, 2], randn(3, 4, Tiny.TextDim), ones(3, 4)), Moments(2), Moments(3), Moments(4));
        var (total, intra, inter) = model.LossTerms(batch);
        Assert.Equal(intra + 0.4 * inter, total.item<float>(), 1e-5);
        using var noInter = new CalModel(Tiny with { InterLossWeight = 0 });
        noInter.load_state_dict(model.state_dict());
        var (total0, intra0, inter0) = noInter.LossTerms(batch);
        Assert.Equal((intra, 0.0), (intra0, inter0));
        Assert.Equal(intra, total0.item<float>(), 1e-6);
    }

    [Fact]
    public void InvalidConfigsNameTheirKey()
    {
        Assert.Contains("CalConfig.MaxProposals", Assert.Throws<ArgumentException>(() => (Tiny with { MaxProposals = 0 }).Validate()).Message);
        Assert.Contains("CalConfig.Proposals", Assert.Throws<ArgumentException>(() => (Tiny with { Proposals = SlidingWindowProposals.Tvr with { Scales = [] } }).Validate()).Message);
        Assert.Contains("CalConfig.InterLossWeight", Assert.Throws<ArgumentException>(() => new CalModel(Tiny with { InterLossWeight = -1 })).Message);
    }
}

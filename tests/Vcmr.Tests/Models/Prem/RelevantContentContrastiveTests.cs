using Vcmr.Models.Prem;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Prem;

/// <summary>PREM's contrastive loss on a toy batch worked out by hand: 2 queries, 2 videos of 3 clips (video 1's last
/// clip is padding); query 0's moment is clips 1-2 of video 0, query 1's is clip 0 of video 1.</summary>
public class RelevantContentContrastiveTests
{
    // cos(q_i, clip t of video j): [query][video][clip]; the padded clip holds a tempting value that must be ignored.
    private static readonly float[,,] Image =
    {
        { { 0.9f, 0.2f, 0.5f }, { 0.3f, 0.4f, 0.99f } },
        { { 0.1f, 0.6f, 0.0f }, { 0.7f, 0.8f, -0.5f } },
    };
    private static readonly float[,,] Sub =
    {
        { { 0.45f, 0.4f, 0.3f }, { 0.2f, 0.0f, 0.9f } },
        { { 0.5f, 0.2f, 0.3f }, { 0.6f, 0.1f, 0.0f } },
    };

    private const double Tau = 0.1;
    private static readonly PremRetrieverConfig Config = PremRetrieverConfig.Paper with { Temperature = Tau };

    private static Tensor T(float[,,] x) => tensor(x.Cast<float>().ToArray(), [2, 2, 3]);
    private static Tensor ClipMask() => tensor(new float[] { 1, 1, 1, 1, 1, 0 }, [2, 3]);
    private static Tensor St() => tensor(new long[] { 1, 0 });
    private static Tensor Ed() => tensor(new long[] { 2, 0 });

    /// <summary>-log softmax of the positive against one negative, at temperature tau.</summary>
    private static double Ce(double positive, double negative) => Math.Log(1 + Math.Exp((negative - positive) / Tau));

    private static (ContrastiveScores Scores, double Total, Dictionary<string, double> Parts) Run(PremRetrieverConfig config, Tensor? sameVideo = null)
    {
        var scores = RelevantContentContrastive.Scores(config, T(Image), T(Sub), ClipMask(), St(), Ed());
        var loss = RelevantContentContrastive.Loss(config, scores, sameVideo);
        return (scores, loss.Total.item<float>(), loss.Parts.ToDictionary(p => p.Name, p => p.Value));
    }

    [Fact]
    public void FullPremLossMatchesTheHandComputedValue()
    {
        using var scope = NewDisposeScope();
        // Best clip anywhere (padding ignored): image [[0.9, 0.4], [0.6, 0.8]], subtitle [[0.45, 0.2], [0.5, 0.6]];
        // s(q, v) is their mean.
        var (scores, total, parts) = Run(Config);
        AssertClose(new[] { 0.675, 0.3, 0.55, 0.7 }, scores.Videos);
        // Strong: inside the moment. q0: image max(0.2, 0.5) = 0.5, subtitle max(0.4, 0.3) = 0.4; q1: image 0.7, subtitle 0.6.
        AssertClose(new[] { 0.45, 0.65 }, scores.Strong);
        // Weak: outside the moment. q0: image 0.9 (clip 0), subtitle 0.45; q1: image 0.8 (clip 1; clip 2 is padding), subtitle 0.1.
        AssertClose(new[] { 0.675, 0.45 }, scores.Weak);
        double strong = (Ce(0.45, 0.3) + Ce(0.65, 0.55)) / 2;
        double weak = (Ce(0.675, 0.3) + Ce(0.45, 0.55)) / 2;
        double v2q = (Ce(0.45, 0.55) + Ce(0.65, 0.3)) / 2; // video 0: q0's strong vs q1's score; video 1: q1's strong vs q0's
        Assert.Equal(strong, parts[RelevantContentContrastive.Strong], 5);
        Assert.Equal(weak, parts[RelevantContentContrastive.Weak], 5);
        Assert.Equal(v2q, parts[RelevantContentContrastive.VideoToQuery], 5);
        Assert.Equal(strong + 0.5 * weak + v2q, total, 5);
    }

    [Fact]
    public void WithoutTheStrongPositiveTheMainPositiveIsTheBestClipAnywhere()
    {
        using var scope = NewDisposeScope();
        var (scores, total, parts) = Run(Config with { StrongPositive = false });
        AssertClose(new[] { 0.675, 0.7 }, scores.Strong); // the diagonal of s(q, v)
        AssertClose(new[] { 0.675, 0.45 }, scores.Weak);   // unchanged
        double strong = (Ce(0.675, 0.3) + Ce(0.7, 0.55)) / 2;
        Assert.Equal(strong, parts[RelevantContentContrastive.Strong], 5);
        Assert.Equal(strong + 0.5 * (Ce(0.675, 0.3) + Ce(0.45, 0.55)) / 2 + (Ce(0.675, 0.55) + Ce(0.7, 0.3)) / 2, total, 5);
    }

    [Fact]
    public void WithoutTheWeakPositiveItsTermIsGone()
    {
        using var scope = NewDisposeScope();
        var (_, total, parts) = Run(Config with { WeakPositive = false });
        Assert.False(parts.ContainsKey(RelevantContentContrastive.Weak));
        Assert.Equal((Ce(0.45, 0.3) + Ce(0.65, 0.55)) / 2 + (Ce(0.45, 0.55) +Ce(0.65, 0.3)) / 2, total, 5);
    }

    [Fact]
    public void ReLoCLNetsPositiveIsTheBestClipAnywhereWithoutAWeakTerm()
    {
        using var scope = NewDisposeScope();
        var (_, total, _) = Run(PremRetrieverConfig.ReLoCLNetPositive with { Temperature = Tau });
        Assert.Equal((Ce(0.675, 0.3) + Ce(0.7, 0.55)) / 2 + (Ce(0.675, 0.55) + Ce(0.7, 0.3)) / 2, total, 5);
    }

    [Fact]
    public void ASideWithoutRelevantSamplingTakesItsBestClipAnywhereForBothPositives()
    {
        using var scope = NewDisposeScope();
        // text side: the subtitle term of both positives is the best subtitle anywhere (q0 0.45, q1 0.6)
        var (text, _, _) = Run(Config with { TextSide = SideSampling.Anywhere });
        AssertClose(new[] { (0.5 + 0.45) / 2, (0.7 + 0.6) / 2 }, text.Strong);
        AssertClose(new[] { (0.9 + 0.45) / 2, (0.8 + 0.6) / 2 }, text.Weak);
        // vision side: the image term is the best image anywhere (q0 0.9, q1 0.8)
        var (vision, _, _) = Run(Config with { VisionSide = SideSampling.Anywhere });
        AssertClose(new[] { (0.9 + 0.4) / 2, (0.8 + 0.6) / 2 }, vision.Strong);
        AssertClose(new[] { (0.9 + 0.45) / 2, (0.8 + 0.1) / 2 }, vision.Weak);
    }

    [Fact]
    public void ANotContrastedSideLeavesEveryScoreToTheOtherModality()
    {
        using var scope = NewDisposeScope();
        var (scores, _, _) = Run(Config with { TextSide = SideSampling.NotContrasted });
        AssertClose(new[] { 0.9, 0.4, 0.6, 0.8 }, scores.Videos);
        AssertClose(new[] { 0.5, 0.7 }, scores.Strong);
        AssertClose(new[] { 0.9, 0.8 }, scores.Weak);
    }

    [Fact]
    public void AnotherQueryOfTheSameVideoIsNoNegative()
    {
        using var scope = NewDisposeScope();
        // both rows hold one video: each row has only its positive left, so every term is -log 1 = 0
        var (_, total, _) = Run(Config, ones(2, 2, dtype: ScalarType.Bool));
        Assert.Equal(0, total, 6);
        var (_, distinct, _) = Run(Config, eye(2, 2, dtype: ScalarType.Bool));
        Assert.True(distinct > 0.1);
    }

    [Fact]
    public void StrongAndWeakPositiveClipsArePickedInsideAndOutsideTheMoment()
    {
        using var scope = NewDisposeScope();
        using var picked = RelevantContentContrastive.Select(Config, T(Image), T(Sub), ClipMask(), St(), Ed());
        // (image, subtitle) per query: strong inside [1, 2] / [0, 0]; weak outside (video 1's clip 2 is padding)
        Assert.Equal(new long[] { 2, 1, 0, 0 }, picked.Strong.data<long>().ToArray());
        Assert.Equal(new long[] { 0, 0, 1, 1 }, picked.Weak.data<long>().ToArray());
        using var anywhere = RelevantContentContrastive.Select(Config with { TextSide = SideSampling.Anywhere, StrongPositive = false },
            T(Image), T(Sub), ClipMask(), St(), Ed());
        // image strong anywhere (no strong positive): q0 clip 0, q1 clip 1; subtitle anywhere: q0 clip 0, q1 clip 0
        Assert.Equal(new long[] { 0, 0, 1, 0 }, anywhere.Strong.data<long>().ToArray());
        Assert.Equal(new long[] { 0, 0, 1, 0 }, anywhere.Weak.data<long>().ToArray());
    }

    [Fact]
    public void AMomentCoveringTheWholeVideoHasItsWeakPositiveAnywhere()
    {
        using var scope = NewDisposeScope();
        // query 1's moment = both real clips of video 1: nothing outside, weak = best anywhere
        var st = tensor(new long[] { 1, 0 });
        var ed = tensor(new long[] { 2, 1 });
        var scores = RelevantContentContrastive.Scores(Config, T(Image), T(Sub), ClipMask(), st, ed);
        AssertClose(new[] { 0.675, 0.7 }, scores.Weak);
        using var picked = RelevantContentContrastive.Select(Config, T(Image), T(Sub), ClipMask(), st, ed);
        Assert.Equal(new long[] { 1, 0 }, picked.Weak[1].data<long>().ToArray());
    }

    [Fact]
    public void ABatchOfOneQueryIsRefused()
    {
        using var scope = NewDisposeScope();
        var scores = new ContrastiveScores(ones(1, 1), ones(1), ones(1));
        var e = Assert.Throws<ArgumentException>(() => RelevantContentContrastive.Loss(Config, scores, null));
        Assert.Contains("at least 2", e.Message);
    }

    private static void AssertClose(double[] expected, Tensor actual)
    {
        var got = actual.flatten().to(float64).data<double>().ToArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++) Assert.Equal(expected[i], got[i], 5);
    }
}

using Vcmr.Inference;

namespace Vcmr.Tests.Inference;

public class TemporalNmsTests
{
    private static Prediction P(double st, double ed, double score, int video = 1) => new(video, st, ed, score);

    [Fact]
    public void DropsOnlyWhenIouIsStrictlyAboveTheThreshold()
    {
        // IoU([0,10], [0,5]) = 0.5 exactly.
        Assert.Equal(2, TemporalNms.Suppress([P(0, 10, 0.9), P(0, 5, 0.8)], 0.5).Count);
        Assert.Equal([P(0, 10, 0.9)], TemporalNms.Suppress([P(0, 5, 0.8), P(0, 10, 0.9)], 0.49));
    }

    [Fact]
    public void GreedyFromTheBestScoreSoASuppressedMomentSuppressesNothing()
    {
        // B overlaps A (1/3) and C (1/3); A and C are disjoint. At 0.3, A removes B, and C survives.
        var a = P(0, 10, 0.9); var b = P(5, 15, 0.8); var c = P(10, 20, 0.7);
        Assert.Equal([a, c], TemporalNms.Suppress([c, b, a], 0.3));
        Assert.Equal([a, b, c], TemporalNms.Suppress([c, b, a], 0.34));
    }

    [Fact]
    public void EqualScoresKeepInputOrderAndTheCapApplies()
    {
        var first = P(0, 1, 0.5); var second = P(0, 1, 0.5);
        Assert.Equal([first with { VideoIdx = 7 }], TemporalNms.Suppress([first with { VideoIdx = 7 }, second], 0.5));
        Assert.Equal([second], TemporalNms.Suppress([second, first with { VideoIdx = 7 }], 0.5));
        var disjoint = Enumerable.Range(0, 150).Select(i => P(i * 10, i * 10 + 5, i)).ToList();
        var kept = TemporalNms.Suppress(disjoint, 0.5);
        Assert.Equal(100, kept.Count);
        Assert.Equal(Enumerable.Range(50, 100).Reverse().Select(i => (double)i), kept.Select(p => p.Score));
        Assert.Empty(TemporalNms.Suppress([], 0.5));
    }

    [Fact]
    public void VcmrRunsPerVideoMergesByScoreAndCapsAfterNms()
    {
        var preds = new[] { P(0, 10, 0.9, video: 1), P(0, 10, 0.8, video: 2), P(0, 9, 0.7, video: 1), P(20, 30, 0.6, video: 2), P(0, 10, 0.95, video: 3) };
        // video 1 loses its near-duplicate; the same times on video 2 are kept; row 5 is past maxBeforeNms = 4.
        Assert.Equal([P(0, 10, 0.9, 1), P(0, 10, 0.8, 2), P(20, 30, 0.6, 2)], TemporalNms.Vcmr(preds, 0.5, maxBeforeNms: 4));
        Assert.Equal([P(0, 10, 0.95, 3), P(0, 10, 0.9, 1)], TemporalNms.Vcmr(preds, 0.5, maxAfterNms: 2));
    }

    [Fact]
    public void SvmrUsesTheFirstRowsVideo()
    {
        var kept = TemporalNms.Svmr([P(0, 10, 0.1, video: 4), P(0, 10, 0.9, video: 5), P(30, 40, 0.5, video: 5)], 0.5);
        Assert.Equal([P(0, 10, 0.9, 4), P(30, 40, 0.5, 4)], kept);
    }

    [Theory]
    [InlineData(1, 0.3)]
    [InlineData(2, 0.5)]
    [InlineData(3, 0.7)]
    public void KeptMomentsOfAVideoPairwiseOverlapAtMostTheThresholdAndAreSortedSubset(int seed, double threshold)
    {
        var rng = new Random(seed);
        var preds = Enumerable.Range(0, 200).Select(_ =>
        {
            double st = rng.Next(60) * 1.5;
            return P(st, st + rng.Next(3, 16) * 1.5, rng.NextDouble(), video: rng.Next(4));
        }).ToList();
        var kept = TemporalNms.Vcmr(preds, threshold);
        Assert.InRange(kept.Count, 10, 100);
        Assert.All(kept, p => Assert.Contains(p, preds));
        Assert.Equal(kept.OrderByDescending(p => p.Score), kept);
        for (int i = 0; i < kept.Count; i++)
            for (int j = i + 1; j < kept.Count; j++)
                if (kept[i].VideoIdx == kept[j].VideoIdx)
                    Assert.True(TemporalNms.Iou(kept[i].Start, kept[i].End, kept[j].Start, kept[j].End) <= threshold);
    }
}

using Vcmr.Inference;
using Vcmr.Models;
using static TorchSharp.torch;

namespace Vcmr.Tests.Inference;

/// <summary>Each fusion against hand-computed scores: one query, two candidate videos of three clips.</summary>
public class ScoreFusionTests
{
    private static readonly float[] St = [1, 2.5f, 0, 0.4f, 0, -1e10f], Ed = [0, 1.2f, 3, 2, 0.7f, -1e10f];
    private static readonly CorpusInferenceOptions Window = CorpusInferenceOptions.Tvr with { MinSpan = 0, MaxSpan = 3, MaxBeforeNms = 12 };

    private static MomentLogits Logits(float[]? video = null) =>
        new(tensor(St).view(1, 2, 3), tensor(Ed).view(1, 2, 3), video is null ? null : tensor(video).view(1, 2));

    private static double[] Softmax(float[] x, int from)
    {
        var e = x.Skip(from).Take(3).Select(v => Math.Exp(v)).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    // every span (k, i, j) with i <= j < 3 and its expected score
    private static List<(int K, int I, int J, double S)> Expected(Func<int, int, int, double> score, bool skipPadding = true) =>
        (from k in Enumerable.Range(0, 2) from i in Enumerable.Range(0, 3) from j in Enumerable.Range(i, 3 - i)
         where !skipPadding || (k == 0 || (i < 2 && j < 2)) select (k, i, j, score(k, i, j))).OrderByDescending(e => e.Item4).ToList();

    private static void AssertSpans(List<(int K, int I, int J, double S)> expected, SpanScores scores)
    {
        var got = SpanSearch.Top(scores, Window)[0];
        Assert.Equal(expected.Count, got.Count);
        for (int t = 0; t < got.Count; t++)
        {
            Assert.Equal(expected[t].S, got[t].Score, Math.Abs(expected[t].S) * 1e-5 + 1e-6);
            Assert.Equal((expected[t].K, expected[t].I, expected[t].J), (got[t].Slot, got[t].Start, got[t].End));
        }
    }

    [Theory]
    [InlineData("xml", 20.0)]
    [InlineData("prem", 100.0)]
    public void ExponentialFusionsScoreExpOfAlphaTimesTheVideoScoreTimesBothProbabilities(string name, double alpha)
    {
        using var scope = NewDisposeScope();
        var fusion = name == "xml" ? ScoreFusion.Xml() : ScoreFusion.Prem();
        Assert.Equal(name, fusion.Name);
        var first = tensor(new[] { 0.1f, 0.05f }).view(1, 2);
        var (p0, e0, p1, e1) = (Softmax(St, 0), Softmax(Ed, 0), Softmax(St, 3), Softmax(Ed, 3));
        // PREM's term is relative to the query's best candidate (exp(100 s) overflows float32 above s = 0.89).
        double best = name == "prem" ? 0.1f : 0;
        double[] v = [Math.Exp(alpha * (0.1f - best)), Math.Exp(alpha * (0.05f - best))];
        AssertSpans(Expected((k, i, j) => (k == 0 ? p0[i] * e0[j] : p1[i] * e1[j]) * v[k]), fusion.Fuse(Logits(), first, null));
        Assert.Null(fusion.RankVideos(fusion.Fuse(Logits(), first, null), Window));
    }

    [Fact]
    public void PremsVideoTermStaysFiniteForCosinesNearOneAndRanksAsExpOfSOverTau()
    {
        using var scope = NewDisposeScope();
        // exp(100 * 0.95) overflows float32; relative to the query's best candidate it is 1, and the ratio is kept
        var fused = ScoreFusion.Prem().Fuse(Logits(), tensor(new[] { 0.95f, 0.9f }).view(1, 2), tensor(new[] { true, true }).view(1, 2));
        Assert.True(fused.Video.isfinite().all().item<bool>());
        Assert.Equal(1f, fused.Video[0, 0].item<float>());
        Assert.Equal(Math.Exp(100 * (0.9f - 0.95f)), fused.Video[0, 1].item<float>(), 1e-6);
        // a removed slot neither counts as the best nor scores
        var ragged = ScoreFusion.Prem().Fuse(Logits(), tensor(new[] { 0.2f, 0.99f }).view(1, 2), tensor(new[] { true, false }).view(1, 2));
        Assert.Equal(new[] { 1f, 0f }, ragged.Video.data<float>().ToArray());
    }

    [Fact]
    public void ConquerGeneralUsesTheFirstStageScoreAsGivenAndARemovedSlotYieldsNoSpans()
    {
        using var scope = NewDisposeScope();
        var first = tensor(new[] { 3f, 5f }).view(1, 2);
        var (p0, e0) = (Softmax(St, 0), Softmax(Ed, 0));
        var fused = ScoreFusion.ConquerGeneral.Fuse(Logits(), first, tensor(new[] { true, false }).view(1, 2));
        AssertSpans(Expected((k, i, j) => p0[i] * e0[j] * 3).Where(e => e.K == 0).ToList(), fused);
    }

    [Fact]
    public void ConquerExclusiveSoftmaxesTheLocalizersVideoLogitsAndReRanksTheVideos()
    {
        using var scope = NewDisposeScope();
        var fused = ScoreFusion.ConquerExclusive.Fuse(Logits(video: [0, 2]), tensor(new[] { 9f, 1f }).view(1, 2), null);
        double r1 = Math.Exp(2) / (1 + Math.Exp(2));
        var (p0, e0, p1, e1) = (Softmax(St, 0), Softmax(Ed, 0), Softmax(St, 3), Softmax(Ed, 3));
        AssertSpans(Expected((k, i, j) => k == 0 ? p0[i] * e0[j] * (1 - r1) : p1[i] * e1[j] * r1), fused);
        Assert.Equal(new[] { 1 - r1, r1 }, ScoreFusion.ConquerExclusive.RankVideos(fused, Window)!.data<float>().ToArray().Select(x => (double)x), new ToleranceComparer(1e-6));
        Assert.Throws<InvalidOperationException>(() => ScoreFusion.ConquerExclusive.Fuse(Logits(), null, null));
    }

    [Fact]
    public void ConquerDisjointAddsTheRawLogitsAndScoresAVideoByItsBestSpan()
    {
        using var scope = NewDisposeScope();
        var fused = ScoreFusion.ConquerDisjoint.Fuse(Logits(), tensor(new[] { 9f, 1f }).view(1, 2), null);
        Assert.True(fused.Additive);
        var expected = Expected((k, i, j) => St[3 * k + i] + Ed[3 * k + j]);
        AssertSpans(expected, fused);
        // video 0: span (1, 2) = 2.5 + 3; video 1: span (0, 0) = 0.4 + 2
        Assert.Equal(new[] { 5.5f, 2.4f }, ScoreFusion.ConquerDisjoint.RankVideos(fused, Window)!.data<float>().ToArray());
        Assert.Equal([5.5, 2.4], expected.GroupBy(e => e.K).OrderBy(g => g.Key).Select(g => Math.Round(g.Max(e => e.S), 5)));
    }

    [Fact]
    public void WithoutFirstStageScoresTheVideoTermIsNeutral()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(new[] { 1f, 1f }, ScoreFusion.Xml().Fuse(Logits(), null, null).Video.data<float>().ToArray());
        Assert.Equal(new[] { 1f, 1f }, ScoreFusion.ConquerGeneral.Fuse(Logits(), null, null).Video.data<float>().ToArray());
        Assert.Equal(new[] { 0f, 0f }, ScoreFusion.ConquerDisjoint.Fuse(Logits(), null, null).Video.data<float>().ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => ScoreFusion.Prem(0));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double x) => 0;
    }
}

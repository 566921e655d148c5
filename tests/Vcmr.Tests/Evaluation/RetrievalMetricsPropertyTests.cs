using Vcmr.Evaluation;

namespace Vcmr.Tests.Evaluation;

/// <summary>Invariants of the retrieval metrics, and agreement with a sort-based port of TextVR's rank definition.</summary>
public class RetrievalMetricsPropertyTests
{
    private static float[] Random(int seed, int n, int levels) { var rng = new Random(seed); return Enumerable.Range(0, n).Select(_ => (float)rng.Next(levels)).ToArray(); }

    private static void Close(RetrievalScores a, RetrievalScores b)
    {
        Assert.Equal(a with { MeanAveragePrecision = 0 }, b with { MeanAveragePrecision = 0 });
        Assert.Equal(a.MeanAveragePrecision, b.MeanAveragePrecision, 12);
    }

    [Fact]
    public void APerfectDiagonalScoresOneHundred()
    {
        var s = Random(1, 40 * 40, 1000);
        for (int i = 0; i < 40; i++) s[i * 40 + i] = 2000;
        var r = RetrievalMetrics.Evaluate(new SimilarityMatrix(s, 40, 40));
        var perfect = new RetrievalScores(40, 100, 100, 100, 100, 1, 1, 1);
        Assert.Equal(perfect, r.TextToVideo);
        Assert.Equal(perfect, r.VideoToText);
    }

    [Fact]
    public void AConstantMatrixScoresChanceNotPerfect()
    {
        var r = RetrievalMetrics.Evaluate(new SimilarityMatrix(new float[9 * 9], 9, 9));
        Assert.Equal(0, r.TextToVideo.R1);
        Assert.Equal(5, r.TextToVideo.MedianRank); // every GT averages positions 0..8 -> 4, +1
        Assert.Equal(r.TextToVideo, r.VideoToText);
    }

    [Theory]
    [InlineData(2, 4)]
    [InlineData(3, 50)]
    public void PermutingRowsWithTheirGroundTruthChangesNothing(int seed, int levels)
    {
        const int rows = 60, cols = 25;
        var s = Random(seed, rows * cols, levels);
        var rng = new Random(seed);
        var gt = Enumerable.Range(0, rows).Select(_ => rng.Next(cols)).ToArray();
        var perm = Enumerable.Range(0, rows).OrderBy(_ => rng.Next()).ToArray();
        var permuted = new float[s.Length];
        for (int i = 0; i < rows; i++) Array.Copy(s, perm[i] * cols, permuted, i * cols, cols);
        var a = RetrievalMetrics.Evaluate(new SimilarityMatrix(s, rows, cols), gt);
        var b = RetrievalMetrics.Evaluate(new SimilarityMatrix(permuted, rows, cols), perm.Select(p => gt[p]).ToArray());
        Close(a.TextToVideo, b.TextToVideo);
        Close(a.VideoToText, b.VideoToText);
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(5, 100)]
    public void TransposingSwapsTheDirections(int seed, int levels)
    {
        var s = new SimilarityMatrix(Random(seed, 30 * 30, levels), 30, 30);
        var a = RetrievalMetrics.Evaluate(s);
        var b = RetrievalMetrics.Evaluate(s.Transpose());
        Close(a.TextToVideo, b.VideoToText);
        Close(a.VideoToText, b.TextToVideo);
    }

    [Theory]
    [InlineData(6, 3, false)]
    [InlineData(7, 20, false)]
    [InlineData(8, 3, true)]
    [InlineData(9, 20, true)]
    public void MatchesASortBasedPortOfTextVr(int seed, int levels, bool skewed)
    {
        // uniform: 3 captions per video (TextVR's default layout, compared layer by layer); skewed: 27 of the 39
        // texts on video 0 (compared by gathering each row). Sizes are not multiples of the SIMD width.
        const int videos = 13, rows = 39;
        var s = Random(seed, rows * videos, levels);
        int[] gt = Enumerable.Range(0, rows).Select(i => skewed ? (i < 27 ? 0 : i % videos) : i / 3).ToArray();
        var r = skewed ? RetrievalMetrics.Evaluate(new SimilarityMatrix(s, rows, videos), gt) : RetrievalMetrics.Evaluate(new SimilarityMatrix(s, rows, videos));
        // t2v: position(s) of the GT value in the row sorted by descending score, averaged
        var t2v = Enumerable.Range(0, rows).Select(i =>
        {
            var sorted = Enumerable.Range(0, videos).Select(c => s[i * videos + c]).OrderByDescending(x => x).ToArray();
            return Enumerable.Range(0, videos).Where(p => sorted[p] == s[i * videos + gt[i]]).Average();
        }).ToArray();
        // v2t: best averaged position among the video's captions in its column; videos without captions are skipped
        var v2t = Enumerable.Range(0, videos).Where(v => gt.Contains(v)).Select(v =>
        {
            var column = Enumerable.Range(0, rows).Select(i => s[i * videos + v]).ToArray();
            var sorted = column.OrderByDescending(x => x).ToArray();
            return Enumerable.Range(0, rows).Where(i => gt[i] == v).Min(i => Enumerable.Range(0, rows).Where(p => sorted[p] == column[i]).Average());
        }).ToArray();
        foreach (var (scores, ranks) in new[] { (r.TextToVideo, t2v), (r.VideoToText, v2t) })
        {
            Assert.Equal(ranks.Length, scores.Queries);
            Assert.Equal(100.0 * ranks.Count(x => x == 0) / ranks.Length, scores.R1, 12);
            Assert.Equal(100.0 * ranks.Count(x => x < 5) / ranks.Length, scores.R5, 12);
            Assert.Equal(100.0 * ranks.Count(x => x < 10) / ranks.Length, scores.R10, 12);
            Assert.Equal(ranks.Average() + 1, scores.MeanRank, 12);
            var o = ranks.Order().ToArray();
            Assert.Equal((o.Length % 2 == 1 ? o[o.Length / 2] : (o[o.Length / 2 - 1] + o[o.Length / 2]) / 2) + 1, scores.MedianRank);
        }
        Assert.Equal(t2v.Average(x => 1 / (x + 1)), r.TextToVideo.MeanAveragePrecision, 12);
    }

    [Fact]
    public void RecallIsMonotoneInK()
    {
        var r = RetrievalMetrics.Evaluate(new SimilarityMatrix(Random(8, 80 * 80, 30), 80, 80));
        foreach (var d in new[] { r.TextToVideo, r.VideoToText })
        {
            Assert.True(d.R1 <= d.R5 && d.R5 <= d.R10 && d.R10 <= d.R50, $"{d}");
            Assert.InRange(d.MeanAveragePrecision, 0, 1);
        }
    }
}

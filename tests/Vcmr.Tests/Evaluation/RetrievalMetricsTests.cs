using TorchSharp;
using Vcmr.Evaluation;

namespace Vcmr.Tests.Evaluation;

/// <summary>Known answers computed by hand (with and without ties) for both directions.</summary>
public class RetrievalMetricsTests
{
    private static SimilarityMatrix M(float[,] s)
    {
        int rows = s.GetLength(0), cols = s.GetLength(1);
        return new SimilarityMatrix(s.Cast<float>().ToArray(), rows, cols);
    }

    [Fact]
    public void NoTiesKnownAnswer()
    {
        var r = RetrievalMetrics.Evaluate(M(new[,] { { 0.9f, 0.1f, 0.5f }, { 0.8f, 0.3f, 0.2f }, { 0.1f, 0.2f, 0.7f } }));
        // text ranks (0-based) 0, 1, 0: text 1 is beaten by 0.8 in its row
        var t2v = r.TextToVideo;
        Assert.Equal((3, 200.0 / 3, 100.0, 100.0, 1.0), (t2v.Queries, t2v.R1, t2v.R5, t2v.R50, t2v.MedianRank));
        Assert.Equal(4.0 / 3, t2v.MeanRank, 12);
        Assert.Equal(2.5 / 3, t2v.MeanAveragePrecision, 12);
        // every GT cell tops its column
        Assert.Equal(new RetrievalScores(3, 100, 100, 100, 100, 1, 1, 1), r.VideoToText);
    }

    [Fact]
    public void TiesAreAveragedAsTextVrDoes()
    {
        var r = RetrievalMetrics.Evaluate(M(new[,] { { 0.5f, 0.5f, 0.1f }, { 0.2f, 0.4f, 0.4f }, { 0.3f, 0.3f, 0.3f } }));
        // rows: GT tied with one other at the top -> rank0 0.5 (not a hit at 1); row 2 all equal -> (0+1+2)/3 = 1
        var t2v = r.TextToVideo;
        Assert.Equal(0, t2v.R1);
        Assert.Equal(100, t2v.R5);
        Assert.Equal(1.5, t2v.MedianRank);
        Assert.Equal(5.0 / 3, t2v.MeanRank, 12);
        Assert.Equal((1 / 1.5 + 1 / 1.5 + 1 / 2.0) / 3, t2v.MeanAveragePrecision, 12);
        // columns: 0.5 tops column 0; 0.4 is under 0.5 in column 1; 0.3 is under 0.4 in column 2 -> ranks 0, 1, 1
        var v2t = r.VideoToText;
        Assert.Equal((3, 100.0 / 3, 100.0, 2.0), (v2t.Queries, v2t.R1, v2t.R5, v2t.MedianRank));
        Assert.Equal(5.0 / 3, v2t.MeanRank, 12);
        Assert.Equal(2.0 / 3, v2t.MeanAveragePrecision, 12);
    }

    [Fact]
    public void AHalfRankBelowFiveStillCountsAtFive()
    {
        // GT 0.5 has 4 higher cells and one equal: rank0 = 4.5 -> hit at 5 (cols < 5), MedR 5.5
        var row = new[] { 0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.5f, 0.1f };
        var r = RetrievalMetrics.Evaluate(new SimilarityMatrix(row, 1, 7), [5]);
        Assert.Equal(100, r.TextToVideo.R5);
        Assert.Equal(0, r.TextToVideo.R1);
        Assert.Equal(5.5, r.TextToVideo.MedianRank);
    }

    [Fact]
    public void SeveralCaptionsPerVideoUseTheBestCaptionAndFullAp()
    {
        // default GT for 4 texts x 2 videos: texts 0,1 -> video 0, texts 2,3 -> video 1
        var r = RetrievalMetrics.Evaluate(M(new[,] { { 0.9f, 0.1f }, { 0.2f, 0.6f }, { 0.3f, 0.8f }, { 0.7f, 0.4f } }));
        Assert.Equal(new RetrievalScores(4, 50, 100, 100, 100, 1.5, 1.5, 0.75), r.TextToVideo);
        // video 0: captions at positions 1 and 4 -> AP (1/1 + 2/4)/2; video 1: positions 1 and 3 -> (1 + 2/3)/2
        var v2t = r.VideoToText;
        Assert.Equal((2, 100.0, 1.0, 1.0), (v2t.Queries, v2t.R1, v2t.MedianRank, v2t.MeanRank));
        Assert.Equal((0.75 + 5.0 / 6) / 2, v2t.MeanAveragePrecision, 12);
    }

    [Fact]
    public void RelevantItemsTiedTogetherSitAtTheirExpectedPositions()
    {
        // video 0 has 2 captions; its column is constant over 4 texts: positions 5/3 and 10/3 -> AP 0.6
        var s = new SimilarityMatrix(new float[] { 1, 0, 1, 0, 1, 2, 1, 3 }, 4, 2);
        var v2t = RetrievalMetrics.Evaluate(s, [0, 0, 1, 1]).VideoToText;
        Assert.Equal((0.6 + 1) / 2, v2t.MeanAveragePrecision, 12); // video 1: its captions are its top two cells
        Assert.Equal((1.5 + 0) / 2 + 1, v2t.MeanRank); // rank0: video 0 (0+1+2+3)/4 = 1.5 (all tied), video 1 0
    }

    [Fact]
    public void NanCellsRankLastButANanGroundTruthIsAnError()
    {
        var r = RetrievalMetrics.Evaluate(new SimilarityMatrix(new[] { 0.1f, float.NaN, float.NaN, 0.2f }, 2, 2));
        Assert.Equal(100, r.TextToVideo.R1);
        var e = Assert.Throws<ArgumentException>(() => RetrievalMetrics.Evaluate(new SimilarityMatrix(new[] { float.NaN, 1f, 1f, 2f }, 2, 2)));
        Assert.Contains("1 ground-truth cells are NaN (first: [0, 0])", e.Message);
    }

    [Fact]
    public void BadGroundTruthIsNamed()
    {
        var s = new SimilarityMatrix(new float[6], 3, 2);
        Assert.Contains("3 x 2 matrix has no default ground truth", Assert.Throws<ArgumentException>(() => RetrievalMetrics.Evaluate(s)).Message);
        Assert.Contains("2 entries for 3 rows", Assert.Throws<ArgumentException>(() => RetrievalMetrics.Evaluate(s, [0, 1])).Message);
        Assert.Contains("2 rows point outside the 2 columns (first: row 0 -> -1, row 2 -> 2)",
            Assert.Throws<ArgumentException>(() => RetrievalMetrics.Evaluate(s, [-1, 1, 2])).Message);
    }

    [Fact]
    public void TensorFloat32AndFloat64GiveTheSameNumbers()
    {
        var rng = new Random(5);
        var values = Enumerable.Range(0, 12 * 12).Select(_ => (float)rng.Next(6)).ToArray(); // many ties
        var expected = RetrievalMetrics.Evaluate(new SimilarityMatrix(values, 12, 12));
        Assert.Equal(expected, RetrievalMetrics.Evaluate(new SimilarityMatrix(values.Select(v => (double)v).ToArray(), 12, 12)));
        using var t = torch.tensor(values, [12, 12]);
        Assert.Equal(expected, RetrievalMetrics.Evaluate(t));
    }
}

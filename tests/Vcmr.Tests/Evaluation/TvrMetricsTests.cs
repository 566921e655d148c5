using Vcmr.Data;
using Vcmr.Evaluation;
using Vcmr.Inference;

namespace Vcmr.Tests.Evaluation;

/// <summary>Known answers computed by hand on one- or few-query ground truths (video "a" = 10, "b" = 11).</summary>
public class TvrMetricsTests
{
    private static readonly Dictionary<string, int> Video2Idx = new() { ["a"] = 10, ["b"] = 11 };

    private static TvrQuery Gt(int id, double st, double ed, QueryType type = QueryType.V, string video = "a") =>
        new(id, $"q{id}", video, 60, st, ed, type);

    private static Prediction P(int video, double st, double ed, double score) => new(video, st, ed, score);

    private static QueryPredictions Q(int id, params Prediction[] preds) => new(id, $"q{id}", preds);

    private static TvrEvalResult Eval(IReadOnlyList<TvrQuery> gt, IReadOnlyList<QueryPredictions> moments, IReadOnlyList<QueryPredictions>? vr = null) =>
        TvrMetrics.Evaluate(new Submission(Video2Idx, moments, moments, vr), gt);

    [Fact]
    public void IouIsInclusiveAtExactlyHalfAndSevenTenths()
    {
        // GT [0, 10]: [0, 5] has IoU 0.5, [0, 7] has IoU 0.7 (both equal in float32 to the thresholds).
        var half = Eval([Gt(1, 0, 10)], [Q(1, P(10, 0, 5, 0))])["VCMR"];
        Assert.Equal(100.0, half["0.5-r1"]);
        Assert.Equal(0.0, half["0.7-r1"]);
        var seven = Eval([Gt(1, 0, 10)], [Q(1, P(10, 0, 7, 0))])["VCMR"];
        Assert.Equal(100.0, seven["0.7-r1"]);
        var below = Eval([Gt(1, 0, 10)], [Q(1, P(10, 0, 4.99, 0))])["VCMR"];
        Assert.Equal(0.0, below["0.5-r1"]);
    }

    [Fact]
    public void IouUsesTheHullWhichIsTheUnionWhenOverlapping()
    {
        Assert.Equal(1f / 5f, TvrMetrics.Iou(0, 3, 2, 5));   // inter 1, union = hull = 5
        Assert.Equal(2f / 6f, TvrMetrics.Iou(0, 6, 2, 4));   // containment
        Assert.Equal(0f, TvrMetrics.Iou(0, 2, 4, 6));        // disjoint: inter 0 over the hull
        Assert.Equal(0f, TvrMetrics.Iou(3, 3, 3, 3));        // empty hull
    }

    [Fact]
    public void RightTimesOnTheWrongVideoMissInVcmrAndVr()
    {
        var r = Eval([Gt(1, 0, 10)], [Q(1, P(11, 0, 10, 0))], [Q(1, P(11, 0, 0, 0))]);
        Assert.Equal(0.0, r["VCMR"]["0.5-r100"]);
        Assert.Equal(0.0, r["VR"]["r100"]);
    }

    [Fact]
    public void DuplicatesUseRankSlotsAndScoreIsIgnored()
    {
        var wrong = new Prediction(10, 30, 40, 9);
        var right = new Prediction(10, 0, 10, -1); // lowest score, list order still decides
        var r = Eval([Gt(1, 0, 10)], [Q(1, wrong, wrong, wrong, wrong, wrong, right)], [Q(1, P(11, 0, 0, 5), P(11, 0, 0, 5), P(10, 0, 0, 0))]);
        Assert.Equal([0.0, 0.0, 100.0, 100.0], new[] { "0.7-r1", "0.7-r5", "0.7-r10", "0.7-r100" }.Select(k => r["VCMR"][k]));
        Assert.Equal([0.0, 100.0], new[] { "r1", "r5" }.Select(k => r["VR"][k]));
    }

    [Fact]
    public void FewerPredictionsThanKAndOnlyTheFirst100Count()
    {
        var r = Eval([Gt(1, 0, 10), Gt(2, 0, 10)],
            [Q(1, P(10, 30, 40, 0), P(10, 0, 10, 0)), Q(2, [.. Enumerable.Repeat(new Prediction(10, 30, 40, 0), 100), P(10, 0, 10, 0)])]);
        Assert.Equal(0.0, r["VCMR"]["0.5-r1"]);
        Assert.Equal(50.0, r["VCMR"]["0.5-r5"]);
        Assert.Equal(50.0, r["VCMR"]["0.5-r100"]); // query 2's hit is at rank 101
    }

    [Fact]
    public void SvmrRanksOnlyPredictionsOnTheGtVideo()
    {
        var preds = Q(1, P(11, 0, 10, 0), P(11, 0, 10, 0), P(10, 0, 10, 0));
        var r = TvrMetrics.Evaluate(new Submission(Video2Idx, [preds], [preds], null), [Gt(1, 0, 10)]);
        Assert.Equal(0.0, r["VCMR"]["0.5-r1"]);
        Assert.Equal(100.0, r["SVMR"]["0.5-r1"]);
    }

    [Fact]
    public void ByTypeSplitsHitsAndAMissingTypeIsNaNAsInNumPy()
    {
        // v: 1 of 2 hit, vt: 1 of 1 hit, no t query.
        var r = Eval([Gt(1, 0, 10), Gt(2, 0, 10), Gt(3, 0, 10, QueryType.VT)],
            [Q(1, P(10, 0, 10, 0)), Q(2, P(11, 0, 10, 0)), Q(3, P(10, 0, 10, 0))]);
        var byType = r["VCMR_by_type"];
        Assert.Equal(50.0, byType["v-0.5-r1"]);
        Assert.Equal(100.0, byType["vt-0.5-r1"]);
        Assert.True(double.IsNaN(byType["t-0.5-r1"]));
        Assert.Equal("v 66.67 t 0.0 vt 33.33", byType.DescTypeRatio);
        Assert.Equal(66.67, r["VCMR"]["0.5-r1"]);
        Assert.Contains("\"t-0.5-r1\": NaN", r.ToJson());
    }

    [Fact]
    public void ResultHasTheOfficialKeysOrderAndJsonLayout()
    {
        var r = TvrMetrics.Evaluate(new Submission(Video2Idx, null, null, [Q(1, P(10, 0, 0, 0))]), [Gt(1, 0, 10)]);
        Assert.Equal(["VR", "VR_by_type"], r.Tables.Select(t => t.Name));
        string expected = """
            {
                "VR": {
                    "r1": 100.0,
                    "r5": 100.0,
                    "r10": 100.0,
                    "r100": 100.0
                },
                "VR_by_type": {
                    "v-r1": 100.0,
                    "t-r1": NaN,
                    "vt-r1": NaN,
                    "v-r5": 100.0,
                    "t-r5": NaN,
                    "vt-r5": NaN,
                    "v-r10": 100.0,
                    "t-r10": NaN,
                    "vt-r10": NaN,
                    "v-r100": 100.0,
                    "t-r100": NaN,
                    "vt-r100": NaN,
                    "desc_type_ratio": "v 100.0 t 0.0 vt 0.0"
                }
            }
            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), r.ToJson());

        var full = Eval([Gt(1, 0, 10)], [Q(1, P(10, 0, 10, 0))], [Q(1, P(10, 0, 0, 0))]);
        Assert.Equal(["VCMR", "SVMR", "VR", "VCMR_by_type", "SVMR_by_type", "VR_by_type"], full.Tables.Select(t => t.Name));
        Assert.Equal(["0.5-r1", "0.5-r5", "0.5-r10", "0.5-r100", "0.7-r1", "0.7-r5", "0.7-r10", "0.7-r100"], full["SVMR"].Values.Select(v => v.Key));
        Assert.Equal("v-0.5-r1", full["SVMR_by_type"].Values[0].Key);
        Assert.Equal("t-0.5-r1", full["SVMR_by_type"].Values[1].Key);
    }

    [Fact]
    public void MissingQueriesAndUnknownGtVideosAreErrors()
    {
        var e = Assert.Throws<DataFormatException>(() => Eval([Gt(1, 0, 10), Gt(2, 0, 10)], [Q(1, P(10, 0, 10, 0))]));
        Assert.Contains("submission VCMR: 1 missing desc_ids (first: 2)", e.Message);
        var v = Assert.Throws<DataFormatException>(() => Eval([Gt(1, 0, 10, video: "zzz")], [Q(1, P(10, 0, 10, 0))]));
        Assert.Contains("1 GT videos are missing (first desc_ids: 1 (zzz))", v.Message);
    }
}

public class TvrEvaluationTests
{
    [Fact]
    public void EvaluatesFilesAndSavesTheOfficialJson()
    {
        string dir = Directory.CreateTempSubdirectory("vcmr-eval").FullName;
        string gtPath = Path.Combine(dir, "gt.jsonl"), subPath = Path.Combine(dir, "sub.json"), outPath = Path.Combine(dir, "metrics.json");
        TvrAnnotations.Write(gtPath, [new TvrQuery(5, "q", "a", 60, 0, 10, QueryType.T), new TvrQuery(6, "r", "a", 60, 0, 10, QueryType.T)]);
        var vr = new List<QueryPredictions> { new(5, "q", [new Prediction(10, 0, 0, 1)]), new(6, "r", [new Prediction(11, 0, 0, 1)]) };
        SubmissionJson.Write(subPath, new Submission(new Dictionary<string, int> { ["a"] = 10 }, null, null, vr));
        var result = TvrEvaluation.EvaluateFiles(subPath, gtPath, outPath);
        Assert.Equal(50.0, result["VR"]["r1"]);
        Assert.Equal(50.0, result["VR_by_type"]["t-r1"]);
        Assert.Equal(result.ToJson(), File.ReadAllText(outPath));

        SubmissionJson.Write(subPath, new Submission(new Dictionary<string, int> { ["a"] = 10 }, null, null, vr.Take(1).ToList()));
        var e = Assert.Throws<DataFormatException>(() => TvrEvaluation.EvaluateFiles(subPath, gtPath));
        Assert.Contains($"{subPath} against {gtPath}: submission VR: 1 missing desc_ids (first: 6)", e.Message);
    }
}

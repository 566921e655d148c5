using System.Text.Json;
using Vcmr.Data;
using Vcmr.Evaluation;
using Vcmr.Inference;
using Vcmr.Reporting;

namespace Vcmr.Tests.Reporting;

public class RecallChartTests
{
    private static readonly List<TvrQuery> Gt = [new(1, "q", "a", 60, 0, 10, QueryType.V), new(2, "r", "a", 60, 0, 10, QueryType.VT)];
    private static readonly Dictionary<string, int> Video2Idx = new() { ["a"] = 10 };

    /// <summary>Query 1 exact at rank 1 (IoU 1); query 2 at IoU 0.5 only, at rank 1 or 2.</summary>
    private static TvrEvalResult Result(bool secondAtRankOne, bool withSvmr)
    {
        var second = secondAtRankOne ? new[] { new Prediction(10, 0, 5, 0) } : [new Prediction(10, 40, 50, 0), new Prediction(10, 0, 5, 0)];
        var moments = new List<QueryPredictions> { new(1, "q", [new Prediction(10, 0, 10, 0)]), new(2, "r", second) };
        var vr = new List<QueryPredictions> { new(1, "q", [new Prediction(10, 0, 0, 0)]), new(2, "r", [new Prediction(10, 0, 0, 0)]) };
        return TvrMetrics.Evaluate(new Submission(Video2Idx, moments, withSvmr ? moments : null, vr), Gt);
    }

    private static (string, TvrEvalResult)[] Models() =>
        [("XML video", Result(secondAtRankOne: false, withSvmr: true)), ("XML video+sub", Result(secondAtRankOne: true, withSvmr: false))];

    [Fact]
    public void PaperTableHasOneRowPerModelAndTheTvrColumns()
    {
        var df = RecallTable.Paper(Models());
        string[] expected = ["model",
            .. new[] { "VCMR", "SVMR" }.SelectMany(t => new[] { "0.5", "0.7" }.SelectMany(iou => new[] { 1, 5, 10, 100 }.Select(k => $"{t} {iou} R@{k}"))),
            "VR R@1", "VR R@5", "VR R@10", "VR R@100"];
        Assert.Equal(expected, df.Columns.Select(c => c.Name));
        Assert.Equal(2, df.Rows.Count);
        Assert.Equal("XML video", df["model"][0]);
        Assert.Equal(50.0, df["VCMR 0.5 R@1"][0]); // query 2 hit only at rank 2
        Assert.Equal(100.0, df["VCMR 0.5 R@5"][0]);
        Assert.Equal(50.0, df["VCMR 0.7 R@100"][0]); // query 2 never reaches IoU 0.7
        Assert.Equal(100.0, df["VCMR 0.5 R@1"][1]);
        Assert.Null(df["SVMR 0.5 R@1"][1]); // the second run has no SVMR
        Assert.Equal(100.0, df["VR R@1"][1]);
    }

    [Fact]
    public void GroupedBarsHaveOneTracePerModelAndOneGroupPerColumn()
    {
        var chart = RecallChart.GroupedBars(Models(), "TVR val");
        using var json = JsonDocument.Parse(Plotly.NET.GenericChart.toJson(chart));
        var data = json.RootElement.GetProperty("data");
        Assert.Equal(2, data.GetArrayLength());
        var first = data[0];
        Assert.Equal("bar", first.GetProperty("type").GetString());
        Assert.Equal("XML video", first.GetProperty("name").GetString());
        var x = first.GetProperty("x").EnumerateArray().Select(e => e.GetString()).ToList();
        var y = first.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal(20, x.Count); // VCMR and SVMR 4 R@k x 2 IoUs each, VR 4
        Assert.Equal(50.0, y[x.IndexOf("VCMR 0.5 R@1")]);
        var second = data[1];
        Assert.Equal("XML video+sub", second.GetProperty("name").GetString());
        var x2 = second.GetProperty("x").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.DoesNotContain(x2, name => name!.StartsWith("SVMR", StringComparison.Ordinal)); // missing values are left out, not 0
        Assert.Equal(100.0, second.GetProperty("y")[x2.IndexOf("VCMR 0.5 R@1")].GetDouble());
        var layout = json.RootElement.GetProperty("layout");
        Assert.Equal("group", layout.GetProperty("barmode").GetString());
        Assert.Equal("TVR val", layout.GetProperty("title").GetProperty("text").GetString());
        Assert.Contains("XML video+sub", Plotly.NET.GenericChart.toChartHTML(chart));
    }

    [Fact]
    public void ATableWithoutModelNamesIsRejected()
    {
        var df = new Microsoft.Data.Analysis.DataFrame(new Microsoft.Data.Analysis.DoubleDataFrameColumn("R@1", [1.0]));
        Assert.Contains("no string column naming the models (columns: R@1)", Assert.Throws<ArgumentException>(() => RecallChart.GroupedBars(df)).Message);
    }

    [Fact]
    public void RetrievalTableHasBothDirectionsPerModelAndChartsItsRecalls()
    {
        var perfect = RetrievalMetrics.Evaluate(new SimilarityMatrix(new[] { 1f, 0f, 0f, 1f }, 2, 2));
        var swapped = RetrievalMetrics.Evaluate(new SimilarityMatrix(new[] { 0f, 1f, 1f, 0f }, 2, 2));
        var df = RecallTable.Retrieval([("oracle", perfect), ("swapped", swapped)]);
        Assert.Equal(["model", "t2v R@1", "t2v R@5", "t2v R@10", "t2v R@50", "t2v MedR", "t2v MeanR", "t2v mAP",
            "v2t R@1", "v2t R@5", "v2t R@10", "v2t R@50", "v2t MedR", "v2t MeanR", "v2t mAP"], df.Columns.Select(c => c.Name));
        Assert.Equal(["oracle", 100.0, 100.0, 100.0, 100.0, 1.0, 1.0, 1.0, 100.0, 100.0, 100.0, 100.0, 1.0, 1.0, 1.0], df.Rows[0].ToArray());
        Assert.Equal(["swapped", 0.0, 100.0, 100.0, 100.0, 2.0, 2.0, 0.5, 0.0, 100.0, 100.0, 100.0, 2.0, 2.0, 0.5], df.Rows[1].ToArray());
        var recalls = new Microsoft.Data.Analysis.DataFrame(new[] { "model", "t2v R@1", "t2v R@5", "v2t R@1" }.Select(name => df.Columns[name]));
        using var json = JsonDocument.Parse(Plotly.NET.GenericChart.toJson(RecallChart.GroupedBars(recalls)));
        var trace = json.RootElement.GetProperty("data")[1];
        Assert.Equal("swapped", trace.GetProperty("name").GetString());
        Assert.Equal([0.0, 100.0, 0.0], trace.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()));
    }
}

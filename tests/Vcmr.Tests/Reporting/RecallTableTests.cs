using Vcmr.Data;
using Vcmr.Evaluation;
using Vcmr.Inference;
using Vcmr.Reporting;

namespace Vcmr.Tests.Reporting;

public class RecallTableTests
{
    [Fact]
    public void OneRowPerTaskTypeAndIouWithTheOfficialValues()
    {
        var gt = new List<TvrQuery> { new(1, "q", "a", 60, 0, 10, QueryType.V), new(2, "r", "a", 60, 0, 10, QueryType.VT) };
        // query 1: exact moment at rank 1; query 2: IoU 0.5 moment at rank 2.
        var moments = new List<QueryPredictions>
        {
            new(1, "q", [new Prediction(10, 0, 10, 0)]),
            new(2, "r", [new Prediction(10, 40, 50, 0), new Prediction(10, 0, 5, 0)]),
        };
        var vr = new List<QueryPredictions> { new(1, "q", [new Prediction(10, 0, 0, 0)]), new(2, "r", [new Prediction(10, 0, 0, 0)]) };
        var result = TvrMetrics.Evaluate(new Submission(new Dictionary<string, int> { ["a"] = 10 }, moments, null, vr), gt);

        var df = RecallTable.Compare([("xml", result), ("copy", result)]);
        Assert.Equal(2 * (4 * 2 + 4), df.Rows.Count); // per run: VCMR 4 types x 2 IoUs, VR 4 types
        Assert.Equal(["run", "task", "type", "iou", "R@1", "R@5", "R@10", "R@100"], df.Columns.Select(c => c.Name));
        var first = df.Rows[0];
        Assert.Equal(["xml", "VCMR", "all", "0.5", 50.0, 100.0, 100.0, 100.0], first.ToArray());
        var vt07 = df.Rows[7]; // all 0.5, all 0.7, v 0.5, v 0.7, t 0.5, t 0.7, vt 0.5, vt 0.7
        Assert.Equal(["xml", "VCMR", "vt", "0.7", 0.0, 0.0, 0.0, 0.0], vt07.ToArray());
        Assert.True(double.IsNaN((double)df.Rows[4][4])); // no t query
        Assert.Equal(["xml", "VR", "all", "", 100.0, 100.0, 100.0, 100.0], df.Rows[8].ToArray());
        Assert.Equal("copy", df.Rows[12][0]);
    }

    [Fact]
    public void PublishedNumbersFormTheirOwnColumnGroupMatchedByModel()
    {
        var gt = new List<TvrQuery> { new(1, "q", "a", 60, 0, 10, QueryType.V) };
        var vr = new List<QueryPredictions> { new(1, "q", [new Prediction(10, 0, 0, 0)]) };
        var result = TvrMetrics.Evaluate(new Submission(new Dictionary<string, int> { ["a"] = 10 }, null, null, vr), gt);
        var paper = RecallTable.Paper([("MEE", result), ("XML", result)]);
        var table = RecallTable.WithPublished(paper, [new PublishedResult("XML", "paper X, table 2", new Dictionary<string, double> { ["VR R@1"] = 18.52 })]);
        Assert.Equal([.. paper.Columns.Select(c => c.Name), "published, real TVR features: VR R@1", "published, real TVR features: source"],
            table.Columns.Select(c => c.Name));
        Assert.Null(table.Columns["published, real TVR features: VR R@1"][0]);
        Assert.Equal(18.52, table.Columns["published, real TVR features: VR R@1"][1]);
        Assert.Equal(["", "paper X, table 2"], new[] { table.Columns[^1][0], table.Columns[^1][1] });
        Assert.Contains("CAL", Assert.Throws<ArgumentException>(() => RecallTable.WithPublished(paper, [new PublishedResult("CAL", "s", new Dictionary<string, double>())])).Message);
        Assert.Contains("VCMR 0.7 R@1", Assert.Throws<ArgumentException>(() => RecallTable.WithPublished(paper,
            [new PublishedResult("XML", "s", new Dictionary<string, double> { ["VCMR 0.7 R@1"] = 2.9 })])).Message);
    }
}

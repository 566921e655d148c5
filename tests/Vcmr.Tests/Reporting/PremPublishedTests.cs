using Vcmr.Data;
using Vcmr.Evaluation;
using Vcmr.Inference;
using Vcmr.Reporting;

namespace Vcmr.Tests.Reporting;

public class PremPublishedTests
{
    // A VR-only result: query 1's video at rank 1.
    private static TvrEvalResult VrOnly()
    {
        var gt = new List<TvrQuery> { new(1, "q", "a", 60, 0, 10, QueryType.V) };
        var vr = new List<QueryPredictions> { new(1, "q", [new Prediction(10, 0, 0, 0)]) };
        return TvrMetrics.Evaluate(new Submission(new Dictionary<string, int> { ["a"] = 10 }, null, null, vr), gt);
    }

    [Fact]
    public void MeasuredKeepsTheAskedColumnsAndLeavesTasksTheResultLacksMissing()
    {
        var table = PremPublished.Measured([("PREM", VrOnly())], ["VR R@1", "VCMR 0.7 R@1"]);
        Assert.Equal(["model", "VR R@1", "VCMR 0.7 R@1"], table.Columns.Select(c => c.Name));
        Assert.Equal(100.0, table.Columns["VR R@1"][0]);
        Assert.Null(table.Columns["VCMR 0.7 R@1"][0]);
    }

    [Fact]
    public void WithPublishedAddsOnlyTheTablesModelsAndColumnsInTheirOwnGroup()
    {
        var table = PremPublished.WithPublished(PremPublished.Measured([("XML", VrOnly()), ("PREM", VrOnly())], PremPublished.VrColumns), PremPublished.Main);
        string group = RecallTable.PublishedGroup;
        // the paper's VR numbers beside the measured ones; HERO, ReLoCLNet (no row here) and the moment metrics (no column) are left out
        Assert.Equal(18.52, table.Columns[$"{group}: VR R@1"][0]);
        Assert.Equal(92.50, table.Columns[$"{group}: VR R@100"][1]);
        Assert.Equal(2, table.Rows.Count);
        Assert.DoesNotContain(table.Columns, c => c.Name.Contains("VCMR"));
        Assert.Equal(100.0, table.Columns["VR R@1"][1]); // measured numbers untouched
    }

    [Fact]
    public void AblationRowsCarryThePapersNumbersUnderTheirColumns()
    {
        Assert.All(PremPublished.RetrieverAblation, r => Assert.Equal(PremPublished.VrColumns, r.Values.Keys));
        Assert.All(PremPublished.LocalizerAblation, r => Assert.Equal(PremPublished.LocalizerColumns, r.Values.Keys));
        Assert.Equal(9.01, PremPublished.LocalizerAblation.Single(r => r.Model == PremPublished.Full).Values["VCMR 0.7 R@1"]);
        var chart = PremPublished.Published(PremPublished.RetrieverAblation, PremPublished.VrColumns);
        Assert.Equal(7, chart.Rows.Count);
        Assert.Equal(15.12, chart.Columns["VR R@1"][1]);
    }
}

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
    public void WithPublishedPutsThePapersNumbersInTheirOwnGroupAndAddsThePapersOtherModelsAsRows()
    {
        var table = PremPublished.WithPublished(PremPublished.Measured([("XML", VrOnly()), ("PREM", VrOnly())], PremPublished.VrColumns), PremPublished.Main);
        string group = RecallTable.PublishedGroup;
        // measured rows first, then the published models with a VR number, in the paper's order (CONQUER has none)
        Assert.Equal(["XML", "PREM", "ReLoCLNet", "HERO (no pre-training)", "HERO", "PREM (HERO fine-tuned by PREM's contrastive learning)"],
            Enumerable.Range(0, (int)table.Rows.Count).Select(r => (string)table.Columns["model"][r]));
        Assert.Equal(18.52, table.Columns[$"{group}: VR R@1"][0]);
        Assert.Equal(92.50, table.Columns[$"{group}: VR R@100"][1]);
        Assert.Equal(22.63, table.Columns[$"{group}: VR R@1"][2]); // ReLoCLNet
        Assert.Equal(29.01, table.Columns[$"{group}: VR R@1"][4]); // HERO
        Assert.Null(table.Columns["VR R@1"][2]); // published only: nothing measured
        Assert.Equal(100.0, table.Columns["VR R@1"][1]); // measured numbers untouched
        Assert.DoesNotContain(table.Columns, c => c.Name.Contains("VCMR")); // metrics the table has no column for

        var moments = PremPublished.WithPublished(PremPublished.Measured([("PREM", VrOnly())], PremPublished.MomentColumns), PremPublished.Main);
        var models = Enumerable.Range(0, (int)moments.Rows.Count).Select(r => (string)moments.Columns["model"][r]).ToList();
        Assert.Equal(["PREM", "XML", "ReLoCLNet", "HERO", "CONQUER", "PREM (HERO fine-tuned by PREM's contrastive learning)"], models);
        Assert.Equal(4.11, moments.Columns[$"{group}: VCMR 0.7 R@1"][models.IndexOf("ReLoCLNet")]);
        Assert.Null(moments.Columns[$"{group}: VCMR 0.7 R@10"][models.IndexOf("ReLoCLNet")]); // the paper gives none
        Assert.Equal(5.13, moments.Columns[$"{group}: VCMR 0.7 R@1"][models.IndexOf("HERO")]);
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

using Microsoft.Data.Analysis;
using TorchSharp;
using Vcmr.Reporting;

namespace Vcmr.Tests.Reporting;

/// <summary>The HTML the notebooks' formatters emit for tables, tensors and charts.</summary>
public class NotebookHtmlTests
{
    [Fact]
    public void TableShowsHeadersCellsAndHowManyRowsWereLeftOut()
    {
        var df = new DataFrame(new Int32DataFrameColumn("k", [1, 2, 3]), new StringDataFrameColumn("name", ["a<b", "c", "d"]));
        string html = NotebookHtml.Table(df, maxRows: 2);
        Assert.Equal(
            "<table class=\"vcmr-table\"><thead><tr><th>k</th><th>name</th></tr></thead><tbody>"
            + "<tr><td>1</td><td>a&lt;b</td></tr><tr><td>2</td><td>c</td></tr></tbody></table><p>1 more rows (3 in all)</p>",
            html);
    }

    [Fact]
    public void TensorShowsShapeTypeDeviceStatisticsAndFirstValues()
    {
        using var t = torch.tensor(new float[] { 1, 2, 3, 6 }).reshape(2, 2);
        string html = NotebookHtml.Tensor(t, maxValues: 3);
        Assert.Contains("tensor [2, 2] Float32 on cpu", html);
        Assert.Contains("min 1, mean 3, max 6", html);
        Assert.Contains("<pre>[1, 2, 3, …]</pre>", html);
    }

    [Fact]
    public void IntegerTensorsHaveNoStatistics()
    {
        using var t = torch.arange(3, dtype: torch.int64);
        string html = NotebookHtml.Tensor(t);
        Assert.DoesNotContain("mean", html);
        Assert.Contains("<pre>[0, 1, 2]</pre>", html);
    }

    [Fact]
    public void ChartDrawsWithPlotlyWhenPresentElseLoadsTheMatchingCdnVersion()
    {
        var chart = Plotly.NET.CSharp.Chart.Point<int, int, string>(x: new[] { 1, 2 }, y: new[] { 3, 4 });
        string html = NotebookHtml.Chart(chart);
        string id = System.Text.RegularExpressions.Regex.Match(html, "<div id=\"(plotly-[0-9a-f]{32})\"").Groups[1].Value;
        Assert.NotEmpty(id);
        Assert.Contains($"P.newPlot('{id}'", html);
        Assert.Contains("\"x\":[1,2],\"y\":[3,4]", html);
        Assert.Contains("if (window.Plotly)", html);
        Assert.Contains("https://cdn.plot.ly/plotly-2.28.0.min", html);
        Assert.NotEqual(id, System.Text.RegularExpressions.Regex.Match(NotebookHtml.Chart(chart), "plotly-[0-9a-f]{32}").Value);
    }
}

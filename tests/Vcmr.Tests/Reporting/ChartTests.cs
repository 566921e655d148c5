using System.Text.Json;
using Vcmr.Reporting;

namespace Vcmr.Tests.Reporting;

/// <summary>The figures the notebooks show, checked through their plotly JSON.</summary>
public class ChartTests
{
    private static JsonElement Figure(Plotly.NET.GenericChart chart) => JsonDocument.Parse(Plotly.NET.GenericChart.toJson(chart)).RootElement;

    [Fact]
    public void SpanProbabilitiesDrawsBothCurvesAndShadesExactlyTheGroundTruthClips()
    {
        var fig = Figure(MomentCharts.SpanProbabilities([0.1f, 0.6f, 0.2f, 0.1f], [0.1f, 0.1f, 0.3f, 0.5f], 1, 2, "q"));
        var traces = fig.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(new[] { "ground truth", "P(start)", "P(end)" }, traces.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(new[] { 0, 0.6, 0.6, 0 }, traces[0].GetProperty("y").EnumerateArray().Select(y => Math.Round(y.GetDouble(), 6)));
        Assert.Equal(0.6, traces[1].GetProperty("y")[1].GetDouble(), 6);
        Assert.Equal("q", fig.GetProperty("layout").GetProperty("title").GetProperty("text").GetString());
    }

    [Fact]
    public void WordWeightsIsOneHeatmapRowPerStreamWithNumberedWords()
    {
        var fig = Figure(MomentCharts.WordWeights(["a", "dog", "a"], [[0.2f, 0.5f, 0.3f], [0.6f, 0.1f, 0.3f]], ["video", "subtitle"], "w"));
        var heat = fig.GetProperty("data")[0];
        Assert.Equal("heatmap", heat.GetProperty("type").GetString());
        Assert.Equal(new[] { "0:a", "1:dog", "2:a" }, heat.GetProperty("x").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(0.1, heat.GetProperty("z")[1][1].GetDouble(), 6);
        Assert.Throws<ArgumentException>(() => MomentCharts.WordWeights(["a"], [[0.2f, 0.5f]], ["video"], "w"));
    }
}

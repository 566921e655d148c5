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

    [Fact]
    public void FusionWeightsIsOneBoxPerQueryType()
    {
        var fig = Figure(ConquerCharts.FusionWeights([("vt", 0.5), ("v", 0.9), ("t", 0.2), ("v", 0.8)], "qdf"));
        var boxes = fig.GetProperty("data").EnumerateArray().ToList();
        Assert.All(boxes, b => Assert.Equal("box", b.GetProperty("type").GetString()));
        Assert.Equal(new[] { "t (1 queries)", "v (2 queries)", "vt (1 queries)" }, boxes.Select(b => b.GetProperty("name").GetString()));
        Assert.Equal(new[] { 0.9, 0.8 }, boxes[1].GetProperty("y").EnumerateArray().Select(y => y.GetDouble()));
    }

    [Fact]
    public void AttentionAndCandidateHeatmapsLabelTheGroundTruthAndPadShortVideos()
    {
        var attention = Figure(ConquerCharts.ContextQueryAttention([[0.5f, 0.5f], [0.9f, 0.1f], [0.2f, 0.8f]], ["who", "laughs"], 1, 1, "a")).GetProperty("data")[0];
        Assert.Equal(new[] { "0", "1 ◀ gt", "2" }, attention.GetProperty("y").EnumerateArray().Select(y => y.GetString()));
        Assert.Equal(new[] { "0:who", "1:laughs" }, attention.GetProperty("x").EnumerateArray().Select(x => x.GetString()));
        var candidates = Figure(ConquerCharts.CandidateProbabilities([[0.1f, 0.2f, 0.3f], [0.4f]], ["1: v9", "2: v3 (gt)"], "c")).GetProperty("data")[0];
        Assert.Equal(3, candidates.GetProperty("z")[1].GetArrayLength());
        Assert.Equal(0, candidates.GetProperty("z")[1][2].GetDouble());
        Assert.Throws<ArgumentException>(() => ConquerCharts.CandidateProbabilities([[0.1f]], ["a", "b"], "c"));
    }
}

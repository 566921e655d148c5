using System.Text.Json;
using Vcmr.Reporting;

namespace Vcmr.Tests.Reporting;

/// <summary>PREM's attention figures, checked through their plotly JSON.</summary>
public class AttentionChartsTests
{
    private static JsonElement Figure(Plotly.NET.GenericChart chart) => JsonDocument.Parse(Plotly.NET.GenericChart.toJson(chart)).RootElement;

    private static List<JsonElement> Traces(Plotly.NET.GenericChart chart) => Figure(chart).GetProperty("data").EnumerateArray().ToList();

    [Fact]
    public void ClipTimelineDrawsOneLinePerModalityOverTheShadedMoment()
    {
        var traces = Traces(AttentionCharts.ClipTimeline([[0.2f, 0.9f, 0.4f], [0.5f, 0.5f, 0.1f]], ["image gate", "subtitle gate"], 1, 1, "gate", "g"));
        Assert.Equal(["ground truth", "image gate", "subtitle gate"], traces.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(new[] { 0, 0.9, 0 }, traces[0].GetProperty("y").EnumerateArray().Select(y => Math.Round(y.GetDouble(), 6)));
        Assert.Throws<ArgumentException>(() => AttentionCharts.ClipTimeline([[0.1f], [0.1f, 0.2f]], ["a", "b"], 0, 0, "y", "t"));
    }

    [Fact]
    public void CrossAttentionIsAClipsByWordsHeatmap()
    {
        var heat = Traces(AttentionCharts.CrossAttention(["a", "dog"], [[0.3f, 0.7f], [0.6f, 0.4f], [0.5f, 0.5f]], "x"))[0];
        Assert.Equal("heatmap", heat.GetProperty("type").GetString());
        Assert.Equal(["0:a", "1:dog"], heat.GetProperty("x").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(["clip 0", "clip 1", "clip 2"], heat.GetProperty("y").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(0.6, heat.GetProperty("z")[1][0].GetDouble(), 6);
        Assert.Throws<ArgumentException>(() => AttentionCharts.CrossAttention(["a"], [[0.3f, 0.7f]], "x"));
    }

    [Fact]
    public void PositiveClipsMarksTheStrongAndWeakPicksOnEachModalitysCurve()
    {
        var traces = Traces(AttentionCharts.PositiveClips([[0.1f, 0.8f, 0.3f, 0.6f], [0.2f, 0.1f, 0.5f, 0.4f]], ["image", "subtitle"], [1, 2], [3, 3], 1, 2, "p"));
        Assert.Equal(["ground truth", "cos(image)", "strong image", "weak image", "cos(subtitle)", "strong subtitle", "weak subtitle"],
            traces.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(1, traces[2].GetProperty("x")[0].GetInt32());
        Assert.Equal(0.8, traces[2].GetProperty("y")[0].GetDouble(), 6);
        Assert.Equal(0.4, traces[6].GetProperty("y")[0].GetDouble(), 6);
    }
}

using Plotly.NET;
using CS = Plotly.NET.CSharp;

namespace Vcmr.Reporting;

/// <summary>Charts of what a moment localizer sees: start/end probabilities over the clip timeline and query word weights.</summary>
public static class MomentCharts
{
    /// <summary>P_start and P_end over the clips of one video, with the ground-truth clips [gtStart, gtEnd] shaded.</summary>
    public static GenericChart SpanProbabilities(IReadOnlyList<float> start, IReadOnlyList<float> end, int gtStart, int gtEnd, string title)
    {
        if (start.Count != end.Count) throw new ArgumentException($"start has {start.Count} clips, end has {end.Count}");
        var clips = Enumerable.Range(0, start.Count).ToArray();
        var chart = CS.Chart.Combine(new[]
        {
            GroundTruth(clips, gtStart, gtEnd, Math.Max(start.Max(), end.Max())),
            CS.Chart.Line<int, float, string>(clips, start, Name: "P(start)", ShowMarkers: true),
            CS.Chart.Line<int, float, string>(clips, end, Name: "P(end)", ShowMarkers: true),
        });
        return OnClipAxis(chart, "probability", title);
    }

    /// <summary>The ground-truth clips [gtStart, gtEnd] shaded up to <paramref name="top"/>.</summary>
    internal static GenericChart GroundTruth(int[] clips, int gtStart, int gtEnd, double top) =>
        CS.Chart.Area<int, double, string>(clips, clips.Select(i => i >= gtStart && i <= gtEnd ? top : 0.0), Name: "ground truth", Opacity: 0.25, LineWidth: 0);

    /// <summary>Clip index on x, <paramref name="yTitle"/> on y, and the title.</summary>
    internal static GenericChart OnClipAxis(GenericChart chart, string yTitle, string title)
    {
        chart = CS.GenericChartExtensions.WithXAxisStyle<double, double, string>(chart, TitleText: "clip (1.5 s)");
        return Chart.withTitle(title, null).Invoke(CS.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: yTitle));
    }

    /// <summary>Heatmap of modular word weights: one row per query stream, one column per word.</summary>
    /// <param name="weights">weights[stream][word], e.g. from XmlModel.ModularWordWeights.</param>
    public static GenericChart WordWeights(IReadOnlyList<string> words, IReadOnlyList<IReadOnlyList<float>> weights, IReadOnlyList<string> streams, string title)
    {
        if (weights.Count != streams.Count) throw new ArgumentException($"{weights.Count} weight rows for {streams.Count} streams");
        if (weights.Any(w => w.Count != words.Count)) throw new ArgumentException($"every weight row needs {words.Count} entries (one per word)");
        // Repeated words would merge on a categorical axis: number them.
        var labels = words.Select((w, i) => $"{i}:{w}").ToArray();
        var heat = CS.Chart.Heatmap<float, string, string, string>(weights, X: labels, Y: streams.ToArray(), ColorScale: StyleParam.Colorscale.Viridis);
        return Chart.withTitle(title, null).Invoke(heat);
    }
}

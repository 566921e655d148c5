using Plotly.NET;
using CS = Plotly.NET.CSharp;

namespace Vcmr.Reporting;

/// <summary>Charts of what CONQUER looks at: its query-dependent fusion weights, its context-query attention and its
/// start/end probabilities across a query's candidate videos.</summary>
public static class ConquerCharts
{
    /// <summary>Box plots of the QDF weight given to the visual stream (the subtitle stream gets 1 minus it), one box
    /// per query type.</summary>
    public static GenericChart FusionWeights(IEnumerable<(string Type, double Visual)> weights, string title)
    {
        var groups = weights.GroupBy(w => w.Type).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (groups.Count == 0) throw new ArgumentException("no weights to plot", nameof(weights));
        var chart = CS.Chart.Combine(groups.Select(g =>
            CS.Chart.BoxPlot<string, double, string>(X: g.Select(_ => g.Key).ToArray(), Y: g.Select(w => w.Visual).ToArray(), Name: $"{g.Key} ({g.Count()} queries)")));
        chart = CS.GenericChartExtensions.WithXAxisStyle<double, double, string>(chart, TitleText: "query type");
        return Chart.withTitle(title, null).Invoke(CS.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: "weight of the visual stream"));
    }

    /// <summary>Heatmap of the context-query attention of one query over one video: one row per clip, one column per
    /// word; the ground-truth clips [gtStart, gtEnd] are labelled on the clip axis.</summary>
    /// <param name="attention">attention[clip][word], e.g. V2Q's softmax over the words.</param>
    public static GenericChart ContextQueryAttention(IReadOnlyList<IReadOnlyList<float>> attention, IReadOnlyList<string> words, int gtStart, int gtEnd, string title)
    {
        if (attention.Any(row => row.Count != words.Count)) throw new ArgumentException($"every clip row needs {words.Count} entries (one per word)");
        var clips = Enumerable.Range(0, attention.Count).Select(i => i >= gtStart && i <= gtEnd ? $"{i} ◀ gt" : $"{i}").ToArray();
        return Heatmap(attention, words.Select((w, i) => $"{i}:{w}").ToArray(), clips, title, "query word", "clip (1.5 s)");
    }

    /// <summary>Heatmap of start (or end) probabilities of one query: one row per candidate video (its label says its
    /// first-stage rank and whether it is the ground truth), one column per clip.</summary>
    /// <param name="probabilities">probabilities[video][clip].</param>
    public static GenericChart CandidateProbabilities(IReadOnlyList<IReadOnlyList<float>> probabilities, IReadOnlyList<string> videos, string title)
    {
        if (probabilities.Count != videos.Count) throw new ArgumentException($"{probabilities.Count} rows for {videos.Count} videos");
        int clips = probabilities.Max(p => p.Count);
        var rows = probabilities.Select(p => (IReadOnlyList<float>)p.Concat(Enumerable.Repeat(0f, clips - p.Count)).ToArray()).ToList();
        return Heatmap(rows, Enumerable.Range(0, clips).Select(i => $"{i}").ToArray(), videos.ToArray(), title, "clip (1.5 s)", "candidate video");
    }

    private static GenericChart Heatmap(IReadOnlyList<IReadOnlyList<float>> z, string[] x, string[] y, string title, string xTitle, string yTitle)
    {
        var chart = CS.Chart.Heatmap<float, string, string, string>(z, X: x, Y: y, ColorScale: StyleParam.Colorscale.Viridis);
        chart = CS.GenericChartExtensions.WithXAxisStyle<double, double, string>(chart, TitleText: xTitle);
        return Chart.withTitle(title, null).Invoke(CS.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: yTitle));
    }
}

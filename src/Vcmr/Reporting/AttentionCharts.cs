using Plotly.NET;
using CS = Plotly.NET.CSharp;

namespace Vcmr.Reporting;

/// <summary>Charts of what a two-stage model attends to: per-clip gate activations over a video's timeline, a
/// cross-attention map (clips x words) and the clips a contrastive loss picked as positives.</summary>
public static class AttentionCharts
{
    /// <summary>One line per modality over the clips (e.g. PREM's mean gate activation), the ground-truth clips
    /// [gtStart, gtEnd] shaded.</summary>
    /// <param name="values">values[modality][clip].</param>
    public static GenericChart ClipTimeline(IReadOnlyList<IReadOnlyList<float>> values, IReadOnlyList<string> modalities, int gtStart, int gtEnd,
        string yTitle, string title)
    {
        if (values.Count != modalities.Count) throw new ArgumentException($"{values.Count} value rows for {modalities.Count} modalities");
        if (values.Count == 0 || values.Any(v => v.Count != values[0].Count)) throw new ArgumentException("every modality needs one value per clip");
        var clips = Enumerable.Range(0, values[0].Count).ToArray();
        double top = values.Max(v => v.Max());
        var traces = new List<GenericChart> { MomentCharts.GroundTruth(clips, gtStart, gtEnd, top) };
        traces.AddRange(values.Select((v, m) => CS.Chart.Line<int, float, string>(clips, v, Name: modalities[m], ShowMarkers: true)));
        return MomentCharts.OnClipAxis(CS.Chart.Combine(traces), yTitle, title);
    }

    /// <summary>Heatmap of attention weights, one row per clip and one column per word (e.g. a fusion layer's
    /// cross-attention, mean over heads).</summary>
    /// <param name="weights">weights[clip][word].</param>
    public static GenericChart CrossAttention(IReadOnlyList<string> words, IReadOnlyList<IReadOnlyList<float>> weights, string title)
    {
        if (weights.Any(w => w.Count != words.Count)) throw new ArgumentException($"every clip row needs {words.Count} entries (one per word)");
        var labels = words.Select((w, i) => $"{i}:{w}").ToArray(); // repeated words would merge on a categorical axis
        var clips = Enumerable.Range(0, weights.Count).Select(c => $"clip {c}").ToArray();
        var heat = CS.Chart.Heatmap<float, string, string, string>(weights, X: labels, Y: clips, ColorScale: StyleParam.Colorscale.Viridis);
        return Chart.withTitle(title, null).Invoke(heat);
    }

    /// <summary>A query's cosine with each clip of its video per modality, the moment shaded, and the clips picked as the
    /// strong (inside the moment) and weak (outside it) positives marked.</summary>
    /// <param name="similarities">similarities[modality][clip].</param>
    /// <param name="strong">the strong positive's clip per modality.</param>
    /// <param name="weak">the weak positive's clip per modality.</param>
    public static GenericChart PositiveClips(IReadOnlyList<IReadOnlyList<float>> similarities, IReadOnlyList<string> modalities,
        IReadOnlyList<int> strong, IReadOnlyList<int> weak, int gtStart, int gtEnd, string title)
    {
        if (similarities.Count != modalities.Count || strong.Count != modalities.Count || weak.Count != modalities.Count)
            throw new ArgumentException($"one similarity row, strong and weak clip per modality ({modalities.Count})");
        var clips = Enumerable.Range(0, similarities[0].Count).ToArray();
        double top = similarities.Max(v => v.Max());
        var traces = new List<GenericChart> { MomentCharts.GroundTruth(clips, gtStart, gtEnd, top) };
        for (int m = 0; m < modalities.Count; m++)
        {
            traces.Add(CS.Chart.Line<int, float, string>(clips, similarities[m], Name: $"cos({modalities[m]})"));
            traces.Add(CS.Chart.Point<int, float, string>([strong[m]], [similarities[m][strong[m]]], Name: $"strong {modalities[m]}"));
            traces.Add(CS.Chart.Point<int, float, string>([weak[m]], [similarities[m][weak[m]]], Name: $"weak {modalities[m]}"));
        }
        return MomentCharts.OnClipAxis(CS.Chart.Combine(traces), "cosine with the query", title);
    }
}

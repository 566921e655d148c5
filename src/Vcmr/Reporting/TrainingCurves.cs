using System.Globalization;
using Plotly.NET;
using Vcmr.Experiments;
using CS = Plotly.NET.CSharp;

namespace Vcmr.Reporting;

/// <summary>Per-epoch curves of a training run: the loss parts the model reports and the validation recalls.</summary>
public static class TrainingCurves
{
    /// <summary>Mean training loss per epoch: the total and each part as it enters the total (times its weight from the
    /// model's config, said in the legend when it is not 1).</summary>
    public static GenericChart Loss(TrainingHistory history, string title = "Training loss per epoch")
    {
        var epochs = history.Epochs.Select(e => e.Epoch).ToArray();
        var lines = new List<(string Name, IEnumerable<double> Values)> { ("total", history.Epochs.Select(e => e.Loss)) };
        foreach (var part in history.Epochs.SelectMany(e => e.Parts).DistinctBy(p => p.Name))
        {
            string name = part.Weight == 1 ? part.Label : string.Create(CultureInfo.InvariantCulture, $"{part.Label} (x{part.Weight:G} in total)");
            lines.Add((name, history.Epochs.Select(e => e.Parts.FirstOrDefault(p => p.Name == part.Name) is { } p ? p.Value * p.Weight : double.NaN)));
        }
        return Titled(title, "loss", lines.Select(l => CS.Chart.Line<int, double, string>(epochs, l.Values, Name: l.Name, ShowMarkers: true)));
    }

    /// <summary>Validation recall per epoch: VCMR R@1 at IoU 0.5 and 0.7 and VR R@1 for a pipeline, VR R@1/5/10/100 for a
    /// retriever; the title names the stop metric that picks the best epoch.</summary>
    public static GenericChart Validation(TrainingHistory history, string title = "Validation recall per epoch")
    {
        var epochs = history.Epochs.Select(e => e.Epoch).ToArray();
        return Titled($"{title} (best epoch by {history.Stop.Name})", "recall (%)", history.ValidationKeys.Select(k =>
            CS.Chart.Line<int, double, string>(epochs, history.Epochs.Select(e => e.Val[k.Task][k.Key]), Name: Label(k.Task, k.Key), ShowMarkers: true)));
    }

    // "VCMR R@1, IoU 0.5" for "0.5-r1", "VR R@5" for "r5"
    private static string Label(string task, string key) =>
        key.Split('-') is [var iou, var r] ? $"{task} R@{r[1..]}, IoU {iou}" : $"{task} R@{key[1..]}";

    private static GenericChart Titled(string title, string yTitle, IEnumerable<GenericChart> lines) =>
        Chart.withTitle(title, null).Invoke(CS.GenericChartExtensions
            .WithYAxisStyle<double, double, string>(CS.GenericChartExtensions.WithXAxisStyle<double, double, string>(CS.Chart.Combine(lines), TitleText: "epoch"), TitleText: yTitle));
}

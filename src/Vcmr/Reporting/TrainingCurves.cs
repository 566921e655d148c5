using Plotly.NET;
using Vcmr.Experiments;
using CS = Plotly.NET.CSharp;

namespace Vcmr.Reporting;

/// <summary>Per-epoch curves of a training run: the loss parts and the validation recalls.</summary>
public static class TrainingCurves
{
    /// <summary>Mean training loss per epoch, total and its parts (st_ed already weighted out: shown raw).</summary>
    public static GenericChart Loss(TrainingHistory history, string title = "Training loss per epoch")
    {
        var epochs = history.Epochs.Select(e => e.Epoch).ToArray();
        var lines = new (string Name, Func<EpochRecord, double> Pick)[]
        {
            ("total", e => e.Loss), ("ranking: negative video", e => e.NegContext), ("ranking: negative query", e => e.NegQuery),
            ("start/end CE (x0.01 in total)", e => e.StartEnd * 0.01),
        };
        return Titled(title, "loss", lines.Select(l => CS.Chart.Line<int, double, string>(epochs, history.Epochs.Select(l.Pick), Name: l.Name, ShowMarkers: true)));
    }

    /// <summary>Validation recall per epoch: VCMR R@1 at IoU 0.5 and 0.7 (their sum picks the best epoch) and VR R@1.</summary>
    public static GenericChart Validation(TrainingHistory history, string title = "Validation recall per epoch")
    {
        var epochs = history.Epochs.Select(e => e.Epoch).ToArray();
        var lines = new (string Name, string Table, string Key)[] { ("VCMR R@1, IoU 0.5", "VCMR", "0.5-r1"), ("VCMR R@1, IoU 0.7", "VCMR", "0.7-r1"), ("VR R@1", "VR", "r1") };
        return Titled(title, "recall (%)", lines.Select(l =>
            CS.Chart.Line<int, double, string>(epochs, history.Epochs.Select(e => e.Val[l.Table][l.Key]), Name: l.Name, ShowMarkers: true)));
    }

    private static GenericChart Titled(string title, string yTitle, IEnumerable<GenericChart> lines) =>
        Chart.withTitle(title, null).Invoke(CS.GenericChartExtensions
            .WithYAxisStyle<double, double, string>(CS.GenericChartExtensions.WithXAxisStyle<double, double, string>(CS.Chart.Combine(lines), TitleText: "epoch"), TitleText: yTitle));
}

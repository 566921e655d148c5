using Microsoft.Data.Analysis;
using Vcmr.Evaluation;

namespace Vcmr.Reporting;

/// <summary>
/// The numbers PREM's paper (Improving Video Corpus Moment Retrieval with Partial Relevance Enhancement, ICMR 2024)
/// reports on TVR val with the real features, keyed by <see cref="RecallTable.Paper"/>'s column names, for
/// <see cref="RecallTable.WithPublished"/>. Baselines are as the paper quotes them; HERO is the large pre-trained
/// retriever the paper also uses as a first stage.
/// </summary>
public static class PremPublished
{
    public const string Source = "PREM (ICMR 2024), TVR val";

    /// <summary>The paper's VR table columns (R@50 is not in it).</summary>
    public static IReadOnlyList<string> VrColumns { get; } = ["VR R@1", "VR R@5", "VR R@10", "VR R@100"];

    /// <summary>The paper's moment table columns: SVMR and VCMR at IoU 0.7, R@1, R@10, R@100 (at IoU 0.5 it gives PREM's
    /// R@1 only, in its ablation table).</summary>
    public static IReadOnlyList<string> MomentColumns { get; } =
        [.. from task in new[] { "SVMR", "VCMR" } from iou in new[] { "0.5", "0.7" } from k in new[] { 1, 10, 100 } select $"{task} {iou} R@{k}"];

    /// <summary>Video retrieval and moment retrieval, one result per model; null numbers are left out.</summary>
    public static IReadOnlyList<PublishedResult> Main { get; } =
    [
        Model("XML", [18.52, 41.36, 53.15, 89.59], [13.05, 38.80, 63.13], [2.91, 10.12, 25.10]),
        Model("ReLoCLNet", [22.63, 46.54, 57.91, 90.65], [14.80, 45.85, 72.39], [4.11, null, 32.94]),
        Model("HERO (no pre-training)", [19.44, 42.08, 52.34, 84.94], [null, null, null], [null, null, null]),
        Model("HERO", [29.01, 52.82, 63.07, 89.91], [15.30, 40.84, 63.45], [5.13, 16.26, 24.55]),
        Model("CONQUER", [null, null, null, null], [22.84, 53.98, 79.24], [7.76, 22.49, 35.17]),
        Model("PREM", [26.24, 51.35, 63.08, 92.50], [24.83, 62.78, 80.87], [9.01, 26.10, 42.41],
            ("SVMR 0.5 R@1", 46.29), ("VCMR 0.5 R@1", 16.08)),
        Model("PREM (HERO fine-tuned by PREM's contrastive learning)", [32.88, 55.62, 65.35, 91.26], [24.71, 63.27, 80.79], [11.12, 30.39, 45.80]),
    ];

    /// <summary>Row names of the retriever ablation, as the notebook's runs name them.</summary>
    public const string Full = "PREM (full)", NoTextSide = "w/o text-side relevant sampling", NoVisionSide = "w/o vision-side relevant sampling",
        NoStrong = "w/o strong positive", NoWeak = "w/o weak positive", ReLoCLNetPositive = "ReLoCLNet's positive (best clip anywhere)",
        MeanPooling = "mean pooling", MaxPooling = "max pooling";

    /// <summary>The retriever ablation (relevant-content sampling and query pooling), VR R@1/5/10/100; the
    /// modality-specific pooling row is the full model. The paper has no row for ReLoCLNet's positive inside PREM.</summary>
    public static IReadOnlyList<PublishedResult> RetrieverAblation { get; } =
    [
        Row(Full, VrColumns, 26.24, 51.35, 63.08, 92.50),
        Row(NoTextSide, VrColumns, 15.12, 36.69, 47.99, 86.09),
        Row(NoVisionSide, VrColumns, 16.02, 33.43, 43.08, 80.64),
        Row(NoStrong, VrColumns, 25.76, 50.89, 62.94, 92.33),
        Row(NoWeak, VrColumns, 23.64, 47.99, 59.29, 91.08),
        Row(MeanPooling, VrColumns, 23.74, 48.20, 59.48, 91.43),
        Row(MaxPooling, VrColumns, 25.19, 49.48, 61.17, 91.94),
    ];

    /// <summary>The localizer ablation's columns: R@1 of SVMR and VCMR at IoU 0.5 and 0.7.</summary>
    public static IReadOnlyList<string> LocalizerColumns { get; } = ["SVMR 0.5 R@1", "SVMR 0.7 R@1", "VCMR 0.5 R@1", "VCMR 0.7 R@1"];

    public const string NoText = "w/o text", NoImage = "w/o image", NoGates = "w/o modality-specific gates",
        NoAdversarial = "w/o adversarial training", NoSharedNorm = "w/o shared normalization";

    /// <summary>The localizer ablation.</summary>
    public static IReadOnlyList<PublishedResult> LocalizerAblation { get; } =
    [
        Row(Full, LocalizerColumns, 46.29, 24.83, 16.08, 9.01),
        Row(NoText, LocalizerColumns, 41.06, 21.77, 13.48, 7.52),
        Row(NoImage, LocalizerColumns, 25.92, 13.81, 8.32, 4.49),
        Row(NoGates, LocalizerColumns, 44.53, 23.97, 15.14, 8.53),
        Row(NoAdversarial, LocalizerColumns, 45.39, 24.25, 15.60, 8.71),
        Row(NoSharedNorm, LocalizerColumns, 43.55, 23.53, 13.09, 7.76),
    ];

    /// <summary><see cref="RecallTable.Paper"/> of <paramref name="measured"/> cut to <paramref name="columns"/> (the
    /// model column first; a column no result has is all missing values).</summary>
    public static DataFrame Measured(IEnumerable<(string Model, TvrEvalResult Result)> measured, IReadOnlyList<string> columns)
    {
        var paper = RecallTable.Paper(measured);
        var kept = new List<DataFrameColumn> { paper.Columns[RecallTable.ModelColumn] };
        foreach (string c in columns)
            kept.Add(paper.Columns.Any(x => x.Name == c) ? paper.Columns[c] : new DoubleDataFrameColumn(c, Enumerable.Repeat<double?>(null, (int)paper.Rows.Count)));
        return new DataFrame(kept);
    }

    /// <summary><paramref name="measured"/> (a <see cref="Measured"/> table) with the published numbers of its columns in
    /// the column group <see cref="RecallTable.PublishedGroup"/>. A published model the table has no row for (the paper's
    /// baselines: ReLoCLNet, HERO) gets a row after the measured ones, with its measured cells missing; one with no number
    /// in the table's columns is left out, as are the metrics the table has no column for.</summary>
    public static DataFrame WithPublished(DataFrame measured, IEnumerable<PublishedResult> published)
    {
        var columns = measured.Columns.Select(c => c.Name).ToHashSet();
        var kept = published.Select(p => p with { Values = p.Values.Where(v => columns.Contains(v.Key)).ToDictionary(v => v.Key, v => v.Value) })
            .Where(p => p.Values.Count > 0).ToList();
        var rows = Enumerable.Range(0, (int)measured.Rows.Count).Select(r => (string?)measured.Columns[RecallTable.ModelColumn][r]).ToList();
        var added = kept.Select(p => p.Model).Distinct().Where(m => !rows.Contains(m)).ToList();
        var frame = measured.Columns.Select(c => c.Name == RecallTable.ModelColumn
            ? (DataFrameColumn)new StringDataFrameColumn(c.Name, rows.Concat(added))
            : new DoubleDataFrameColumn(c.Name, Enumerable.Range(0, rows.Count).Select(r => (double?)c[r]).Concat(added.Select(_ => (double?)null))));
        return RecallTable.WithPublished(new DataFrame(frame), kept);
    }

    /// <summary>The published rows alone under <paramref name="columns"/> (for a chart beside the measured one).</summary>
    public static DataFrame Published(IEnumerable<PublishedResult> published, IReadOnlyList<string> columns)
    {
        var list = published.ToList();
        var frame = new List<DataFrameColumn> { new StringDataFrameColumn(RecallTable.ModelColumn, list.Select(p => p.Model)) };
        foreach (string c in columns)
            frame.Add(new DoubleDataFrameColumn(c, list.Select(p => p.Values.TryGetValue(c, out double v) ? v : (double?)null)));
        return new DataFrame(frame);
    }

    private static PublishedResult Row(string name, IReadOnlyList<string> columns, params double[] values) =>
        new(name, Source, columns.Zip(values).ToDictionary(p => p.First, p => p.Second));

    private static PublishedResult Model(string name, double?[] vr, double?[] svmr07, double?[] vcmr07, params (string Column, double Value)[] extra)
    {
        string[] recalls = ["R@1", "R@10", "R@100"];
        var columns = VrColumns.Concat(recalls.Select(r => $"SVMR 0.7 {r}")).Concat(recalls.Select(r => $"VCMR 0.7 {r}"));
        var values = columns.Zip(vr.Concat(svmr07).Concat(vcmr07)).Where(p => p.Second is not null).Select(p => (p.First, p.Second!.Value)).Concat(extra);
        return new(name, Source, values.ToDictionary(p => p.Item1, p => p.Item2));
    }
}

using Microsoft.Data.Analysis;
using Vcmr.Evaluation;

namespace Vcmr.Reporting;

/// <summary>
/// The official metrics as DataFrames: <see cref="Compare"/> in long form, one row per (run, task, query type, IoU)
/// and one column per R@k (query type "all" is the overall block; VR rows have an empty IoU), and
/// <see cref="Paper"/> in the layout of the TVR paper's result tables, one row per model.
/// </summary>
public static class RecallTable
{
    /// <summary>The first column of <see cref="Paper"/>: the model names.</summary>
    public const string ModelColumn = "model";

    /// <summary>
    /// Rows = models, columns = "VCMR 0.5 R@1" ... "VCMR 0.7 R@100", the same for SVMR, then "VR R@1" ... "VR R@100"
    /// (overall query type, official rounded values). Tasks absent from every result are left out; a task absent
    /// from only some results (test_public has no SVMR) is a missing value (null) in those rows.
    /// </summary>
    public static DataFrame Paper(IEnumerable<(string Model, TvrEvalResult Result)> models)
    {
        var list = models.ToList();
        var modelCol = new StringDataFrameColumn(ModelColumn, list.Select(m => m.Model));
        var columns = new List<DataFrameColumn> { modelCol };
        foreach (string task in new[] { "VCMR", "SVMR", "VR" })
        {
            if (!list.Any(m => HasTask(m.Result, task))) continue;
            string[] ious = task == "VR" ? [""] : TvrMetrics.IouThresholds.Select(PythonFormat.Repr).ToArray();
            foreach (string iou in ious)
                foreach (int k in TvrMetrics.TopKs)
                {
                    string key = (iou == "" ? "" : $"{iou}-") + $"r{k}";
                    string name = iou == "" ? $"{task} R@{k}" : $"{task} {iou} R@{k}";
                    columns.Add(new DoubleDataFrameColumn(name, list.Select(m => HasTask(m.Result, task) ? m.Result[task][key] : (double?)null)));
                }
        }
        return new DataFrame(columns);
    }

    /// <summary>The label of the column group <see cref="WithPublished"/> adds.</summary>
    public const string PublishedGroup = "published, real TVR features";

    /// <summary>
    /// <paramref name="paper"/> (a <see cref="Paper"/> table) with a column group of published numbers: for every
    /// metric any published result reports, a column "published, real TVR features: &lt;metric&gt;", then the sources.
    /// Rows are matched by model name; a model or metric without a published number is a missing value.
    /// </summary>
    public static DataFrame WithPublished(DataFrame paper, IEnumerable<PublishedResult> published)
    {
        var list = published.ToList();
        var models = paper.Columns[ModelColumn];
        var byModel = list.GroupBy(p => p.Model).ToDictionary(g => g.Key, g => g.ToList());
        var unknown = byModel.Keys.Where(m => !Enumerable.Range(0, (int)models.Length).Any(r => (string?)models[r] == m)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"published results for models not in the table: {string.Join(", ", unknown)}", nameof(published));
        var metrics = paper.Columns.Skip(1).Select(c => c.Name).Where(n => list.Any(p => p.Values.ContainsKey(n))).ToList();
        var missing = list.SelectMany(p => p.Values.Keys).Distinct().Where(k => !metrics.Contains(k)).ToList();
        if (missing.Count > 0) throw new ArgumentException($"published metrics that are not columns of the table: {string.Join(", ", missing)}", nameof(published));
        var columns = paper.Columns.Select(c => c.Clone()).ToList();
        double? Value(int row, string metric) =>
            byModel.TryGetValue((string)models[row]!, out var rs) ? rs.Select(r => r.Values.TryGetValue(metric, out double v) ? v : (double?)null).FirstOrDefault(v => v is not null) : null;
        foreach (string metric in metrics)
            columns.Add(new DoubleDataFrameColumn($"{PublishedGroup}: {metric}", Enumerable.Range(0, (int)models.Length).Select(r => Value(r, metric))));
        columns.Add(new StringDataFrameColumn($"{PublishedGroup}: source", Enumerable.Range(0, (int)models.Length)
            .Select(r => byModel.TryGetValue((string)models[r]!, out var rs) ? string.Join("; ", rs.Select(x => x.Source).Distinct()) : "")));
        return new DataFrame(columns);
    }

    private static readonly (string Name, Func<RetrievalScores, double> Value)[] RetrievalColumns =
    [
        ("R@1", s => s.R1), ("R@5", s => s.R5), ("R@10", s => s.R10), ("R@50", s => s.R50),
        ("MedR", s => s.MedianRank), ("MeanR", s => s.MeanRank), ("mAP", s => s.MeanAveragePrecision),
    ];

    /// <summary>
    /// Text-video retrieval results side by side: rows = models, columns "t2v R@1" ... "t2v mAP", then the same for
    /// v2t. For a chart of the recalls only, keep the model and R@k columns.
    /// </summary>
    public static DataFrame Retrieval(IEnumerable<(string Model, RetrievalResult Result)> models)
    {
        var list = models.ToList();
        var columns = new List<DataFrameColumn> { new StringDataFrameColumn(ModelColumn, list.Select(m => m.Model)) };
        foreach (var (direction, scores) in new (string, Func<RetrievalResult, RetrievalScores>)[] { ("t2v", r => r.TextToVideo), ("v2t", r => r.VideoToText) })
            foreach (var (name, value) in RetrievalColumns)
                columns.Add(new DoubleDataFrameColumn($"{direction} {name}", list.Select(m => value(scores(m.Result)))));
        return new DataFrame(columns);
    }

    private static bool HasTask(TvrEvalResult result, string task) => result.Tables.Any(t => t.Name == task);

    public static DataFrame From(TvrEvalResult result, string run = "") => Compare([(run, result)]);

    /// <summary>Stacks several runs (e.g. XML with and without NMS) into one table.</summary>
    public static DataFrame Compare(IEnumerable<(string Run, TvrEvalResult Result)> runs)
    {
        var runCol = new StringDataFrameColumn("run");
        var taskCol = new StringDataFrameColumn("task");
        var typeCol = new StringDataFrameColumn("type");
        var iouCol = new StringDataFrameColumn("iou");
        var recallCols = TvrMetrics.TopKs.Select(k => new DoubleDataFrameColumn($"R@{k}")).ToArray();
        foreach (var (run, result) in runs)
            foreach (var table in result.Tables.Where(t => !t.Name.EndsWith("_by_type", StringComparison.Ordinal)))
            {
                bool vr = table.Name == "VR";
                string[] ious = vr ? [""] : TvrMetrics.IouThresholds.Select(PythonFormat.Repr).ToArray();
                foreach (string type in new[] { "all", "v", "t", "vt" })
                    foreach (string iou in ious)
                    {
                        var source = type == "all" ? table : result[$"{table.Name}_by_type"];
                        string prefix = (type == "all" ? "" : $"{type}-") + (vr ? "" : $"{iou}-");
                        runCol.Append(run);
                        taskCol.Append(table.Name);
                        typeCol.Append(type);
                        iouCol.Append(iou);
                        for (int i = 0; i < recallCols.Length; i++) recallCols[i].Append(source[$"{prefix}r{TvrMetrics.TopKs[i]}"]);
                    }
            }
        return new DataFrame([runCol, taskCol, typeCol, iouCol, .. recallCols]);
    }
}

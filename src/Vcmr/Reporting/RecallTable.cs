using Microsoft.Data.Analysis;
using Vcmr.Evaluation;

namespace Vcmr.Reporting;

/// <summary>
/// The official metrics as a DataFrame, one row per (run, task, query type, IoU) and one column per R@k, the layout
/// of the paper's tables. Query type "all" is the overall block; VR rows have an empty IoU.
/// </summary>
public static class RecallTable
{
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

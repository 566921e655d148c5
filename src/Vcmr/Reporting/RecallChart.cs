using System.Globalization;
using Microsoft.Data.Analysis;
using Plotly.NET;
using Vcmr.Evaluation;
using CS = Plotly.NET.CSharp;

namespace Vcmr.Reporting;

/// <summary>
/// Result tables as Plotly grouped bar charts for notebooks (displayed by the GenericChart formatter the setup cell
/// registers): one group per metric column, one bar series per model.
/// </summary>
public static class RecallChart
{
    /// <summary>The chart of <see cref="RecallTable.Paper"/> for several named results.</summary>
    public static GenericChart GroupedBars(IEnumerable<(string Model, TvrEvalResult Result)> models, string? title = null) =>
        GroupedBars(RecallTable.Paper(models), title);

    /// <summary>
    /// Any table in the paper layout: the first string column names the models (one trace each), every numeric
    /// column is a group on the x axis. Missing values are left out of their trace rather than drawn as 0.
    /// </summary>
    public static GenericChart GroupedBars(DataFrame table, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var names = table.Columns.FirstOrDefault(c => c.DataType == typeof(string))
            ?? throw new ArgumentException($"the table has no string column naming the models (columns: {string.Join(", ", table.Columns.Select(c => c.Name))})", nameof(table));
        var metrics = table.Columns.Where(c => c != names && IsNumeric(c.DataType)).ToList();
        if (metrics.Count == 0) throw new ArgumentException("the table has no numeric metric columns", nameof(table));
        var traces = new List<GenericChart>();
        for (long row = 0; row < table.Rows.Count; row++)
        {
            var present = metrics.Select(c => (c.Name, Value: c[row])).Where(m => m.Value != null).ToArray();
            traces.Add(CS.Chart.Column<double, string, string>(
                present.Select(m => Convert.ToDouble(m.Value, CultureInfo.InvariantCulture)).ToArray(),
                Keys: present.Select(m => m.Name).ToArray(),
                Name: (string?)names[row] ?? ""));
        }
        var chart = CS.Chart.Combine(traces);
        var layout = new Layout();
        layout.SetProperty("barmode", "group");
        chart = Chart.withLayout(layout).Invoke(chart);
        chart = CS.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: "recall (%)");
        return title == null ? chart : Chart.withTitle(title, null).Invoke(chart);
    }

    private static bool IsNumeric(Type t) => t == typeof(double) || t == typeof(float) || t == typeof(int) || t == typeof(long) || t == typeof(decimal);
}

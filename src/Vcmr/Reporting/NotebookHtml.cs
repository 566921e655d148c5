using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Analysis;
using TorchSharp;

namespace Vcmr.Reporting;

/// <summary>
/// The text/html that notebooks register as formatters for charts, data frames and tensors. It has no dependency on
/// the kernel's formatting library, so the same setup cell works in VS Code and in the headless runner.
/// </summary>
public static class NotebookHtml
{
    /// <summary>plotly.js version embedded in Plotly.NET 6.0.0, loaded from the CDN only when the page lacks it.</summary>
    public const string PlotlyJsVersion = "2.28.0";

    /// <summary>A div plus a script that draws the chart with window.Plotly (the offline report inlines it),
    /// else loads plotly.js through require.js (VS Code) or a script tag.</summary>
    public static string Chart(Plotly.NET.GenericChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        string id = "plotly-" + Guid.NewGuid().ToString("N");
        string figure = Plotly.NET.GenericChart.toJson(chart);
        string cdn = $"https://cdn.plot.ly/plotly-{PlotlyJsVersion}.min";
        return $$"""
            <div id="{{id}}" class="vcmr-chart"></div>
            <script type="text/javascript">
            (function () {
              var fig = {{figure}};
              var draw = function (P) { P.newPlot('{{id}}', fig.data, fig.layout, fig.config || {}); };
              if (window.Plotly) { draw(window.Plotly); return; }
              if (typeof require === 'function' && require.config) {
                require.config({ paths: { plotly: '{{cdn}}' } });
                require(['plotly'], draw);
                return;
              }
              var s = document.createElement('script');
              s.src = '{{cdn}}.js';
              s.onload = function () { draw(window.Plotly); };
              document.head.appendChild(s);
            })();
            </script>
            """;
    }

    /// <summary>An HTML table of the first <paramref name="maxRows"/> rows, with a note of how many were left out.</summary>
    public static string Table(DataFrame df, int maxRows = 50)
    {
        ArgumentNullException.ThrowIfNull(df);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        var html = new StringBuilder("<table class=\"vcmr-table\"><thead><tr>");
        foreach (var column in df.Columns)
            html.Append("<th>").Append(WebUtility.HtmlEncode(column.Name)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        long shown = Math.Min(df.Rows.Count, maxRows);
        for (long r = 0; r < shown; r++)
        {
            html.Append("<tr>");
            foreach (var column in df.Columns)
                html.Append("<td>").Append(WebUtility.HtmlEncode(Format(column[r]))).Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
        if (df.Rows.Count > shown)
            html.Append(CultureInfo.InvariantCulture, $"<p>{df.Rows.Count - shown} more rows ({df.Rows.Count} in all)</p>");
        return html.ToString();
    }

    /// <summary>Shape, dtype and device, min/mean/max for floating tensors, and the first values.</summary>
    public static string Tensor(torch.Tensor t, int maxValues = 10)
    {
        ArgumentNullException.ThrowIfNull(t);
        using var scope = torch.NewDisposeScope();
        var flat = t.detach().cpu().flatten();
        long n = flat.shape[0];
        var html = new StringBuilder("<div class=\"vcmr-tensor\"><code>");
        html.Append(CultureInfo.InvariantCulture, $"tensor [{string.Join(", ", t.shape)}] {t.dtype} on {t.device}");
        html.Append("</code>");
        if (n > 0 && torch.is_floating_point(t))
        {
            var d = flat.to(torch.float64);
            html.Append(CultureInfo.InvariantCulture,
                $"<div>min {d.min().item<double>():G6}, mean {d.mean().item<double>():G6}, max {d.max().item<double>():G6}</div>");
        }
        if (n > 0)
        {
            var head = flat[..(int)Math.Min(n, maxValues)].to(torch.float64).data<double>().ToArray();
            string values = string.Join(", ", head.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)));
            html.Append("<pre>[").Append(values).Append(n > maxValues ? ", …" : "").Append("]</pre>");
        }
        return html.Append("</div>").ToString();
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

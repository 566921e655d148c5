using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Markdig;
using Vcmr.Data;
using Vcmr.Notebooks.Document;
using Vcmr.Notebooks.Execution;

namespace Vcmr.Notebooks.Report;

/// <summary>
/// The offline HTML report: index.html (status, time, links) and one page per notebook with markdown rendered, code,
/// every output and errors that stand out. plotly.js is inlined once per page so charts draw without a network.
/// </summary>
public static class HtmlReport
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    private const string Style = """
        body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
        pre{background:#f6f8fa;padding:.6em;overflow-x:auto} .code{border-left:3px solid #4a90d9}
        .cell{margin:1.2em 0} .count{color:#888;font-size:.85em} .stream{background:#fff;border:1px solid #eee}
        .error{background:#fde8e8;border:2px solid #d33;color:#900;padding:.6em} .notrun{color:#999}
        table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:.2em .6em} .failed{color:#c00;font-weight:bold}
        .ok{color:#080}
        """;

    /// <summary>File name of a notebook's page.</summary>
    public static string PageName(NotebookResult run) => PageName(run.Notebook.Name);

    public static string PageName(string notebookName) => Path.GetFileNameWithoutExtension(notebookName) + ".html";

    /// <summary>Writes index.html and the pages into <paramref name="folder"/> (atomically, file by file).</summary>
    public static void Write(string folder, IReadOnlyList<NotebookResult> runs)
    {
        foreach (var run in runs) AtomicFile.WriteAllText(Path.Combine(folder, PageName(run)), Page(run));
        AtomicFile.WriteAllText(Path.Combine(folder, "index.html"), Index(runs));
    }

    /// <summary>The index page.</summary>
    public static string Index(IReadOnlyList<NotebookResult> runs)
    {
        var html = Head("Notebook report").Append("<h1>Notebook report</h1><table><tr><th>notebook</th><th>cells</th><th>status</th><th>time</th></tr>");
        foreach (var run in runs)
            html.Append($"<tr><td><a href=\"{WebUtility.HtmlEncode(PageName(run))}\">{Encode(run.Notebook.Name)}</a></td><td>{run.Cells.Count}</td>")
                .Append(run.Succeeded ? "<td class=\"ok\">passed</td>" : "<td class=\"failed\">failed</td>")
                .Append($"<td>{run.Elapsed.TotalSeconds:0.0} s</td></tr>");
        html.Append("</table>");
        foreach (var failure in runs.SelectMany(r => r.Failures)) html.Append($"<p class=\"error\">{Encode(failure)}</p>");
        return html.Append("</body></html>").ToString();
    }

    /// <summary>One notebook's page.</summary>
    public static string Page(NotebookResult run)
    {
        var html = Head(run.Notebook.Name, withPlotly: true)
            .Append($"<p><a href=\"index.html\">index</a></p><h1>{Encode(run.Notebook.Name)}</h1>")
            .Append(run.Succeeded ? "<p class=\"ok\">passed</p>" : "<p class=\"failed\">failed</p>");
        foreach (var failure in run.Failures) html.Append($"<p class=\"error\">{Encode(failure)}</p>");
        var results = run.Cells.ToDictionary(c => c.Cell, c => c.Result);
        foreach (var cell in run.Notebook.Cells)
        {
            html.Append("<div class=\"cell\">");
            if (cell.Type == "markdown") html.Append(Markdown.ToHtml(cell.Source, Pipeline));
            else if (cell.Type == "code")
            {
                var count = cell.Json["execution_count"];
                html.Append($"<div class=\"count\">[{(count is null ? " " : count.ToJsonString())}]</div><pre class=\"code\"><code>{Encode(cell.Source)}</code></pre>");
                if (results.TryGetValue(cell, out var result) && result is null) html.Append("<p class=\"notrun\">not run</p>");
                foreach (var output in cell.Outputs.OfType<JsonObject>()) html.Append(Output(output));
            }
            html.Append("</div>");
        }
        return html.Append("</body></html>").ToString();
    }

    /// <summary>One output as HTML: streams and errors as text, rich data in the richest mime type a browser shows.</summary>
    public static string Output(JsonObject output) => (string?)output["output_type"] switch
    {
        "stream" => $"<pre class=\"stream\">{Encode(Cell.JoinText(output["text"]))}</pre>",
        "error" => $"<pre class=\"error\">{Encode((string?)output["evalue"] ?? "")}\n{Encode(string.Join("\n", (output["traceback"] as JsonArray ?? []).Select(l => (string?)l)))}</pre>",
        _ when output["data"] is JsonObject data => Data(data),
        _ => "",
    };

    private static string Data(JsonObject data)
    {
        string? Text(string mime) => data[mime] is { } node ? Cell.JoinText(node) : null;
        if (Text("text/html") is { } html) return $"<div class=\"output\">{html}</div>";
        if (Text("image/svg+xml") is { } svg) return $"<div class=\"output\">{svg}</div>";
        foreach (var image in new[] { "image/png", "image/jpeg", "image/gif" })
            if (Text(image) is { } base64) return $"<img class=\"output\" src=\"data:{image};base64,{base64.Replace("\n", "")}\">";
        if (Text("text/markdown") is { } markdown) return $"<div class=\"output\">{Markdown.ToHtml(markdown, Pipeline)}</div>";
        if ((Text("text/plain") ?? Text("application/json")) is { } text) return $"<pre>{Encode(text)}</pre>";
        return $"<pre>{Encode(string.Join(", ", data.Select(kv => kv.Key)))}</pre>";
    }

    private static StringBuilder Head(string title, bool withPlotly = false)
    {
        var html = new StringBuilder($"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{Encode(title)}</title><style>{Style}</style>");
        if (withPlotly) html.Append("<script type=\"text/javascript\">").Append(PlotlyJs.Source.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase)).Append("</script>");
        return html.Append("</head><body>");
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}

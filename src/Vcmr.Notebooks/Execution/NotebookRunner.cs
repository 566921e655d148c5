using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Markdig;
using Vcmr.Notebooks.Document;

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// Runs one notebook's code cells in order in a fresh session. By default it stops at the first failing cell; with
/// <paramref name="continueOnError"/> later cells still run (dotnet-repl's behaviour), except after a timeout, which
/// leaves the session's state unusable.
/// </summary>
public sealed class NotebookRunner(TextWriter progress, PackageCache packages, TimeSpan? cellTimeout = null, bool continueOnError = false)
{
    /// <summary>Checks every code cell's kernel up front, so an unsupported cell fails before anything runs.</summary>
    public static void Validate(Notebook notebook)
    {
        foreach (var cell in notebook.Cells.Where(c => c.Type == "code")) CellKernel.Resolve(notebook.Name, cell);
    }

    /// <summary>Executes <paramref name="notebook"/> (loaded from <paramref name="path"/>) and fills its outputs.</summary>
    public async Task<NotebookResult> RunAsync(string path, Notebook notebook)
    {
        var clock = Stopwatch.StartNew();
        var code = notebook.Cells.Where(c => c.Type == "code").ToList();
        var results = new List<(Cell, CellResult?)>();
        var session = new ScriptSession(Path.GetDirectoryName(Path.GetFullPath(path))!, packages);
        bool stopped = false;
        foreach (var cell in code)
        {
            cell.Outputs.Clear();
            cell.Json["execution_count"] = null;
            if (stopped) { results.Add((cell, null)); continue; }
            int index = results.Count + 1;
            progress.WriteLine($"[{notebook.Name}] cell {index}/{code.Count}: {Headline(cell.Source)}");
            var outputs = new CellOutputs(progress);
            var started = DateTimeOffset.UtcNow;
            var (kernel, source) = CellKernel.Resolve(notebook.Name, cell);
            var result = kernel == "markdown"
                ? Markdown(source, outputs)
                : await session.RunAsync(source, $"cell {cell.Number}", outputs, cellTimeout);
            foreach (var output in outputs.Items.ToList()) { outputs.Items.Remove(output); cell.Outputs.Add(output); }
            cell.Json["execution_count"] = index;
            var metadata = (JsonObject)cell.Json["metadata"]!;
            metadata["dotnet_repl_cellExecutionStartTime"] = started.ToString("o", CultureInfo.InvariantCulture);
            metadata["dotnet_repl_cellExecutionEndTime"] = (started + result.Elapsed).ToString("o", CultureInfo.InvariantCulture);
            progress.WriteLine($"[{notebook.Name}] cell {index}/{code.Count}: {(result.Succeeded ? "ok" : "FAILED: " + result.Error)} ({result.Elapsed.TotalMilliseconds:0} ms)");
            results.Add((cell, result));
            stopped = result.TimedOut || (!result.Succeeded && !continueOnError);
        }
        return new NotebookResult(path, notebook, results, clock.Elapsed);
    }

    private static CellResult Markdown(string source, CellOutputs outputs)
    {
        outputs.Display(new RawHtml(Markdig.Markdown.ToHtml(source, new MarkdownPipelineBuilder().UseAdvancedExtensions().Build())));
        return new CellResult(true, TimeSpan.Zero, null);
    }

    private static string Headline(string source)
    {
        string line = source.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "(empty)";
        return line.Length > 60 ? line[..57] + "..." : line;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Vcmr.Notebooks.Document;

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// Runs one notebook's code cells in order in a fresh kernel (<see cref="KernelSession"/>). By default it stops at the
/// first failing cell; with <paramref name="continueOnError"/> later cells still run (dotnet-repl's behaviour), except
/// after a timeout, which leaves the kernel busy.
/// </summary>
public sealed class NotebookRunner(TextWriter progress, TimeSpan? cellTimeout = null, bool continueOnError = false)
{
    /// <summary>Checks every code cell's kernel and magics up front, so an unsupported cell fails before anything runs.</summary>
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
        using var session = new KernelSession(Path.GetDirectoryName(Path.GetFullPath(path))!);
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
            var result = await session.RunAsync(cell.Source, CellKernel.Resolve(notebook.Name, cell), outputs, cellTimeout);
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

    private static string Headline(string source)
    {
        string line = source.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "(empty)";
        return line.Length > 60 ? line[..57] + "..." : line;
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using Vcmr.Notebooks.Document;

namespace Vcmr.Notebooks.Tests;

/// <summary>
/// Runs a notebook through dotnet-repl, the real kernel headless, as CI does: the tool pinned in
/// .config/dotnet-tools.json, started in the notebook's folder (it resolves #r from its working directory).
/// A test that needs it skips only when the tool cannot be restored.
/// </summary>
internal sealed class DotnetRepl
{
    private readonly JsonArray cells;
    private readonly List<string?> ids;

    private DotnetRepl(int exitCode, string log, JsonArray cells, List<string?> ids)
    {
        ExitCode = exitCode;
        Log = log;
        this.cells = cells;
        this.ids = ids;
    }

    public int ExitCode { get; }
    public string Log { get; }

    /// <summary>Every error output, as "cell N: message".</summary>
    public IReadOnlyList<string> Errors => cells.Select((c, i) => (c, i))
        .SelectMany(x => (x.c!["outputs"] as JsonArray ?? []).Where(o => (string?)o!["output_type"] == "error")
            .Select(o => $"cell {x.i + 1}: {(string?)o!["evalue"]}")).ToList();

    /// <summary>The text/html outputs of the cell with this id in the source notebook (dotnet-repl drops ids, keeps the order).</summary>
    public string Html(string cellId) => string.Concat(((JsonArray)cells[ids.IndexOf(cellId)]!["outputs"]!)
        .Select(o => o!["data"]?["text/html"] is { } html ? Cell.JoinText(html) : ""));

    public static async Task<DotnetRepl> RunAsync(string notebook)
    {
        var (restored, restoreLog) = await Dotnet(RepoPaths.Root, "tool", "restore");
        Skip.If(restored != 0, $"dotnet-repl (.config/dotnet-tools.json) cannot be restored: {restoreLog.Trim()}");
        string output = Path.Combine(TestNotebooks.TempFolder(), Path.GetFileName(notebook));
        var (code, log) = await Dotnet(Path.GetDirectoryName(Path.GetFullPath(notebook))!,
            "tool", "run", "dotnet-repl", "--", "--run", Path.GetFileName(notebook), "--exit-after-run", "--output-path", output);
        Assert.True(File.Exists(output), $"dotnet-repl wrote no notebook (exit code {code}): {log}");
        var source = Notebook.Load(notebook);
        return new DotnetRepl(code, log, (JsonArray)JsonNode.Parse(File.ReadAllText(output))!["cells"]!, source.Cells.Select(c => c.Id).ToList());
    }

    private static async Task<(int Code, string Log)> Dotnet(string folder, params string[] args)
    {
        var psi = new ProcessStartInfo(System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}

using System.Diagnostics;
using Vcmr.Notebooks.Document;
using Vcmr.Notebooks.Execution;
using Vcmr.Notebooks.Report;

namespace Vcmr.Notebooks;

/// <summary>The `run` command: resolve notebooks, check them and the parameters, run each, write outputs and reports.</summary>
public static class Suite
{
    /// <summary>Exit code when every cell succeeded.</summary>
    public const int Success = 0;
    /// <summary>Exit code for usage, notebook format or I/O errors (nothing, or not everything, could run).</summary>
    public const int UsageError = 1;
    /// <summary>Exit code when a cell failed (as dotnet-repl).</summary>
    public const int CellFailed = 2;

    /// <summary>Runs the suite and returns the exit code; messages go to <paramref name="console"/>.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> inputs, RunOptions options, TextWriter console)
    {
        string output = options.Output;
        List<(string Path, Notebook Notebook)> notebooks;
        using var nuget = NuGetConfig.Use(options.NuGetConfig);
        try
        {
            if (options.NuGetConfig is { } config && !File.Exists(config)) throw new IOException($"--nuget-config {config}: no such file");
            var overrides = Parameters.ParsePairs(options.Parameters);
            notebooks = Resolve(inputs).Select(p => (p, Notebook.Load(p))).ToList();
            CheckOutputKeepsSources(notebooks.Select(n => n.Path), output);
            foreach (var (_, notebook) in notebooks) NotebookRunner.Validate(notebook);
            foreach (var (path, notebook, mine) in Parameters.Distribute(notebooks, overrides))
                Parameters.Apply(notebook, Path.GetDirectoryName(Path.GetFullPath(path))!, mine);
        }
        catch (Exception e) when (e is NotebookFormatException or ArgumentException or IOException)
        {
            console.WriteLine($"error: {e.Message}");
            return UsageError;
        }

        var runner = new NotebookRunner(console, options.CellTimeout, options.ContinueOnError);
        var runs = new List<NotebookResult>();
        foreach (var (path, notebook) in notebooks)
        {
            var run = await runner.RunAsync(path, notebook);
            runs.Add(run);
            try { notebook.Save(Path.Combine(output, notebook.Name)); }
            catch (IOException e) { console.WriteLine($"error: {output}: cannot write {notebook.Name}: {e.Message}"); return UsageError; }
        }
        try
        {
            HtmlReport.Write(output, runs);
            AtomicFile.WriteAllText(Path.Combine(output, "results.junit.xml"), JUnitXml.Build(runs).ToString());
        }
        catch (IOException e) { console.WriteLine($"error: {output}: cannot write the report: {e.Message}"); return UsageError; }

        Summary(runs, output, console);
        return runs.All(r => r.Succeeded) ? Success : CellFailed;
    }

    /// <summary>Files as given; a folder means its *.ipynb in name order. Throws naming a missing path.</summary>
    public static IReadOnlyList<string> Resolve(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
                files.AddRange(Directory.GetFiles(input, "*.ipynb").Order(StringComparer.Ordinal));
            else if (File.Exists(input)) files.Add(input);
            else throw new IOException($"{input}: no such notebook or folder");
        }
        var names = files.GroupBy(Path.GetFileName).FirstOrDefault(g => g.Count() > 1);
        if (names is not null) throw new ArgumentException($"two notebooks are named {names.Key}: their outputs would collide");
        return files;
    }

    /// <summary>The source notebooks are never modified: an output folder that would overwrite one is a usage error.</summary>
    public static void CheckOutputKeepsSources(IEnumerable<string> sources, string output)
    {
        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        foreach (var source in sources)
            if (string.Equals(Path.GetFullPath(source), Path.GetFullPath(Path.Combine(output, Path.GetFileName(source))), comparison))
                throw new ArgumentException($"--output {output}: writing there would overwrite the source notebook {source}");
    }

    private static void Summary(IReadOnlyList<NotebookResult> runs, string output, TextWriter console)
    {
        int width = Math.Max(8, runs.Select(r => r.Notebook.Name.Length).DefaultIfEmpty(0).Max());
        console.WriteLine();
        console.WriteLine($"{"notebook".PadRight(width)}  cells  status  time");
        foreach (var run in runs)
            console.WriteLine($"{run.Notebook.Name.PadRight(width)}  {run.Cells.Count,5}  {(run.Succeeded ? "passed" : "FAILED"),-6}  {run.Elapsed.TotalSeconds:0.0} s");
        foreach (var failure in runs.SelectMany(r => r.Failures)) console.WriteLine($"failed: {failure}");
        console.WriteLine($"report: {Path.Combine(output, "index.html")}");
    }
}

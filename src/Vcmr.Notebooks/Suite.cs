using System.Diagnostics;
using Vcmr.Data;
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
    /// <summary>Exit code for a bug in the runner itself (the message names the exception).</summary>
    public const int InternalError = 3;

    /// <summary>Report files the run writes into the output folder besides one executed notebook and one page per notebook.</summary>
    private static readonly string[] ReportFiles = ["index.html", "results.junit.xml"];

    /// <summary>Runs the suite and returns the exit code; messages go to <paramref name="console"/>.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> inputs, RunOptions options, TextWriter console)
    {
        string output = options.Output;
        List<(string Path, Notebook Notebook)> notebooks;
        using var nuget = NuGetConfig.Use(options.NuGetConfig);
        try
        {
            if (options.CellTimeout is { } limit && RunOptions.TimeoutProblem($"{limit.TotalSeconds}", limit.TotalSeconds) is { } problem)
                throw new ArgumentException(problem);
            if (options.NuGetConfig is { } config && !File.Exists(config))
                throw new IOException($"--nuget-config {config}: {(Directory.Exists(config) ? "is a folder, not a file" : "no such file")}");
            var overrides = Parameters.ParsePairs(options.Parameters);
            if (overrides.GroupBy(o => o.Key).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw new ArgumentException($"--param {twice.Key} is given {twice.Count()} times ({string.Join(", ", twice.Select(o => o.Value))}); give it once");
            notebooks = Resolve(inputs).Select(p => (p, Notebook.Load(p))).ToList();
            foreach (var (_, notebook) in notebooks) NotebookRunner.Validate(notebook);
            foreach (var (path, notebook, mine) in Parameters.Distribute(notebooks, overrides))
                Parameters.Apply(notebook, Path.GetDirectoryName(Path.GetFullPath(path))!, mine);
            CheckOutputs(notebooks.Select(n => n.Path).ToList(), output);
        }
        catch (Exception e) when (e is NotebookFormatException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            console.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
            return UsageError;
        }

        var runner = new NotebookRunner(console, options.CellTimeout, options.ContinueOnError);
        var runs = new List<NotebookResult>();
        foreach (var (path, notebook) in notebooks)
        {
            var run = await runner.RunAsync(path, notebook);
            runs.Add(run);
            try { notebook.Save(Path.Combine(output, notebook.Name)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                console.WriteLine($"error: {output}: cannot write {notebook.Name}: {e.Message}");
                return UsageError;
            }
        }
        try
        {
            HtmlReport.Write(output, runs);
            AtomicFile.WriteAllText(Path.Combine(output, "results.junit.xml"), JUnitXml.Build(runs).ToString());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.WriteLine($"error: {output}: cannot write the report: {e.Message}");
            return UsageError;
        }

        Summary(runs, output, console);
        return runs.All(r => r.Succeeded) ? Success : CellFailed;
    }

    /// <summary>Files as given; a folder means its *.ipynb in name order. Throws naming a missing path or a folder without notebooks.</summary>
    public static IReadOnlyList<string> Resolve(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                var found = Directory.GetFiles(input, "*.ipynb").Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0) throw new IOException($"{input}: the folder has no *.ipynb notebooks");
                files.AddRange(found);
            }
            else if (File.Exists(input)) files.Add(input);
            else throw new IOException($"{input}: no such notebook or folder{(input.StartsWith('-') ? " (a misspelt option? see run --help)" : "")}");
        }
        var names = files.GroupBy(Path.GetFileName).FirstOrDefault(g => g.Count() > 1);
        if (names is not null) throw new ArgumentException($"two notebooks are named {names.Key}: their outputs would collide");
        return files;
    }

    /// <summary>
    /// Before any cell runs: the output folder can be created and written, no two outputs share a name (a notebook
    /// named index.ipynb would get the report's index page), and no output is a source notebook, symbolic links
    /// resolved (the sources are never modified).
    /// </summary>
    public static void CheckOutputs(IReadOnlyList<string> sources, string output)
    {
        try
        {
            OutputTarget.CheckFolder(output);
        }
        catch (IOException e)
        {
            throw new IOException($"--output {e.Message}", e);
        }
        var owners = ReportFiles.ToDictionary(f => f, f => "the report's " + f, FileNames); // output file -> what it is
        foreach (var source in sources)
        {
            string name = Path.GetFileName(source);
            foreach (var (file, what) in new[] { (name, "executed copy"), (HtmlReport.PageName(name), "report page") })
                if (!owners.TryAdd(file, $"{name}'s {what} {file}"))
                    throw new ArgumentException($"{source}: its {what} {file} would overwrite {owners[file]}; rename the notebook");
        }
        foreach (string file in owners.Keys)
            if (sources.FirstOrDefault(s => OutputTarget.SameFile(Path.Combine(output, file), s)) is { } overwritten)
                throw new ArgumentException($"--output {output}: writing {file} there would overwrite the source notebook {overwritten}");
        try
        {
            OutputTarget.CheckWritable(Path.Combine(output, ReportFiles[0]));
        }
        catch (IOException e)
        {
            throw new IOException($"--output {output}: cannot write there ({e.InnerException?.Message})", e);
        }
    }

    private static readonly StringComparer FileNames = OperatingSystem.IsLinux() ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;

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

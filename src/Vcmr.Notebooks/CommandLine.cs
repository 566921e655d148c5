using System.CommandLine;

namespace Vcmr.Notebooks;

/// <summary>
/// The runner's command line: `vcmr-notebooks run NOTEBOOK-OR-FOLDER... [--output dir] [--param name=value]...
/// [--timeout seconds] [--continue-on-error] [--nuget-config file]`. Exit codes: 0 every cell passed, 1 usage /
/// notebook format / I/O error (nothing, or not everything, ran), 2 a cell failed, 3 internal error of the runner.
/// Every outcome ends in one line, never a stack trace; a bad option is reported before anything runs.
/// </summary>
public static class CommandLine
{
    public static async Task<int> RunAsync(string[] args, TextWriter console)
    {
        var paths = new Argument<string[]>("notebooks") { Description = "notebook files or folders (a folder: its *.ipynb in name order)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output") { Description = "folder for executed notebooks and the HTML report", DefaultValueFactory = _ => Path.Combine("artifacts", "notebooks") };
        var parameters = new Option<string[]>("--param") { Description = "name=value override for the cell tagged 'parameters' (repeatable)", AllowMultipleArgumentsPerToken = false };
        var timeout = new Option<TimeSpan?>("--timeout")
        {
            Description = "per-cell timeout in seconds (a timed-out cell fails, the run goes on)",
            CustomParser = result =>
            {
                var value = RunOptions.ParseTimeout(result.Tokens.Single().Value, out string? error);
                if (error != null) result.AddError(error);
                return value;
            },
        };
        var keepGoing = new Option<bool>("--continue-on-error") { Description = "run the cells after a failing cell too (as dotnet-repl); by default a notebook stops at its first failure" };
        var nugetConfig = new Option<string?>("--nuget-config") { Description = "NuGet config file used instead of the user-level one for #r \"nuget:\" restores" };

        var run = new Command("run", "execute notebooks headlessly and write executed copies plus an HTML report") { paths, output, parameters, timeout, keepGoing, nugetConfig };
        run.SetAction((result, _) => Suite.RunAsync(
            result.GetValue(paths)!,
            new RunOptions(result.GetValue(output)!, result.GetValue(parameters) ?? [], result.GetValue(timeout), result.GetValue(keepGoing), result.GetValue(nugetConfig)),
            console));

        var root = new RootCommand("Headless runner for the Vcmr Polyglot notebooks. Exit codes: 0 passed, 1 usage or input error, 2 a cell failed, 3 internal error.") { run };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) console.WriteLine($"error: {error.Message.ReplaceLineEndings(" ")}");
            console.WriteLine($"usage: vcmr-notebooks {(parse.CommandResult.Command == root ? "" : "run ")}--help");
            return Suite.UsageError;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = console });
        }
        catch (Exception e)
        {
            console.WriteLine($"error: internal error of the runner, please report it: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            return Suite.InternalError;
        }
    }
}

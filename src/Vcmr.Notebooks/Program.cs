using System.CommandLine;
using Vcmr.Notebooks;

// vcmr-notebooks run <notebook-or-folder>... [--output dir] [--param name=value]... [--timeout seconds]
//                    [--continue-on-error] [--nuget-config file]
var paths = new Argument<string[]>("notebooks") { Description = "notebook files or folders (a folder: its *.ipynb in name order)", Arity = ArgumentArity.OneOrMore };
var output = new Option<string>("--output") { Description = "folder for executed notebooks and the HTML report", DefaultValueFactory = _ => Path.Combine("artifacts", "notebooks") };
var parameters = new Option<string[]>("--param") { Description = "name=value override for the cell tagged 'parameters' (repeatable)", AllowMultipleArgumentsPerToken = false };
var timeout = new Option<double?>("--timeout") { Description = "per-cell timeout in seconds (a timed-out cell fails, the run goes on)" };
var keepGoing = new Option<bool>("--continue-on-error") { Description = "run the cells after a failing cell too (as dotnet-repl); by default a notebook stops at its first failure" };
var nugetConfig = new Option<string?>("--nuget-config") { Description = "NuGet config file used instead of the user-level one for #r \"nuget:\" restores" };

var run = new Command("run", "execute notebooks headlessly and write executed copies plus an HTML report") { paths, output, parameters, timeout, keepGoing, nugetConfig };
run.SetAction((result, _) => Suite.RunAsync(
    result.GetValue(paths)!,
    new RunOptions(result.GetValue(output)!, result.GetValue(parameters) ?? [],
        result.GetValue(timeout) is { } s ? TimeSpan.FromSeconds(s) : null, result.GetValue(keepGoing), result.GetValue(nugetConfig)),
    Console.Out));

var root = new RootCommand("Headless runner for the Vcmr Polyglot notebooks") { run };
return await root.Parse(args).InvokeAsync();

using System.CommandLine;
using Vcmr.Notebooks;

// vcmr-notebooks run <notebook-or-folder>... [--output dir] [--param name=value]... [--timeout seconds]
var paths = new Argument<string[]>("notebooks") { Description = "notebook files or folders (a folder: its *.ipynb in name order)", Arity = ArgumentArity.OneOrMore };
var output = new Option<string>("--output") { Description = "folder for executed notebooks and the HTML report", DefaultValueFactory = _ => Path.Combine("artifacts", "notebooks") };
var parameters = new Option<string[]>("--param") { Description = "name=value override for the cell tagged 'parameters' (repeatable)", AllowMultipleArgumentsPerToken = false };
var timeout = new Option<double?>("--timeout") { Description = "per-cell timeout in seconds (a timed-out cell fails, the run goes on)" };

var run = new Command("run", "execute notebooks headlessly and write executed copies plus an HTML report") { paths, output, parameters, timeout };
run.SetAction((result, _) => Suite.RunAsync(
    result.GetValue(paths)!, result.GetValue(output)!, result.GetValue(parameters) ?? [],
    result.GetValue(timeout) is { } s ? TimeSpan.FromSeconds(s) : null, Console.Out));

var root = new RootCommand("Headless runner for the Vcmr Polyglot notebooks") { run };
return await root.Parse(args).InvokeAsync();

// Entry point of the headless runner; the command line is built out in the runner issue.
Console.Error.WriteLine("usage: vcmr-notebooks run <notebook-or-folder>... (the runner is not built yet)");
return 1;

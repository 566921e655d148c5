return await Vcmr.Notebooks.CommandLine.RunAsync(args, Console.Out);

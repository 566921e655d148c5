return Vcmr.Cli.CommandLine.Run(args, Console.Out, terminal: !Console.IsOutputRedirected);

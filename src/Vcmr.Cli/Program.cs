return Vcmr.Cli.CommandLine.Run(args, Console.Out, Console.IsOutputRedirected ? null : Console.WindowWidth);

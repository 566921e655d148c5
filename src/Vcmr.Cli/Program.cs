return Vcmr.Cli.CommandLine.Run(args, Console.Out);

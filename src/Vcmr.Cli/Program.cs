using System.CommandLine;
using Vcmr.Cli;

var root = new RootCommand("vcmr: video corpus moment retrieval tools (TVR formats)")
{
    EvalCommand.Create(), RetrievalEvalCommand.Create(), ConvertCommand.Create(), SynthCommand.Create(),
};
return root.Parse(args).Invoke();

using System.CommandLine;
using System.Text;
using Vcmr.Evaluation;

namespace Vcmr.Cli;

/// <summary><c>vcmr eval --submission FILE --gt FILE [--out metrics.json]</c>: the official TVR evaluation.</summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter console)
    {
        var submission = new Option<FileInfo>("--submission") { Description = "TVR submission JSON (video2idx, VCMR, SVMR, VR)", Required = true };
        var gt = new Option<FileInfo>("--gt") { Description = "ground-truth jsonl, e.g. tvr_val_release.jsonl", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "write the metrics in the official eval.py layout" };
        var command = new Command("eval", "Score a submission with the official TVR metrics (VCMR, SVMR, VR, by query type).")
        {
            submission, gt, output,
        };
        command.SetAction(parse => Run(parse.GetValue(submission)!, parse.GetValue(gt)!, parse.GetValue(output), console));
        return command;
    }

    internal static int Run(FileInfo submission, FileInfo gt, FileInfo? output, TextWriter console) => CommandLine.Guard(console, () =>
    {
        CommandLine.CheckInput(submission, "--submission");
        CommandLine.CheckInput(gt, "--gt");
        if (output != null) CommandLine.CheckOutput(output, "--out", (submission, "--submission"), (gt, "--gt"));
        var result = TvrEvaluation.EvaluateFiles(submission.FullName, gt.FullName, output?.FullName);
        console.Write(Format(result));
        if (output != null) console.WriteLine($"written {output.FullName}");
        return CommandLine.Success;
    });

    /// <summary>One block per table: keys as columns, values below them.</summary>
    internal static string Format(TvrEvalResult result)
    {
        var text = new StringBuilder();
        foreach (var table in result.Tables)
        {
            text.AppendLine(table.DescTypeRatio == null ? table.Name : $"{table.Name} ({table.DescTypeRatio})");
            foreach (var row in table.Values.Chunk(8))
            {
                int width = Math.Max(8, row.Max(kv => kv.Key.Length) + 2);
                text.AppendLine("  " + string.Concat(row.Select(kv => kv.Key.PadLeft(width))));
                text.AppendLine("  " + string.Concat(row.Select(kv => PythonFormat.Repr(kv.Value).PadLeft(width))));
            }
        }
        return text.ToString();
    }
}

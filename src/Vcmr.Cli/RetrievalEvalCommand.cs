using System.CommandLine;
using System.Globalization;
using System.Text;
using Vcmr.Data;
using Vcmr.Evaluation;

namespace Vcmr.Cli;

/// <summary><c>vcmr retrieval-eval --sim FILE.npy [--gt FILE] [--out metrics.json]</c>: text-video retrieval metrics.</summary>
internal static class RetrievalEvalCommand
{
    public static Command Create(TextWriter console)
    {
        var sim = new Option<FileInfo>("--sim") { Description = "similarity matrix .npy, float32/float64, S[text, video] (TextVR sim_matrix.npy)", Required = true };
        var gt = new Option<FileInfo?>("--gt") { Description = "text file, one line per row: the 0-based ground-truth video column (default: TextVR's diagonal layout)" };
        var output = new Option<FileInfo?>("--out") { Description = "write the metrics as JSON {t2v, v2t}" };
        var command = new Command("retrieval-eval", "Text-to-video and video-to-text R@1/5/10/50, MedR, MeanR, mAP from a similarity matrix (TextVR tie averaging).")
        {
            sim, gt, output,
        };
        command.SetAction(parse => Run(parse.GetValue(sim)!, parse.GetValue(gt), parse.GetValue(output), console));
        return command;
    }

    internal static int Run(FileInfo sim, FileInfo? gt, FileInfo? output, TextWriter console) => CommandLine.Guard(console, () =>
    {
        CommandLine.CheckInput(sim, "--sim");
        if (gt != null) CommandLine.CheckInput(gt, "--gt");
        if (output != null) CommandLine.CheckOutput(output, "--out", gt == null ? [(sim, "--sim")] : [(sim, "--sim"), (gt, "--gt")]);
        var matrix = NpyFile.Read(sim.FullName);
        var gtVideo = gt == null ? null : ReadGroundTruth(gt.FullName);
        RetrievalResult result;
        try
        {
            result = RetrievalMetrics.Evaluate(matrix, gtVideo);
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException($"{sim.FullName}{(gt == null ? "" : $" with {gt.FullName}")}: {e.Message}", e);
        }
        console.Write(Format(result));
        if (output != null)
        {
            result.Save(output.FullName);
            console.WriteLine($"written {output.FullName}");
        }
        return CommandLine.Success;
    });

    /// <summary>One integer per line (blank lines at the end are ignored); a bad line is reported with its number.</summary>
    internal static int[] ReadGroundTruth(string path)
    {
        var lines = File.ReadAllLines(path);
        int count = lines.Length;
        while (count > 0 && string.IsNullOrWhiteSpace(lines[count - 1])) count--;
        var gt = new int[count];
        for (int i = 0; i < count; i++)
            if (!int.TryParse(lines[i].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out gt[i]))
                throw new DataFormatException($"{path}:{i + 1}: '{lines[i]}' is not a non-negative integer video column");
        return gt;
    }

    internal static string Format(RetrievalResult result)
    {
        var text = new StringBuilder();
        var keys = result.TextToVideo.Values().Select(kv => kv.Key).ToArray();
        text.AppendLine("direction" + string.Concat(keys.Select(k => k.PadLeft(10))));
        foreach (var (name, scores) in new[] { ("t2v", result.TextToVideo), ("v2t", result.VideoToText) })
            text.AppendLine(name.PadRight(9) + string.Concat(scores.Values().Select(kv => kv.Value.ToString("0.####", CultureInfo.InvariantCulture).PadLeft(10))));
        return text.ToString();
    }
}

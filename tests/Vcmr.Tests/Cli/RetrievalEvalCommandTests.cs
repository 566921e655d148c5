using System.Text.Json;
using Vcmr.Cli;
using Vcmr.Evaluation;

namespace Vcmr.Tests.Cli;

public class RetrievalEvalCommandTests
{
    private static string Dir() => Directory.CreateTempSubdirectory("vcmr-cli-ret").FullName;

    [Fact]
    public void PrintsBothDirectionsAndWritesJson()
    {
        string dir = Dir(), sim = Path.Combine(dir, "sim_matrix.npy"), gt = Path.Combine(dir, "gt.txt"), outPath = Path.Combine(dir, "m.json");
        // 3 texts x 2 videos; text 2 belongs to video 0 and is beaten by 0.9 in its row
        NpyFile.Write(sim, new SimilarityMatrix(new[] { 0.9f, 0.1f, 0.2f, 0.8f, 0.3f, 0.9f }, 3, 2));
        File.WriteAllLines(gt, ["0", "1", "0"]);
        var console = new StringWriter();
        Assert.Equal(0, RetrievalEvalCommand.Run(new FileInfo(sim), new FileInfo(gt), new FileInfo(outPath), console));
        var lines = console.ToString().Split('\n');
        Assert.StartsWith("direction", lines[0]);
        Assert.StartsWith("t2v", lines[1]);
        Assert.Contains("66.6667", lines[1]);
        Assert.StartsWith("v2t", lines[2]);
        using var json = JsonDocument.Parse(File.ReadAllText(outPath));
        Assert.Equal(200.0 / 3, json.RootElement.GetProperty("t2v").GetProperty("R1").GetDouble(), 12);
        Assert.Equal(2, json.RootElement.GetProperty("v2t").GetProperty("queries").GetInt32());
        Assert.Equal(50, json.RootElement.GetProperty("v2t").GetProperty("R1").GetDouble()); // video 1: 0.9 of text 2 beats its 0.8
    }

    [Fact]
    public void BadGroundTruthLineAndSizeAreOneLineErrors()
    {
        string dir = Dir(), sim = Path.Combine(dir, "sim.npy"), gt = Path.Combine(dir, "gt.txt");
        NpyFile.Write(sim, new SimilarityMatrix(new float[6], 3, 2));
        File.WriteAllLines(gt, ["0", "x1", "0"]);
        var console = new StringWriter();
        Assert.Equal(1, RetrievalEvalCommand.Run(new FileInfo(sim), new FileInfo(gt), null, console));
        Assert.Equal($"error: {gt}:2: 'x1' is not a non-negative integer video column", console.ToString().Trim());
        console = new StringWriter();
        Assert.Equal(1, RetrievalEvalCommand.Run(new FileInfo(sim), null, null, console));
        Assert.Equal($"error: {sim}: a 3 x 2 matrix has no default ground truth (rows must be a non-zero multiple of columns): give the ground-truth video of every row",
            console.ToString().Trim());
    }
}

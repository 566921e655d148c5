using Vcmr.Cli;
using Vcmr.Data;
using Vcmr.Evaluation;
using Vcmr.Inference;

namespace Vcmr.Tests.Cli;

public class EvalCommandTests
{
    private static (FileInfo Submission, FileInfo Gt) Files()
    {
        string dir = Directory.CreateTempSubdirectory("vcmr-cli").FullName;
        var gt = new[]
        {
            new TvrQuery(1, "a", "vid_a", 30, 3, 9, QueryType.V),
            new TvrQuery(2, "b", "vid_b", 30, 0, 6, QueryType.T),
        };
        string gtPath = Path.Combine(dir, "gt.jsonl");
        TvrAnnotations.Write(gtPath, gt);
        var video2idx = new Dictionary<string, int> { ["vid_a"] = 0, ["vid_b"] = 1 };
        // query 1 is hit at rank 1, query 2 only at rank 2 (rank 1 is the wrong video)
        var moments = new List<QueryPredictions>
        {
            new(1, "a", new[] { new Prediction(0, 3, 9, 1) }),
            new(2, "b", new[] { new Prediction(0, 0, 6, 2), new Prediction(1, 0, 6, 1) }),
        };
        var videos = new List<QueryPredictions>
        {
            new(1, "a", new[] { new Prediction(0, 0, 0, 1) }),
            new(2, "b", new[] { new Prediction(0, 0, 0, 2), new Prediction(1, 0, 0, 1) }),
        };
        string subPath = Path.Combine(dir, "submission.json");
        SubmissionJson.Write(subPath, new Submission(video2idx, moments, moments, videos));
        return (new FileInfo(subPath), new FileInfo(gtPath));
    }

    [Fact]
    public void EvalPrintsTheTablesAndWritesTheOfficialJson()
    {
        var (submission, gt) = Files();
        var output = new FileInfo(Path.Combine(submission.DirectoryName!, "metrics.json"));
        var console = new StringWriter();
        Assert.Equal(0, EvalCommand.Run(submission, gt, output, console));
        string text = console.ToString();
        Assert.Contains("VCMR", text);
        Assert.Contains("0.5-r1", text);
        var expected = TvrEvaluation.EvaluateFiles(submission.FullName, gt.FullName);
        Assert.Equal(50.0, expected["VCMR"]["0.5-r1"]); // query 2 misses at rank 1
        Assert.Equal(100.0, expected["SVMR"]["0.5-r1"]); // SVMR ignores the other video
        Assert.Equal(100.0, expected["VR"]["r5"]);
        Assert.Equal(expected.ToJson(), File.ReadAllText(output.FullName));
    }

    [Fact]
    public void AMissingFileIsOneLineAndExitCodeOne()
    {
        var (submission, _) = Files();
        var console = new StringWriter();
        var missing = new FileInfo(Path.Combine(submission.DirectoryName!, "nope.jsonl"));
        Assert.Equal(1, EvalCommand.Run(submission, missing, null, console));
        Assert.Equal($"error: --gt {missing.FullName}: does not exist", console.ToString().Trim());
    }
}

using Vcmr.Data;
using Vcmr.Inference;

namespace Vcmr.Tests.Inference;

public class SubmissionJsonTests
{
    private static string TempFile(string? json = null)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("vcmr-sub").FullName, "submission.json");
        if (json != null) File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void RoundTripKeepsEveryFieldAndOmitsAbsentTasks()
    {
        var sub = new Submission(
            new Dictionary<string, int> { ["a"] = 19614, ["b"] = 19615 },
            [new QueryPredictions(87175, "q \"one\"", [new(19614, 1.5, 6.0, 0.25), new(19615, 0, 4.5, 1e-9)])],
            null,
            [new QueryPredictions(87175, "q \"one\"", [new(19615, 0, 0, 3.75)])]);
        string path = TempFile();
        SubmissionJson.Write(path, sub);
        var again = SubmissionJson.Read(path);
        Assert.Equal(sub.Video2Idx, again.Video2Idx);
        Assert.Null(again.Svmr);
        Assert.Equal(sub.Vcmr![0].Desc, again.Vcmr![0].Desc);
        Assert.Equal(sub.Vcmr[0].Predictions, again.Vcmr[0].Predictions);
        Assert.Equal(sub.Vr![0].Predictions, again.Vr![0].Predictions);
        Assert.DoesNotContain("SVMR", File.ReadAllText(path));
    }

    [Fact]
    public void ReadsIntegerTimes()
    {
        var sub = SubmissionJson.Read(TempFile("""{"video2idx": {"a": 3}, "VR": [{"desc_id": 1, "desc": "x", "predictions": [[3, 0, 0, 2]]}]}"""));
        Assert.Equal(new Prediction(3, 0, 0, 2), sub.Vr![0].Predictions[0]);
    }

    [Theory]
    [InlineData("""{"VR": []}""", "key video2idx: missing")]
    [InlineData("""{"video2idx": {}}""", "none of the keys")]
    [InlineData("""{"video2idx": {}, "VCMR": [{"desc_id": 7, "predictions": [[1, 2, NaN, 0]]}, {"desc_id": 8, "predictions": [[1, 2]]}, {"desc_id": 9, "predictions": [[1, 0, 1, 0]]}]}""",
        "key VCMR: 2 malformed queries, first: desc_id 7 (row 0: [1, 2, \"NaN\", 0]: ed is NaN (eval.py would count this prediction as a miss)), desc_id 8 (row 0: [1, 2]: 2 values; expected [video_idx, st, ed, score])")]
    [InlineData("""{"video2idx": {}, "VCMR": [{"desc_id": 7, "predictions": [[1, 5, 2, 0]]}]}""", "desc_id 7 (row 0: [1, 5, 2, 0]: ed < st (eval.py would score it IoU 0, a miss))")]
    [InlineData("""{"video2idx": {}, "SVMR": [{"desc": "no id", "predictions": []}]}""", "key SVMR: 1 malformed queries, first: entry 1 (no desc_id)")]
    [InlineData("""{"video2idx": {}, "VR": [3, {"predictions": [], "desc_id": 4}, {"desc_id": 5, "predictions": {}}, {"desc_id": 6, "predictions": [[1, 0, 1, 0], [1, [0], 1, 0], 7]}]}""",
        "key VR: 3 malformed queries, first: entry 1 (not an object {desc_id, desc, predictions}), desc_id 5 (no predictions array), desc_id 6 (row 1: [1, [0], 1, 0]: st is not a number (eval.py would count this prediction as a miss))")]
    [InlineData("""{"video2idx": {}, "VR": [{"desc_id": 2.5, "predictions": []}, {"desc_id": "8", "predictions": [[1, 0, 1, 0]]}, {"desc_id": 9, "predictions": [[1.5, 0, 1, 0]]}]}""",
        "key VR: 3 malformed queries, first: entry 1 (desc_id 2.5 is not an integer; eval.py would match no ground-truth query to it), "
        + "entry 2 (desc_id \"8\" is not an integer; eval.py would match no ground-truth query to it), "
        + "desc_id 9 (row 0: [1.5, 0, 1, 0]: video_idx 1.5 is not an integer (eval.py would compare it as float32 and match no video))")]
    [InlineData("""{"video2idx": {"a": "3"}, "VR": []}""", "key video2idx/a: expected an integer video index, got a string \"3\" (eval.py would compare it")]
    [InlineData("""{"video2idx": {"a": 3}, "VR": [{"desc_id": 1, "predictions": [[3, 0, Nope, 0]]}]}""", "not valid JSON")]
    public void MalformedInputNamesFileKeyAndIds(string json, string expected)
    {
        string path = TempFile(json);
        var e = Assert.Throws<DataFormatException>(() => SubmissionJson.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ReadsWhatPythonsJsonDumpWritesAndEvalPyScores()
    {
        // a BOM, integral floats for indices and desc_id (numpy's tolist()), NaN / -Infinity scores, rows of 3 and of 5
        // values, and NaN inside a string left alone
        string path = TempFile("\uFEFF" + """
            {"video2idx": {"a": 20092.0, "b": 3}, "VCMR": [{"desc_id": 1.0, "desc": "NaN Infinity", "predictions":
            [[20092.0, 1.5, 3, NaN], [3, 0, 2.25, -Infinity], [3, 0, 1], [3, 0, 1, 0.5, "extra", [1]]]}]}
            """);
        var sub = SubmissionJson.Read(path);
        Assert.Equal(20092, sub.Video2Idx["a"]);
        var q = sub.Vcmr!.Single();
        Assert.Equal((1, "NaN Infinity"), (q.DescId, q.Desc));
        Assert.Equal(new Prediction(20092, 1.5, 3, double.NaN), q.Predictions[0]);
        Assert.Equal(new Prediction(3, 0, 2.25, double.NegativeInfinity), q.Predictions[1]);
        Assert.Equal(new Prediction(3, 0, 1, double.NaN), q.Predictions[2]);
        Assert.Equal(new Prediction(3, 0, 1, 0.5), q.Predictions[3]);
    }

    [Fact]
    public void NonFiniteScoresRoundTripAsPythonLiteralsAcrossBufferBoundaries()
    {
        // ~3,000 rows of ~30 bytes span several 64 KB reads, so literals are cut by read boundaries somewhere
        double[] special = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.5];
        var rows = Enumerable.Range(0, 3000).Select(i => new Prediction(i % 7, i, i + 1.5, special[i % 4])).ToList();
        var sub = new Submission(new Dictionary<string, int> { ["a"] = 0 }, [new QueryPredictions(5, "q", rows)], null, null);
        string path = TempFile();
        SubmissionJson.Write(path, sub);
        Assert.Contains("-Infinity]", File.ReadAllText(path));
        Assert.Equal(rows, SubmissionJson.Read(path).Vcmr!.Single().Predictions);
    }

    [Fact]
    public void ValidateListsMissingUnknownDuplicateAndEmptyWithCounts()
    {
        QueryPredictions Q(int id, int n) => new(id, "", Enumerable.Repeat(new Prediction(1, 0, 1, 0), n).ToList());
        var task = new[] { Q(1, 1), Q(2, 0), Q(2, 1), Q(9, 1) };
        var e = Assert.Throws<DataFormatException>(() => SubmissionJson.Validate(task, [1, 2, 3, 4, 5, 6, 7, 8], "VCMR"));
        Assert.Equal("VCMR: 6 missing desc_ids (first: 3, 4, 5, 6, 7); 1 unknown desc_ids (first: 9); "
            + "1 duplicate desc_ids (first: 2); 1 empty-prediction desc_ids (first: 2) (eval.py stops: desc_ids in predictions and ground_truth "
            + "must match; silently keeps the last of duplicate desc_ids; fails on an empty prediction list)", e.Message);
        SubmissionJson.Validate([Q(1, 1), Q(2, 3)], [1, 2], "VCMR"); // a complete task passes
    }
    [Fact]
    public void StreamsFilesLargerThanTheBufferWithAQueryLargerThanTheBuffer()
    {
        var rng = new Random(11);
        QueryPredictions Q(int id, int n) => new(id, $"query {id}", Enumerable.Range(0, n)
            .Select(_ => new Prediction(rng.Next(100), Math.Round(rng.NextDouble() * 50, 3), 50 + rng.NextDouble() * 10, rng.NextDouble())).ToList());
        // ~60 bytes per row: 3,000 rows is ~180 KB in one query, beyond the 64 KB buffer; 400 more queries around it
        var vcmr = Enumerable.Range(0, 400).Select(i => Q(i, i == 200 ? 3000 : 100)).ToList();
        // video2idx of ~150 KB also spans refills; it comes last so it starts mid-buffer
        var video2Idx = Enumerable.Range(0, 6000).ToDictionary(i => $"friends_s01e{i:D5}_seg02_clip_{i % 30:D2}", i => i);
        var sub = new Submission(video2Idx, vcmr, null, vcmr.Take(3).ToList());
        string path = TempFile();
        SubmissionJson.Write(path, sub);
        string json = File.ReadAllText(path);
        int split = json.IndexOf("\"VCMR\"", StringComparison.Ordinal);
        File.WriteAllText(path, "{" + json[split..^1] + "," + json[1..(split - 1)] + "}"); // tasks first, video2idx last
        Assert.True(new FileInfo(path).Length > 1 << 20);
        var again = SubmissionJson.Read(path);
        Assert.Equal(sub.Video2Idx, again.Video2Idx);
        Assert.Equal(vcmr.Count, again.Vcmr!.Count);
        for (int i = 0; i < vcmr.Count; i++)
        {
            Assert.Equal((vcmr[i].DescId, vcmr[i].Desc), (again.Vcmr[i].DescId, again.Vcmr[i].Desc));
            Assert.Equal(vcmr[i].Predictions, again.Vcmr[i].Predictions);
        }
        Assert.Equal(3, again.Vr!.Count);
    }

    [Fact]
    public void KeysInAnyOrderAndUnknownKeysAreSkipped()
    {
        var sub = SubmissionJson.Read(TempFile("""{"VR": [{"desc_id": 1, "desc": "x", "predictions": [[3, 0, 0, 2]]}], "meta": {"a": [1, {"b": 2}]}, "video2idx": {"a": 3}}"""));
        Assert.Equal(3, sub.Video2Idx["a"]);
        Assert.Single(sub.Vr!);
    }

    [Theory]
    [InlineData("""{"video2idx": {"a": 3}, "VR": [{"desc_id": 1, "predictions": [[3, 0, 0""", "not valid JSON")]
    [InlineData("""{"video2idx": {"a": 3}, "VR": []""", "not valid JSON")]
    [InlineData("""{"video2idx": {"a": 3}, "VR": []} x""", "not valid JSON")]
    [InlineData("""[1, 2]""", "expected a JSON object")]
    [InlineData("""{"video2idx": [], "VR": []}""", "key video2idx: expected an object {vid_name: video_idx}, got an array []")]
    [InlineData("""{"video2idx": {"a": 3}, "VR": {}}""", "key VR: expected an array of queries")]
    public void TruncatedOrMisshapenFilesAreNamed(string json, string expected)
    {
        string path = TempFile(json);
        var e = Assert.Throws<DataFormatException>(() => SubmissionJson.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
    }
}

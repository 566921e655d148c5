using Vcmr.Data;

namespace Vcmr.Tests.Data;

public class TvrAnnotationsTests
{
    private static string WriteLines(params string[] lines)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("vcmr-ann").FullName, "tvr_val_release.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    private const string Good =
        """{"vid_name": "friends_s01e03_seg02_clip_19", "duration": 61.46, "ts": [16.48, 33.87], "desc": "Phoebe puts one of her ponytails in her mouth.", "type": "v", "desc_id": 90200}""";

    [Fact]
    public void AReleaseLineIsParsedWithEveryField()
    {
        var q = TvrAnnotations.Read(WriteLines(Good)).Single();
        Assert.Equal(new TvrQuery(90200, "Phoebe puts one of her ponytails in her mouth.", "friends_s01e03_seg02_clip_19", 61.46, 16.48, 33.87, QueryType.V), q);
        Assert.True(q.HasGroundTruth);
    }

    [Fact]
    public void IntegerTimesAndTestPublicLinesAreAccepted()
    {
        var qs = TvrAnnotations.Read(WriteLines(
            """{"vid_name": "s02e14_seg02_clip_02", "duration": 90, "ts": [0, 2.29], "desc": "x", "type": "vt", "desc_id": 1}""",
            """{"desc": "Monica hands Rachel a purple gift bag with red paper. ", "desc_id": 107711}"""));
        Assert.Equal(0.0, qs[0].Start);
        Assert.Equal(QueryType.VT, qs[0].Type);
        Assert.False(qs[1].HasGroundTruth);
        Assert.Null(qs[1].Type);
    }

    [Fact]
    public void WriteThenReadGivesTheSameQueries()
    {
        var original = TvrAnnotations.Read(WriteLines(Good, """{"desc": "no gt", "desc_id": 5}"""));
        string path = Path.Combine(Directory.CreateTempSubdirectory("vcmr-ann").FullName, "out.jsonl");
        TvrAnnotations.Write(path, original);
        Assert.Equal(original, TvrAnnotations.Read(path));
        Assert.Equal(Good.Replace(" ", ""), File.ReadLines(path).First().Replace(" ", ""));
    }

    [Theory]
    [InlineData("{not json", ":2: not valid JSON")]
    [InlineData("""{"desc": "x"}""", ":2: missing key 'desc_id'")]
    [InlineData("""{"vid_name": "a", "duration": 10, "ts": [5, 4], "desc": "x", "type": "v", "desc_id": 2}""", ":2: desc_id 2: ts [5, 4] ends before it starts")]
    [InlineData("""{"vid_name": "a", "duration": 10, "ts": [5, 11], "desc": "x", "type": "v", "desc_id": 2}""", "is outside the video [0, 10]")]
    [InlineData("""{"vid_name": "a", "duration": 10, "ts": [-1, 3], "desc": "x", "type": "v", "desc_id": 2}""", "is outside the video")]
    [InlineData("""{"vid_name": "a", "duration": 10, "ts": [1, 3], "desc": "x", "type": "q", "desc_id": 2}""", ":2: key 'type' must be one of \"v\", \"t\", \"vt\", got a string \"q\"")]
    [InlineData("""{"vid_name": "a", "duration": 10, "ts": [1], "desc": "x", "type": "v", "desc_id": 2}""", ":2: key 'ts' must be [start, end] in seconds (two numbers), got an array [1]")]
    [InlineData(Good, ":2: desc_id 90200 is a duplicate of line 1")]
    public void BadLinesAreErrorsNamingFileAndLine(string badLine, string expected)
    {
        string path = WriteLines(Good, badLine);
        var e = Assert.Throws<DataFormatException>(() => TvrAnnotations.Read(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void AnUnknownVideoIsAnErrorWhenTheSplitIsGiven()
    {
        string path = WriteLines(Good);
        var videos = new Dictionary<string, VideoEntry> { ["other"] = new(10, 0) };
        var e = Assert.Throws<DataFormatException>(() => TvrAnnotations.Read(path, videos));
        Assert.Contains($"{path}:1: vid_name 'friends_s01e03_seg02_clip_19' is not in the split's video index", e.Message);
    }

    [SkippableFact]
    public void TheRealValAnnotationsHaveThePublishedStatistics()
    {
        Skip.If(RepoPaths.SharedTvr == null, "../shared/data/tvr is absent");
        var index = VideoIndex.Read(Path.Combine(RepoPaths.SharedTvr!, "tvr_video2dur_idx.json"));
        var val = TvrAnnotations.Read(Path.Combine(RepoPaths.SharedTvr!, "tvr_val_release.jsonl"), index["val"]);
        Assert.Equal(10895, val.Count);
        Assert.Equal(2179, val.Select(q => q.VidName).Distinct().Count());
        double Percent(QueryType t) => Math.Round(100.0 * val.Count(q => q.Type == t) / val.Count, 2);
        Assert.Equal((74.32, 8.85, 16.83), (Percent(QueryType.V), Percent(QueryType.T), Percent(QueryType.VT)));
        Assert.All(val, q => Assert.InRange(q.End!.Value, q.Start!.Value, q.Duration!.Value));
        // the jsonl durations are the index's
        Assert.All(val, q => Assert.Equal(index["val"][q.VidName!].Duration, q.Duration!.Value));

        var test = TvrAnnotations.Read(Path.Combine(RepoPaths.SharedTvr!, "tvr_test_public_release.jsonl"));
        Assert.Equal(5445, test.Count);
        Assert.All(test, q => Assert.False(q.HasGroundTruth));
    }
}

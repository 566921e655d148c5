using Vcmr.Data;

namespace Vcmr.Tests.Data;

public class VideoIndexTests
{
    private static string Write(string json)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("vcmr-idx").FullName, "tvr_video2dur_idx.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void RoundTripKeepsSplitsDurationsAndIndices()
    {
        var index = VideoIndex.Read(Write("""{"val": {"a": [61.46, 19614], "b": [2.02, 19615]}, "test_public": {"c": [90, 1090]}}"""));
        string copy = Path.Combine(Path.GetTempPath(), $"vcmr-idx-{Guid.NewGuid():N}.json");
        index.Write(copy);
        var again = VideoIndex.Read(copy);
        Assert.Equal(new VideoEntry(61.46, 19614), again["val"]["a"]);
        Assert.Equal(1090, again.Video2Idx("test_public")["c"]);
        Assert.Equal(index.Splits.OrderBy(s => s), again.Splits.OrderBy(s => s));
    }

    [Theory]
    [InlineData("""{"val": {"a": [10]}}""", "key val/a: expected [duration, video_idx]")]
    [InlineData("""{"val": {"a": [0, 1]}}""", "key val/a: duration 0 is not positive")]
    [InlineData("""{"val": {"a": [5, 1]}, "train": {"b": [5, 1]}}""", "key train/b: video_idx 1 is also used by val/a")]
    [InlineData("[1, 2]", "expected an object")]
    [InlineData("{", "not valid JSON")]
    public void BadEntriesNameFileAndKey(string json, string expected)
    {
        string path = Write(json);
        var e = Assert.Throws<DataFormatException>(() => VideoIndex.Read(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void AnUnknownSplitListsTheKnownOnes()
    {
        var index = VideoIndex.Read(Write("""{"val": {"a": [5, 1]}}"""));
        var e = Assert.Throws<KeyNotFoundException>(() => index["train"]);
        Assert.Contains("it has: val", e.Message);
    }

    [SkippableFact]
    public void TheRealIndexHasTheReleaseSplitSizes()
    {
        Skip.If(RepoPaths.SharedTvr == null, "../shared/data/tvr is absent");
        var index = VideoIndex.Read(Path.Combine(RepoPaths.SharedTvr!, "tvr_video2dur_idx.json"));
        Assert.Equal((1090, 1089, 17435, 2179),
            (index["test_challenge"].Count, index["test_public"].Count, index["train"].Count, index["val"].Count));
        Assert.Equal((19614, 21792), (index["val"].Values.Min(v => v.Index), index["val"].Values.Max(v => v.Index)));
    }
}

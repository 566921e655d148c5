using Vcmr.Data;

namespace Vcmr.Tests.Data;

public class TvrSubtitlesTests
{
    private static string WriteLines(params string[] lines)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("vcmr-sub").FullName, "tvqa_preprocessed_subtitles.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    private const string Good =
        """{"vid_name": "house_s01e01_seg02_clip_00", "sub": [{"text": " Chase : That's all this is?", "start": 0.862, "end": 1.862}, {"text": "House : No.", "start": 3, "end": 4.6}]}""";

    [Fact]
    public void AReleaseLineIsParsedAndWrittenBackUnchanged()
    {
        var subs = TvrSubtitles.Read(WriteLines(Good));
        var lines = subs["house_s01e01_seg02_clip_00"];
        Assert.Equal([new SubtitleLine(" Chase : That's all this is?", 0.862, 1.862), new SubtitleLine("House : No.", 3, 4.6)], lines);

        string copy = WriteLines();
        TvrSubtitles.Write(copy, subs.Select(kv => (kv.Key, kv.Value)));
        Assert.Equal(lines, TvrSubtitles.Read(copy)["house_s01e01_seg02_clip_00"]);
    }

    [Fact]
    public void ClipMaskFollowsTheReferenceRange()
    {
        // [0.862, 1.862] -> range(0, 2); [3, 4.6] -> range(2, 4); clip 4 and 5 have no speech.
        var lines = TvrSubtitles.Read(WriteLines(Good)).Single().Value;
        Assert.Equal((0, 2), lines[0].Clips);
        Assert.Equal((2, 4), lines[1].Clips);
        Assert.Equal([1f, 1f, 1f, 1f, 0f, 0f], TvrSubtitles.ClipMask(lines, 6));
        Assert.Equal([1f, 1f, 1f], TvrSubtitles.ClipMask(lines, 3)); // sentences past the last clip are cut
    }

    [Theory]
    [InlineData("{oops", ":2: not valid JSON")]
    [InlineData("""{"sub": []}""", ":2: missing key 'vid_name'")]
    [InlineData("""{"vid_name": "v", "sub": {}}""", ":2: key 'sub' must be an array of {text, start, end}, got an object {}")]
    [InlineData("""{"vid_name": "v", "sub": [{"text": "a", "start": 2}]}""", ":2: v sub[0]: missing key 'end'")]
    [InlineData("""{"vid_name": "v", "sub": [{"text": "a", "start": 0, "end": 1}, {"text": "b", "start": 2, "end": 1}]}""", ":2: v sub[1]: span [2, 1]")]
    [InlineData("""{"vid_name": "house_s01e01_seg02_clip_00", "sub": []}""", ":2: vid_name 'house_s01e01_seg02_clip_00' is a duplicate of line 1")]
    public void BadLinesAreErrorsNamingFileAndLine(string badLine, string expected)
    {
        string path = WriteLines(Good, badLine);
        var e = Assert.Throws<DataFormatException>(() => TvrSubtitles.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }
}

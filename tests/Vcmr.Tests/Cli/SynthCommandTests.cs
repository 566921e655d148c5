using Vcmr.Cli;
using Vcmr.Data;

namespace Vcmr.Tests.Cli;

public class SynthCommandTests
{
    private static readonly SynthOptions Small = new(TrainVideos: 3, ValVideos: 2, TestVideos: 1, QueriesPerVideo: 2, VideoDim: 8, TextDim: 6);

    [Fact]
    public void WritesACorpusAtTheGivenSizeAndReusesIt()
    {
        var dir = Directory.CreateTempSubdirectory("vcmr-synth");
        var console = new StringWriter();
        Assert.Equal(0, SynthCommand.Run(dir, Small, console));
        Assert.Equal(0, SynthCommand.Run(dir, Small, console));
        var lines = console.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("3/2/1 train/val/test videos, 12 queries", lines[0]);
        Assert.StartsWith($"written {dir.FullName} (", lines[1]);
        Assert.StartsWith($"reused {dir.FullName} (", lines[3]);
        var corpus = new SynthCorpus(dir.FullName);
        Assert.Equal(4, TvrAnnotations.Read(corpus.Annotations("val")).Count);
        Assert.True(File.Exists(corpus.Manifest));
    }

    [Fact]
    public void OutOfRangeSizesAreNamed()
    {
        var dir = Directory.CreateTempSubdirectory("vcmr-synth");
        var console = new StringWriter();
        Assert.Equal(1, SynthCommand.Run(dir, Small with { QueriesPerVideo = 0, VideoDim = -1 }, console));
        Assert.Contains("--queries-per-video, --video-dim", console.ToString());
        Assert.Empty(Directory.GetFiles(dir.FullName));
    }
}

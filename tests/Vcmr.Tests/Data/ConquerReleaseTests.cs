using Vcmr.Data;

namespace Vcmr.Tests.Data;

public class ConquerReleaseTests
{
    private static readonly SynthOptions Tiny = new(TrainVideos: 4, ValVideos: 3, TestVideos: 2, VideoDim: 16, TextDim: 8);

    [Fact]
    public void ASyntheticCorpusWrittenInTheReleaseLayoutReadsBackAsTheReferenceLoaderReadsIt()
    {
        var synth = TvrSynth.Generate(Directory.CreateTempSubdirectory("vcmr-synth").FullName, Tiny);
        var train = TvrAnnotations.Read(synth.Annotations("train"));
        var kept = train.Take(5).Select(q => q.DescId).ToHashSet();
        var release = ConquerRelease.Write(synth, Path.Combine(Directory.CreateTempSubdirectory("vcmr-conquer").FullName, "tvr_feature_release"), kept);

        Assert.True(release.IsComplete);
        Assert.EndsWith(Path.Combine("tvr_feature_release", "data", "tvr_train_select100_release.jsonl"), release.Annotations("train"));
        Assert.Equal(kept.Order(), TvrAnnotations.Read(release.Annotations("train")).Select(q => q.DescId).Order());
        Assert.Equal(File.ReadAllLines(synth.Annotations("val")), File.ReadAllLines(release.Annotations("val")));
        Assert.EndsWith(Path.Combine("data", "tvr_val_top100_hero"), release.Ranklist("val"));

        using var fromRelease = TvrFeatureSet.Open(release);
        using var fromSynth = TvrFeatureSet.Open(synth, FeatureOptions.Conquer);
        Assert.IsType<LmdbFeatureStore>(fromRelease.Video);
        Assert.IsType<LmdbFeatureStore>(fromRelease.Query);
        foreach (var vid in VideoIndex.Read(synth.VideoIndexPath)["val"].Keys)
        {
            var (a, b) = (fromRelease.ReadContext(vid), fromSynth.ReadContext(vid));
            Assert.Equal(b.Video!.Data, a.Video!.Data);
            Assert.Equal(b.Subtitle!.Data, a.Subtitle!.Data);
        }
        var q = train[0].DescId;
        Assert.Equal(fromSynth.ReadQuery(q).Data, fromRelease.ReadQuery(q).Data);
        using var stored = FeatureStore.Open(synth.QueryFeatures);
        Assert.Equal(stored.Read(q.ToString(System.Globalization.CultureInfo.InvariantCulture)).Data, fromRelease.ReadQuery(q).Data); // as stored: not normalised
    }

    [Fact]
    public void SubtitleClipsOnTheirOwnGridGetTheirOwnMask()
    {
        string dir = Directory.CreateTempSubdirectory("vcmr-conquer").FullName;
        FeatureMatrix M(int rows, int cols) => new(Enumerable.Range(1, rows * cols).Select(i => (float)i).ToArray(), rows, cols);
        LmdbFeatureStore.Write(Path.Combine(dir, "video"), [("a", M(4, 6)), ("b", M(2, 6))], FeatureEncoding.MsgpackNumpy);
        LmdbFeatureStore.Write(Path.Combine(dir, "sub"), [("a", M(3, 5)), ("b", M(2, 5))], FeatureEncoding.Npz);
        LmdbFeatureStore.Write(Path.Combine(dir, "query"), [("1", M(2, 5))], FeatureEncoding.Npz);
        using var strict = new TvrFeatureSet(FeatureStore.Open(Path.Combine(dir, "query")), FeatureStore.Open(Path.Combine(dir, "video")),
            FeatureStore.Open(Path.Combine(dir, "sub")));
        Assert.Contains("clip counts differ", Assert.Throws<DataFormatException>(() => strict.Shape("a")).Message);
        using var own = new TvrFeatureSet(FeatureStore.Open(Path.Combine(dir, "query")), FeatureStore.Open(Path.Combine(dir, "video")),
            FeatureStore.Open(Path.Combine(dir, "sub")), FeatureOptions.Conquer);
        Assert.Equal(new ContextShape(4, 6, 5, 3), own.Shape("a"));
        using var batch = new BatchBuilder(own).Contexts(["a", "b"]);
        Assert.Equal(new float[] { 1, 1, 1, 1, 1, 1, 0, 0 }, batch.Mask.data<float>().ToArray());
        Assert.Equal(new float[] { 1, 1, 1, 0, 1, 1, 0, 0 }, batch.SubtitleMask!.data<float>().ToArray());
        Assert.Equal(0f, batch.Subtitle![0, 3].abs().sum().item<float>());
    }
}

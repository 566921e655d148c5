using Vcmr.Data;
using Vcmr.Runtime;

namespace Vcmr.Tests.Data;

public class TvrSynthTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly SynthOptions Tiny = new(TrainVideos: 6, ValVideos: 3, TestVideos: 2, VideoDim: 16, TextDim: 8);

    [Fact]
    public void TinyCorpusReadsBackThroughTheReaders()
    {
        TorchNative.EnsureLoaded();
        string dir = Directory.CreateTempSubdirectory("vcmr-synth").FullName;
        var corpus = TvrSynth.Generate(dir, Tiny);

        var index = VideoIndex.Read(corpus.VideoIndexPath);
        var train = TvrAnnotations.Read(corpus.Annotations("train"), index["train"]);
        var test = TvrAnnotations.Read(corpus.Annotations("test_public"));
        Assert.Equal(30, train.Count);
        Assert.Equal(15, TvrAnnotations.Read(corpus.Annotations("val"), index["val"]).Count);
        Assert.All(test, q => Assert.False(q.HasGroundTruth));
        Assert.All(train, q => Assert.InRange(q.End!.Value, q.Start!.Value, q.Duration!.Value));

        using var features = new TvrFeatureSet(FeatureStore.Open(corpus.QueryFeatures, 8),
            FeatureStore.Open(corpus.VideoFeatures, 16), FeatureStore.Open(corpus.SubtitleFeatures, 8));
        using var batch = new BatchBuilder(features).Training(train.Take(4).ToList());
        Assert.Equal(4, batch.Query.Features.shape[0]);
        Assert.True((batch.StartLabels <= batch.EndLabels).all().item<bool>());
        // Subtitle rows without speech are exactly zero and their stored mask says so.
        string vid = train[0].VidName!;
        var mask = features.Subtitle!.ReadMask(vid)!;
        var sub = features.Subtitle.Read(vid);
        for (int c = 0; c < sub.Rows; c++)
            if (mask[c] == 0) Assert.All(sub.Data.AsSpan(c * 8, 8).ToArray(), x => Assert.Equal(0f, x));
        Assert.Contains(0f, mask);
    }

    [Fact]
    public void QueriesShareConceptDirectionsWithTheirMoment()
    {
        string dir = Directory.CreateTempSubdirectory("vcmr-synth").FullName;
        var corpus = TvrSynth.Generate(dir, Tiny with { Noise = 0.1f, QueriesPerVideo = 20, TrainVideos = 2, ValVideos = 0, TestVideos = 0 });
        using var subs = FeatureStore.Open(corpus.SubtitleFeatures);
        using var queries = FeatureStore.Open(corpus.QueryFeatures);
        int checkedQueries = 0;
        foreach (var query in TvrAnnotations.Read(corpus.Annotations("train")).Where(q => q.Type != QueryType.V))
        {
            var q = queries.Read(query.DescId.ToString(System.Globalization.CultureInfo.InvariantCulture)).L2NormalizeRows();
            var s = subs.Read(query.VidName!).L2NormalizeRows();
            var mask = subs.ReadMask(query.VidName!)!;
            var (st, ed) = ClipLabels.FromSeconds(query.Start!.Value, query.End!.Value, s.Rows);
            int last = q.Rows - 1; // the last token is a word of the dialogue concept
            foreach (int clip in Enumerable.Range(st, ed - st + 1).Where(c => mask[c] == 1))
            {
                float cos = 0;
                for (int i = 0; i < 8; i++) cos += q.Data[last * 8 + i] * s.Data[clip * 8 + i];
                Assert.True(cos > 0.8f, $"desc_id {query.DescId} clip {clip}: cosine {cos}");
                checkedQueries++;
            }
        }
        Assert.True(checkedQueries > 0);
    }

    [Fact]
    public void SameOptionsAreDeterministicAndReused()
    {
        string a = Directory.CreateTempSubdirectory("vcmr-synth").FullName, b = Directory.CreateTempSubdirectory("vcmr-synth").FullName;
        var ca = TvrSynth.Generate(a, Tiny);
        TvrSynth.Generate(b, Tiny);
        Assert.Equal(File.ReadAllText(ca.Annotations("train")), File.ReadAllText(Path.Combine(b, "tvr_train_release.jsonl")));
        Assert.Equal(File.ReadAllBytes(ca.VideoFeatures), File.ReadAllBytes(Path.Combine(b, "video_feature.h5")));
        var written = File.GetLastWriteTimeUtc(ca.VideoFeatures);
        TvrSynth.Generate(a, Tiny);
        Assert.Equal(written, File.GetLastWriteTimeUtc(ca.VideoFeatures));
    }

    [Fact]
    public void StatisticsFollowTvrVal()
    {
        var options = Tiny with { TrainVideos = 0, ValVideos = 300, TestVideos = 0 };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var corpus = TvrSynth.Generate(Directory.CreateTempSubdirectory("vcmr-synth").FullName, options);
        var val = TvrAnnotations.Read(corpus.Annotations("val"));
        double duration = VideoIndex.Read(corpus.VideoIndexPath)["val"].Values.Average(v => v.Duration);
        double moment = val.Average(q => q.End!.Value - q.Start!.Value);
        double v = val.Count(q => q.Type == QueryType.V) / (double)val.Count, t = val.Count(q => q.Type == QueryType.T) / (double)val.Count;
        double words = val.Average(q => q.Desc.Split(' ').Length);
        output.WriteLine($"{val.Count} queries in {watch.ElapsedMilliseconds} ms: duration {duration:F1} s, moment {moment:F2} s, v {v:P1}, t {t:P1}, words {words:F1}");
        Assert.InRange(duration, 70, 82); // TVR val 75.7
        Assert.InRange(moment, 6.5, 12); // TVR val 9.2
        Assert.InRange(v, 0.69, 0.79); // TVR val 74.3%
        Assert.InRange(t, 0.05, 0.13); // TVR val 8.8%
        Assert.InRange(words, 8, 16); // TVR val 12.2
    }
}

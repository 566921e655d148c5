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
            // A speech clip carries the speaker's and the topic's directions: so does the sum of the speaker token and
            // the last token (a word of the topic).
            int last = q.Rows - 1, speaker = Array.FindIndex(query.Desc.Split(' '), w => SynthText.Speakers.Contains(w));
            var said = Enumerable.Range(0, 8).Select(i => q.Data[last * 8 + i] + q.Data[speaker * 8 + i]).ToArray();
            float norm = MathF.Sqrt(said.Sum(x => x * x));
            foreach (int clip in Enumerable.Range(st, ed - st + 1).Where(c => mask[c] == 1))
            {
                float cos = 0;
                for (int i = 0; i < 8; i++) cos += said[i] / norm * s.Data[clip * 8 + i];
                Assert.True(cos > 0.8f, $"desc_id {query.DescId} clip {clip}: cosine {cos}");
                checkedQueries++;
            }
        }
        Assert.True(checkedQueries > 0);
    }

    [Fact]
    public void SubtitleTextMatchesTheStoredMaskAndTheDialogueQueries()
    {
        var corpus = TvrSynth.Generate(Directory.CreateTempSubdirectory("vcmr-synth").FullName, Tiny);
        var subtitles = TvrSubtitles.Read(corpus.Subtitles);
        using var store = FeatureStore.Open(corpus.SubtitleFeatures);
        var index = VideoIndex.Read(corpus.VideoIndexPath);
        Assert.Equal(index.Splits.Sum(s => index[s].Count), subtitles.Count);
        foreach (var (vid, lines) in subtitles)
        {
            var mask = store.ReadMask(vid)!;
            Assert.Equal(mask, TvrSubtitles.ClipMask(lines, mask.Length)); // the reference's sentence-to-clip rule
            Assert.All(lines, l => Assert.Matches(@"^[A-Z][a-z]+ : ", l.Text));
        }
        int dialogueQueries = 0;
        foreach (var q in TvrAnnotations.Read(corpus.Annotations("train")).Where(q => q.Type != QueryType.V))
        {
            // A t/vt query names a speaker and ends with a topic; that speaker says it in a subtitle line inside the moment.
            string topic = q.Desc[(q.Desc.LastIndexOf(" about ", StringComparison.Ordinal) + 7)..].TrimEnd('.');
            string speaker = q.Desc.Split(' ').Single(w => SynthText.Speakers.Contains(w));
            var (st, ed) = ClipLabels.FromSeconds(q.Start!.Value, q.End!.Value, int.MaxValue);
            Assert.Contains(subtitles[q.VidName!], l => l.Text.StartsWith(speaker + " : ", StringComparison.Ordinal) && l.Text.Contains(topic)
                && l.Clips.First <= ed && l.Clips.EndExclusive > st);
            dialogueQueries++;
        }
        Assert.True(dialogueQueries > 0);
    }

    [Fact]
    public void TheReleaseLayoutOpensWithoutVideoNormalisation()
    {
        var synth = TvrSynth.Generate(Directory.CreateTempSubdirectory("vcmr-synth").FullName, Tiny with { TrainVideos = 2, ValVideos = 1, TestVideos = 0 });
        var release = new TvrRelease(Directory.CreateTempSubdirectory("vcmr-release").FullName);
        Assert.False(release.IsComplete);
        foreach (var (from, to) in new[] { (synth.Annotations("val"), release.Annotations("val")), (synth.VideoIndexPath, release.VideoIndexPath),
                     (synth.VideoFeatures, release.VideoFeatures), (synth.SubtitleFeatures, release.SubtitleFeatures), (synth.QueryFeatures, release.QueryFeatures) })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to);
        }
        Assert.True(release.IsComplete);
        Assert.EndsWith(Path.Combine("tvr_feature_release", "video_feature", "tvr_resnet152_rgb_max_i3d_rgb600_avg_cat_cl-1.5.h5"), release.VideoFeatures);

        using var real = TvrFeatureSet.Open(release);
        using var synthetic = TvrFeatureSet.Open(synth);
        string vid = VideoIndex.Read(release.VideoIndexPath)["val"].Keys.Single();
        Assert.False(real.Options.NormalizeVideo); // --no_norm_vfeat: the release's video file is normalised already
        Assert.Equal(real.Video!.Read(vid).Data, real.ReadContext(vid).Video!.Data);
        Assert.Equal(synthetic.ReadContext(vid).Subtitle!.Data, real.ReadContext(vid).Subtitle!.Data);
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

    private static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        double k = (sorted.Length - 1) * p / 100;
        int lo = (int)k, hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (k - lo);
    }

    [Fact]
    public void StatisticsFollowTvrVal()
    {
        var options = Tiny with { TrainVideos = 0, ValVideos = 300, TestVideos = 0 };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var corpus = TvrSynth.Generate(Directory.CreateTempSubdirectory("vcmr-synth").FullName, options);
        var val = TvrAnnotations.Read(corpus.Annotations("val"));
        var durations = VideoIndex.Read(corpus.VideoIndexPath)["val"].Values.Select(v => v.Duration).ToArray();
        var moments = val.Select(q => q.End!.Value - q.Start!.Value).ToArray();
        double Share(QueryType type) => val.Count(q => q.Type == type) / (double)val.Count;
        double words = val.Average(q => q.Desc.Split(' ').Length);
        int over100 = durations.Count(d => Math.Ceiling(d / ClipLabels.ClipLength) > 100);
        output.WriteLine($"{val.Count} queries in {watch.ElapsedMilliseconds} ms");
        output.WriteLine($"duration mean {durations.Average():F1} (TVR 75.7) median {Percentile(durations, 50):F1} (69.0) p95 {Percentile(durations, 95):F1} (96.0), {over100} videos > 100 clips (TVR val 14 of 2,179)");
        output.WriteLine($"moment mean {moments.Average():F2} (9.19) median {Percentile(moments, 50):F2} (5.06) p90 {Percentile(moments, 90):F2} (20.48)");
        output.WriteLine($"types v {Share(QueryType.V):P1} (74.3) vt {Share(QueryType.VT):P1} (16.8) t {Share(QueryType.T):P1} (8.8); words {words:F1} (12.2)");
        Assert.InRange(durations.Average(), 70, 82);
        Assert.InRange(Percentile(durations, 50), 64, 74);
        Assert.InRange(Percentile(durations, 95), 92, 104);
        Assert.InRange(over100, 1, 9); // TVR val: 0.64%, i.e. ~2 of 300
        Assert.InRange(moments.Average(), 7.5, 11);
        Assert.InRange(Percentile(moments, 50), 4.3, 5.9);
        Assert.InRange(Percentile(moments, 90), 17, 24);
        Assert.InRange(Share(QueryType.V), 0.70, 0.79);
        Assert.InRange(Share(QueryType.VT), 0.13, 0.21);
        Assert.InRange(Share(QueryType.T), 0.06, 0.12);
        Assert.InRange(words, 10.5, 14);
    }
}

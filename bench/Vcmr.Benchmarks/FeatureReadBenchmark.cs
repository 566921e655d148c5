using System.Diagnostics;
using Vcmr.Data;

namespace Vcmr.Benchmarks;

/// <summary>
/// Reads every video of a TVR-val-scale synthetic corpus (2,179 videos, 3072 / 768) through the feature stores and
/// compares the rate (ReadInto one reused buffer, and Read into new arrays) with a plain sequential FileStream read of the
/// same files. Both run on a warm page cache (the raw read goes once untimed first), so the comparison is of CPU cost,
/// not of the disk.
/// </summary>
public sealed class FeatureReadBenchmark : IBenchmark
{
    public string Name => "feature-read";
    public string Description => "FeatureStore reads of every val-scale video vs raw FileStream MB/s, peak RSS (args: videos=2179 dir=data/generated)";

    private const int Rounds = 7;

    // ReadContextInto's L2 normalisation: per value one multiply-add for the norm and one multiply to scale.
    private const int NormFlopsPerValue = 3;

    public IReadOnlyDictionary<string, object> Run(IReadOnlyList<string> args)
    {
        int videos = int.Parse(SynthWriteBenchmark.Arg(args, "videos", "2179"), System.Globalization.CultureInfo.InvariantCulture);
        string dir = Path.Combine(SynthWriteBenchmark.Arg(args, "dir", Path.Combine("data", "generated")), $"bench-val-{videos}");
        var corpus = TvrSynth.Generate(dir, new SynthOptions(TrainVideos: 0, ValVideos: videos, TestVideos: 0));
        var names = VideoIndex.Read(corpus.VideoIndexPath)["val"].Keys.ToList();
        string[] files = [corpus.VideoFeatures, corpus.SubtitleFeatures];

        RawRead(files);
        bool reset = SynthPeakRss.Reset();
        long baseline = SynthPeakRss.CurrentMegaBytes();
        // Open once, as training and inference keep the stores open for the run: the first pass also pays for the
        // key index and for parsing each dataset's header at its first read, later passes are the steady state.
        var open = Stopwatch.StartNew();
        using var videoStore = FeatureStore.Open(corpus.VideoFeatures);
        using var subStore = FeatureStore.Open(corpus.SubtitleFeatures);
        _ = (videoStore.Keys.Count, subStore.Keys.Count);
        double indexSeconds = open.Elapsed.TotalSeconds;
        var buffer = new float[names.Max(v => videoStore.Shape(v).Rows) * videoStore.Dim!.Value];
        long storeBytes = StorePass(videoStore, subStore, names, buffer);
        double firstPassSeconds = open.Elapsed.TotalSeconds;

        // Paired rounds: each raw pass is followed by a store pass, so both see the same machine load (the VM is
        // shared and its speed drifts over minutes); the ratio is the median of the rounds' ratios.
        long rawBytes = 0;
        var rounds = new List<(double Raw, double Store)>();
        for (int r = 0; r < Rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            rawBytes = RawRead(files);
            double rawSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            StorePass(videoStore, subStore, names, buffer);
            rounds.Add((rawBytes / 1e6 / rawSeconds, storeBytes / 1e6 / clock.Elapsed.TotalSeconds));
        }
        var ratios = rounds.Select(r => r.Store / r.Raw).Order().ToList();
        long peak = SynthPeakRss.MegaBytes();

        var watch = Stopwatch.StartNew();
        using (var video = FeatureStore.Open(corpus.VideoFeatures))
        using (var sub = FeatureStore.Open(corpus.SubtitleFeatures))
            foreach (string vid in names)
                _ = (video.Read(vid), sub.Read(vid));
        double allocatingSeconds = watch.Elapsed.TotalSeconds;

        // The loader path (truncation to max_ctx_l, x/(|x|+1e-5) per clip) into one reused buffer, as batches use it.
        watch.Restart();
        long values = 0;
        using (var features = TvrFeatureSet.Open(corpus))
        {
            var shapes = names.Select(features.Shape).ToList();
            var video = new float[shapes.Max(s => s.Clips * s.VideoDim)];
            var sub = new float[shapes.Max(s => s.Clips * s.SubtitleDim)];
            for (int i = 0; i < names.Count; i++)
            {
                var (clips, videoDim, subDim) = shapes[i];
                features.ReadContextInto(names[i], video.AsSpan(0, clips * videoDim), sub.AsSpan(0, clips * subDim));
                values += clips * (videoDim + subDim);
            }
        }
        double contextSeconds = watch.Elapsed.TotalSeconds;

        return new Dictionary<string, object>
        {
            ["videos"] = names.Count,
            ["cache"] = $"warm (files read once before timing; {Rounds} paired rounds, medians)",
            ["file_mb"] = rawBytes >> 20,
            ["raw_filestream_mb_s"] = Math.Round(Median(rounds.Select(r => r.Raw))),
            ["store_open_index_s"] = Math.Round(indexSeconds, 2),
            ["store_first_pass_incl_open_mb_s"] = Math.Round(storeBytes / 1e6 / firstPassSeconds),
            ["store_read_into_buffer_mb_s"] = Math.Round(Median(rounds.Select(r => r.Store))),
            ["store_vs_raw"] = Math.Round(Median(ratios), 2),
            ["store_vs_raw_min_max"] = $"{ratios[0]:F2}-{ratios[^1]:F2}",
            ["store_read_new_arrays_mb_s"] = Math.Round(storeBytes / 1e6 / allocatingSeconds),
            ["rss_mb_before_store_read"] = baseline,
            [reset ? "peak_rss_mb_during_store_read" : "peak_rss_mb_process"] = peak,
            ["context_read_into_buffer_mb_s_incl_open"] = Math.Round(4.0 * values / 1e6 / contextSeconds),
            ["context_norm_gflops"] = Math.Round(NormFlopsPerValue * values / 1e9 / contextSeconds, 2),
        };
    }

    // Reads the video and subtitle features of every video into one reused buffer, as a training or inference pass
    // does (the reference never reads the -mask keys).
    private static long StorePass(FeatureStore video, FeatureStore sub, List<string> names, float[] buffer)
    {
        long bytes = 0;
        foreach (string vid in names)
        {
            var (rows, cols) = video.ReadInto(vid, buffer);
            bytes += 4L * rows * cols;
            (rows, cols) = sub.ReadInto(vid, buffer);
            bytes += 4L * rows * cols;
        }
        return bytes;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static long RawRead(string[] files)
    {
        var buffer = new byte[1 << 20];
        long total = 0;
        foreach (string file in files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            int n;
            while ((n = stream.Read(buffer)) > 0) total += n;
        }
        return total;
    }
}

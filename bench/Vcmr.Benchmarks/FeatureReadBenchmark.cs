using System.Diagnostics;
using Vcmr.Data;

namespace Vcmr.Benchmarks;

/// <summary>
/// Reads every video of a TVR-val-scale synthetic corpus (2,179 videos, 3072 / 768) through the feature stores and
/// compares the rate (ReadInto one reused buffer, and Read into new arrays) with a plain sequential FileStream read of the same files. Both run on a warm page cache:
/// the raw read goes once untimed first, so the comparison is of CPU cost, not of the disk.
/// </summary>
public sealed class FeatureReadBenchmark : IBenchmark
{
    public string Name => "feature-read";
    public string Description => "FeatureStore reads of every val-scale video vs raw FileStream MB/s, peak RSS (args: videos=2179 dir=data/generated)";

    // ReadContextInto's L2 normalisation: per value one multiply-add for the norm and one multiply to scale.
    private const int NormFlopsPerValue = 3;

    public IReadOnlyDictionary<string, object> Run(IReadOnlyList<string> args)
    {
        int videos = int.Parse(SynthWriteBenchmark.Arg(args, "videos", "2179"), System.Globalization.CultureInfo.InvariantCulture);
        string dir = Path.Combine(SynthWriteBenchmark.Arg(args, "dir", Path.Combine("data", "generated")), $"bench-val-{videos}");
        var corpus = TvrSynth.Generate(dir, new SynthOptions(TrainVideos: 0, ValVideos: videos, TestVideos: 0));
        var names = VideoIndex.Read(corpus.VideoIndexPath)["val"].Keys.ToList();
        string[] files = [corpus.VideoFeatures, corpus.SubtitleFeatures];

        // Best of three for both rates: the machine is shared, and the first pass also pays for JIT and the page cache.
        RawRead(files);
        long rawBytes = 0;
        double rawSeconds = double.MaxValue;
        for (int r = 0; r < 3; r++)
        {
            var raw = Stopwatch.StartNew();
            rawBytes = RawRead(files);
            rawSeconds = Math.Min(rawSeconds, raw.Elapsed.TotalSeconds);
        }

        StorePass(corpus, names.Take(50).ToList());
        bool reset = SynthPeakRss.Reset();
        long baseline = SynthPeakRss.CurrentMegaBytes();
        long storeBytes = 0;
        double indexSeconds = double.MaxValue, readSeconds = double.MaxValue;
        for (int r = 0; r < 3; r++)
        {
            var (bytes, index, total) = StorePass(corpus, names);
            (storeBytes, indexSeconds, readSeconds) = (bytes, Math.Min(indexSeconds, index), Math.Min(readSeconds, total - index));
        }
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
            ["cache"] = "warm (files read once before timing; rates best of 3)",
            ["file_mb"] = rawBytes >> 20,
            ["raw_filestream_mb_s"] = Math.Round(rawBytes / 1e6 / rawSeconds),
            ["store_open_index_s"] = Math.Round(indexSeconds, 2),
            ["store_read_into_buffer_mb_s"] = Math.Round(storeBytes / 1e6 / readSeconds),
            ["store_vs_raw"] = Math.Round(storeBytes / readSeconds / (rawBytes / rawSeconds), 2),
            ["store_read_incl_open_mb_s"] = Math.Round(storeBytes / 1e6 / (indexSeconds + readSeconds)),
            ["store_read_new_arrays_mb_s"] = Math.Round(storeBytes / 1e6 / allocatingSeconds),
            ["rss_mb_before_store_read"] = baseline,
            [reset ? "peak_rss_mb_during_store_read" : "peak_rss_mb_process"] = peak,
            ["context_read_into_buffer_mb_s_incl_open"] = Math.Round(4.0 * values / 1e6 / contextSeconds),
            ["context_norm_gflops"] = Math.Round(NormFlopsPerValue * values / 1e9 / contextSeconds, 2),
        };
    }

    // Reads the video and subtitle features of every video into one reused buffer, as a training or inference pass
    // does (the reference never reads the -mask keys); the open-time key index is timed apart.
    private static (long Bytes, double IndexSeconds, double Seconds) StorePass(SynthCorpus corpus, List<string> names)
    {
        var watch = Stopwatch.StartNew();
        long bytes = 0;
        using var video = FeatureStore.Open(corpus.VideoFeatures);
        using var sub = FeatureStore.Open(corpus.SubtitleFeatures);
        _ = (video.Keys.Count, sub.Keys.Count);
        double indexSeconds = watch.Elapsed.TotalSeconds;
        var buffer = new float[names.Max(v => video.Shape(v).Rows) * video.Dim!.Value];
        foreach (string vid in names)
        {
            var (rows, cols) = video.ReadInto(vid, buffer);
            bytes += 4L * rows * cols;
            (rows, cols) = sub.ReadInto(vid, buffer);
            bytes += 4L * rows * cols;
        }
        return (bytes, indexSeconds, watch.Elapsed.TotalSeconds);
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

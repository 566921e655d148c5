using System.Diagnostics;
using Vcmr.Data;

namespace Vcmr.Benchmarks;

/// <summary>
/// Writes a synthetic corpus at the release's dimensions (3072 / 768 / 768) from scratch: time, bytes, peak RSS,
/// and the linear estimate for TVR scale (17,435 train + 2,179 val videos). Also times the default small corpus.
/// </summary>
public sealed class SynthWriteBenchmark : IBenchmark
{
    private const int TvrVideos = 17_435 + 2_179;

    public string Name => "synth-write";
    public string Description => "TvrSynth.Generate from scratch at 3072/768: s, MB/s, peak RSS, TVR-scale estimate (args: videos=2179 dir=data/generated)";

    public IReadOnlyDictionary<string, object> Run(IReadOnlyList<string> args)
    {
        int videos = int.Parse(Arg(args, "videos", "2179"), System.Globalization.CultureInfo.InvariantCulture);
        string root = Arg(args, "dir", Path.Combine("data", "generated"));

        var small = Time(Path.Combine(root, "bench-synth-default"), new SynthOptions());
        bool reset = SynthPeakRss.Reset();
        long baseline = SynthPeakRss.CurrentMegaBytes();
        var (seconds, bytes) = Time(Path.Combine(root, $"bench-val-{videos}"), new SynthOptions(TrainVideos: 0, ValVideos: videos, TestVideos: 0));
        long peak = SynthPeakRss.MegaBytes();
        return new Dictionary<string, object>
        {
            ["default_corpus_s"] = Math.Round(small.Seconds, 2),
            ["default_corpus_mb"] = small.Bytes >> 20,
            ["videos"] = videos,
            ["queries"] = videos * 5,
            ["write_s"] = Math.Round(seconds, 1),
            ["written_mb"] = bytes >> 20,
            ["write_mb_s"] = Math.Round(bytes / 1e6 / seconds, 1),
            ["rss_mb_before_write"] = baseline,
            [reset ? "peak_rss_mb_during_write" : "peak_rss_mb_process"] = peak,
            ["tvr_scale_estimate_s"] = Math.Round(seconds * TvrVideos / videos),
            ["tvr_scale_estimate_gb"] = Math.Round(bytes * (double)TvrVideos / videos / 1e9, 1),
        };
    }

    // Generates into a fresh folder (a cached corpus would be reused, not written) and returns time and bytes on disk.
    private static (double Seconds, long Bytes) Time(string dir, SynthOptions options)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        var watch = Stopwatch.StartNew();
        TvrSynth.Generate(dir, options);
        double seconds = watch.Elapsed.TotalSeconds;
        return (seconds, new DirectoryInfo(dir).GetFiles().Sum(f => f.Length));
    }

    internal static string Arg(IReadOnlyList<string> args, string name, string fallback) =>
        args.FirstOrDefault(a => a.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..] ?? fallback;
}

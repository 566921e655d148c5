using System.Diagnostics;
using Vcmr.Data;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Models.Baselines.Cal;
using Vcmr.Models.Baselines.Excl;
using Vcmr.Models.Baselines.Mee;
using Vcmr.Models.Xml;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Benchmarks;

/// <summary>
/// Corpus inference of the TVR baselines with random features at TVR val scale, beside XML in the same process: MEE
/// (one product per query and video), CAL over every proposal of every video, MEE+ExCL (ExCL on MEE's top 100 of each
/// query), XML; then CAL and XML on growing corpora. Video durations are TVR val's (../shared/data/tvr) when present,
/// so proposal and clip counts are the real ones.
/// </summary>
public sealed class BaselinesInferenceBenchmark : IBenchmark
{
    public string Name => "baselines-inference";
    public string Description => "MEE, CAL (every proposal), MEE+ExCL and XML corpus inference, random features, and CAL vs XML as the corpus grows (args: queries=10895 videos=2179 exclQueries=1000 scalingQueries=2000)";

    private const int Block = 64, MaxClips = 190, QueryTokens = 30;

    public IReadOnlyDictionary<string, object> Run(IReadOnlyList<string> args)
    {
        int Arg(int i, int fallback) => args.Count > i ? int.Parse(args[i]) : fallback;
        int nq = Arg(0, 10_895), nv = Arg(1, 2_179), exclQueries = Math.Min(Arg(2, 1_000), nq), scalingQueries = Math.Min(Arg(3, 2_000), nq);
        double floor = GemmFloor.MeasureGflops();
        var durations = Durations(nv);
        var result = new Dictionary<string, object>
        {
            ["queries"] = nq, ["videos"] = nv, ["gemm_floor_gflops"] = floor,
            ["durations"] = durations.Source, ["mean_duration_s"] = Math.Round(durations.Values.Average(), 1),
        };
        Seeding.Seed(2018);
        // one random block handed out again under new names: generating gigabytes of random input would dominate
        using var video = randn(Block, MaxClips, 3072);
        using var subtitle = randn(Block, MaxClips, 768);
        var corpus = new Corpus(durations.Values, video, subtitle);

        using var mee = Eval(new MeeModel(MeeConfig.Paper));
        var meeRun = Time(() => new VcmrPipelineRetrieval(mee).Run(corpus, nq), "MEE", result);
        result["MEE % of floor (video retrieval)"] = Percent(2 * 2.0 * nq * (double)nv * 256, meeRun.Profile, "video retrieval", floor);

        using var cal = Eval(new CalModel(CalConfig.Paper));
        var calRun = Time(() => Pipeline(new VcmrPipeline(RetrieverStage.EveryVideo, LocalizerStage.From(cal), CorpusInferenceOptions.Cal),
            corpus.Full(), nq), "CAL", result);
        long proposals = durations.Values.Sum(d => (long)CalConfig.Paper.Proposals.ForInference(d, CalConfig.Paper.MaxProposals).Count);
        result["CAL proposals"] = proposals;
        result["CAL % of floor (moment ranking)"] = Percent(2 * 2.0 * nq * (double)proposals * 256, calRun.Profile, "moment ranking", floor);

        using var excl = Eval(new ExclModel(ExclConfig.Paper));
        var candidates = meeRun.Candidates;
        var exclRun = Time(() => Pipeline(new VcmrPipeline(RetrieverStage.From(candidates), LocalizerStage.From(excl), CorpusInferenceOptions.Excl),
            corpus.Truncated(), exclQueries), "MEE+ExCL", result);
        double clipsPerPair = candidates.DescIds.Take(exclQueries).SelectMany(id => candidates[id]).Average(c => Math.Min(100, Math.Ceiling(durations.Values[c.VideoIdx] / 1.5)));
        // per (query, video) pair and stream: both directions' recurrence (64 x 256) and the start/end MLPs' clip part (128 x 128)
        double exclFlops = exclQueries * 100.0 * 2 * clipsPerPair * 2 * (2 * 64 * 256 + 2 * 128 * 128);
        result["MEE+ExCL % of floor (start/end probabilities)"] = Percent(exclFlops, exclRun.Profile, "start/end probabilities", floor);
        result["MEE+ExCL seconds per query"] = Math.Round(exclRun.Seconds / exclQueries, 4);
        result[$"MEE+ExCL s, extrapolated to {nq} queries"] = Math.Round(meeRun.Seconds + (exclRun.Seconds - exclRun.Profile.Seconds.GetValueOrDefault("encode corpus")) * nq / exclQueries
            + exclRun.Profile.Seconds.GetValueOrDefault("encode corpus"), 1);

        using var xml = Eval(new XmlModel(XmlConfig.Paper));
        Time(() => Pipeline(VcmrPipeline.For(xml), corpus.Truncated(), nq), "XML", result);

        // how each grows with the corpus, at a fixed number of queries
        foreach (int size in new[] { nv / 4, nv / 2, nv })
        {
            var part = new Corpus(durations.Values.Take(size).ToArray(), video, subtitle);
            Time(() => Pipeline(new VcmrPipeline(RetrieverStage.EveryVideo, LocalizerStage.From(cal), CorpusInferenceOptions.Cal), part.Full(), scalingQueries),
                $"scaling {scalingQueries} queries x {size} videos: CAL", result);
            Time(() => Pipeline(VcmrPipeline.For(xml), part.Truncated(), scalingQueries), $"scaling {scalingQueries} queries x {size} videos: XML", result);
        }
        result["peak_rss_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 >> 20;
        return result;
    }

    private static T Eval<T>(T model) where T : nn.Module
    {
        model.eval();
        return model;
    }

    private sealed record Timed(double Seconds, InferenceProfile Profile, VideoCandidates Candidates);

    private static Timed Time(Func<Timed> run, string name, Dictionary<string, object> result)
    {
        var timed = run();
        result[$"{name} s"] = Math.Round(timed.Seconds, 2);
        foreach (var (stage, seconds) in timed.Profile.Seconds) result[$"{name}: {stage} s"] = Math.Round(seconds, 2);
        Console.WriteLine($"{name}: {timed.Seconds:F1} s");
        return timed;
    }

    private static double Percent(double flops, InferenceProfile profile, string stage, double floor) =>
        Math.Round(100 * flops / profile.Seconds[stage] / 1e9 / floor, 1);

    private static Timed Pipeline(VcmrPipeline pipeline, VideoCorpus corpus, int nq)
    {
        var profile = new InferenceProfile();
        var clock = Stopwatch.StartNew();
        var queries = Enumerable.Range(0, nq).ToDictionary(i => i, i => new InferenceQuery(i, $"q{i}", corpus.VidNames[i % corpus.Count]));
        pipeline.Run(corpus, Queries(nq, pipeline.Options.QueryBatchSize), queries, corpus.VidNames.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i), profile);
        return new Timed(clock.Elapsed.TotalSeconds, profile, null!);
    }

    private static IEnumerable<QueryBatch> Queries(int nq, int batch)
    {
        for (int s = 0; s < nq; s += batch)
        {
            int n = Math.Min(batch, nq - s);
            yield return new QueryBatch(Enumerable.Range(s, n).ToList(), randn(n, QueryTokens, 768), ones(n, QueryTokens));
        }
    }

    /// <summary>MEE's first stage alone: its top-100 lists (which MEE+ExCL reads) and its time.</summary>
    private sealed class VcmrPipelineRetrieval(MeeModel mee)
    {
        public Timed Run(Corpus corpus, int nq)
        {
            var profile = new InferenceProfile();
            var clock = Stopwatch.StartNew();
            var truncated = corpus.Truncated();
            var candidates = RetrieverStage.From(mee).Retrieve(truncated, Queries(nq, 2000),
                truncated.VidNames.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i), 100, profile);
            return new Timed(clock.Elapsed.TotalSeconds, profile, candidates);
        }
    }

    /// <summary>A corpus of random clips with given durations: truncated to 100 clips (XML, MEE, ExCL) or whole (CAL).</summary>
    private sealed class Corpus(double[] durations, Tensor video, Tensor subtitle)
    {
        private readonly List<string> _names = Enumerable.Range(0, durations.Length).Select(i => $"v{i}").ToList();

        public VideoCorpus Truncated() => Make(100);
        public VideoCorpus Full() => Make(MaxClips);

        private VideoCorpus Make(int maxClips)
        {
            IEnumerable<ContextBatch> Batches()
            {
                for (int s = 0; s < durations.Length; s += Block)
                {
                    int n = Math.Min(Block, durations.Length - s);
                    var clips = Enumerable.Range(s, n).Select(i => Math.Min(maxClips, (int)Math.Ceiling(durations[i] / 1.5))).ToArray();
                    int l = clips.Max();
                    var mask = (arange(l).unsqueeze(0) < tensor(clips.Select(c => (long)c).ToArray()).unsqueeze(1)).to(float32);
                    yield return new ContextBatch(_names.GetRange(s, n), video.narrow(0, 0, n).narrow(1, 0, l) * mask.unsqueeze(2),
                        subtitle.narrow(0, 0, n).narrow(1, 0, l) * mask.unsqueeze(2), mask);
                }
            }
            return new VideoCorpus(_names, Batches, durations: durations);
        }
    }

    /// <summary>TVR val's durations (video2dur, in video_idx order), repeated or cut to <paramref name="n"/>; a seeded
    /// stand-in with TVR's mean when the annotations are absent.</summary>
    private static (double[] Values, string Source) Durations(int n)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root.Parent != null && !File.Exists(Path.Combine(root.FullName, "Vcmr.Notebooks.sln"))) root = root.Parent;
        string path = Path.Combine(root.FullName, "..", "shared", "data", "tvr", "tvr_video2dur_idx.json");
        if (File.Exists(path))
        {
            var val = VideoIndex.Read(path)["val"].Values.OrderBy(v => v.Index).Select(v => v.Duration).ToArray();
            return (Enumerable.Range(0, n).Select(i => val[i % val.Length]).ToArray(), "TVR val (video2dur)");
        }
        var rng = Seeding.Rng(2018, "durations");
        return (Enumerable.Range(0, n).Select(_ => 30 + rng.NextDouble() * 92).ToArray(), "uniform 30-122 s (TVR val absent)");
    }
}

using Vcmr.Data;
using Vcmr.Evaluation;
using Vcmr.Inference;

namespace Vcmr.Tests.Evaluation;

/// <summary>Invariants on seeded random submissions, and the oracle / never-hit submissions on the real val split.</summary>
public class TvrMetricsPropertyTests
{
    private static readonly Dictionary<string, int> Video2Idx = Enumerable.Range(0, 6).ToDictionary(i => $"v{i}", i => 100 + i);

    private static List<TvrQuery> RandomGt(Random rng, int n) => Enumerable.Range(0, n).Select(i =>
    {
        double st = Math.Round(rng.NextDouble() * 40, 2);
        return new TvrQuery(i, $"q{i}", $"v{rng.Next(6)}", 60, st, st + Math.Round(1 + rng.NextDouble() * 15, 2), (QueryType)rng.Next(3));
    }).ToList();

    // Predictions near the GT (often overlapping, sometimes on another video) so every metric lands strictly between 0 and 100.
    private static List<QueryPredictions> RandomPredictions(Random rng, IReadOnlyList<TvrQuery> gt, int n) => gt.Select(q =>
        new QueryPredictions(q.DescId, q.Desc, Enumerable.Range(0, n).Select(_ =>
        {
            int video = rng.Next(3) == 0 ? 100 + rng.Next(6) : Video2Idx[q.VidName!];
            double st = Math.Max(0, q.Start!.Value + rng.NextDouble() * 16 - 8);
            return new Prediction(video, st, st + 1 + rng.NextDouble() * 15, rng.NextDouble());
        }).ToList())).ToList();

    private static TvrEvalResult Evaluate(IReadOnlyList<TvrQuery> gt, IReadOnlyList<QueryPredictions> moments, IReadOnlyList<QueryPredictions> vr) =>
        TvrMetrics.Evaluate(new Submission(Video2Idx, moments, moments, vr), gt);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RecallIsMonotoneInKAndInTheThreshold(int seed)
    {
        var rng = new Random(seed);
        var gt = RandomGt(rng, 300);
        var r = Evaluate(gt, RandomPredictions(rng, gt, 120), RandomPredictions(rng, gt, 30));
        foreach (string task in new[] { "VCMR", "SVMR" })
            for (int i = 0; i < TvrMetrics.TopKs.Length; i++)
            {
                string k = $"r{TvrMetrics.TopKs[i]}";
                Assert.True(r[task][$"0.5-{k}"] >= r[task][$"0.7-{k}"], $"{task} {k}: 0.5 below 0.7");
                if (i > 0) Assert.True(r[task][$"0.5-{k}"] >= r[task][$"0.5-r{TvrMetrics.TopKs[i - 1]}"], $"{task} {k} below the smaller k");
            }
        for (int i = 1; i < TvrMetrics.TopKs.Length; i++)
            Assert.True(r["VR"][$"r{TvrMetrics.TopKs[i]}"] >= r["VR"][$"r{TvrMetrics.TopKs[i - 1]}"]);
        Assert.InRange(r["VCMR"]["0.5-r1"], 0.01, 99.99); // the property is not vacuous
        Assert.True(r["SVMR"]["0.5-r1"] >= r["VCMR"]["0.5-r1"]); // SVMR skips other videos, so it can only gain
    }

    [Fact]
    public void QueryOrderDoesNotMatter()
    {
        var rng = new Random(7);
        var gt = RandomGt(rng, 200);
        var moments = RandomPredictions(rng, gt, 50);
        var vr = RandomPredictions(rng, gt, 20);
        var shuffledGt = gt.OrderBy(_ => rng.Next()).ToList();
        var shuffledMoments = moments.OrderBy(_ => rng.Next()).ToList();
        Assert.Equal(Evaluate(gt, moments, vr).ToJson(), Evaluate(shuffledGt, shuffledMoments, vr.OrderBy(_ => rng.Next()).ToList()).ToJson());
    }

    [SkippableFact]
    public void ValOracleScores100AndNeverHitScores0()
    {
        Skip.If(RepoPaths.SharedTvr is null, "../shared/data/tvr is absent");
        string dir = RepoPaths.SharedTvr!;
        var video2Idx = VideoIndex.Read(Path.Combine(dir, "tvr_video2dur_idx.json")).Video2Idx("val");
        var gt = TvrAnnotations.Read(Path.Combine(dir, "tvr_val_release.jsonl"));
        Assert.Equal(10_895, gt.Count);
        var rng = new Random(11);
        var oracle = new List<QueryPredictions>();
        var oracleVr = new List<QueryPredictions>();
        var never = new List<QueryPredictions>();
        foreach (var q in gt)
        {
            int video = video2Idx[q.VidName!];
            // 99 random moments after the GT moment; "never" puts all 100 on a video that is not the GT's.
            var rest = Enumerable.Range(0, 99).Select(_ => new Prediction(19614 + rng.Next(2179), rng.NextDouble() * 50, 60, 0)).ToList();
            oracle.Add(new(q.DescId, q.Desc, [new(video, q.Start!.Value, q.End!.Value, 0), .. rest]));
            oracleVr.Add(new(q.DescId, q.Desc, [new(video, 0, 0, 0), .. rest]));
            never.Add(new(q.DescId, q.Desc, Enumerable.Repeat(new Prediction(video == 0 ? 1 : 0, q.Start!.Value, q.End!.Value, 0), 100).ToList()));
        }
        var best = TvrMetrics.Evaluate(new Submission(video2Idx, oracle, oracle, oracleVr), gt);
        foreach (var table in best.Tables)
            Assert.All(table.Values, kv => Assert.Equal(100.0, kv.Value));
        Assert.Equal("v 74.32 t 8.85 vt 16.83", best["VCMR_by_type"].DescTypeRatio);
        var worst = TvrMetrics.Evaluate(new Submission(video2Idx, never, never, never), gt);
        foreach (var table in worst.Tables)
            Assert.All(table.Values, kv => Assert.Equal(0.0, kv.Value));
    }
}

using Vcmr.Data;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Models.Xml;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Tests.Inference;

public class VcmrPipelineTests
{
    /// <summary>XML over 20-clip videos of 12-wide video and 8-wide text features (other pipeline tests reuse it).</summary>
    internal static readonly XmlConfig Tiny = XmlConfig.Paper with
    {
        VisualDim = 12, TextDim = 8, HiddenSize = 16, Heads = 2, MaxContextLength = 20, MaxQueryLength = 6,
    };

    /// <summary>A corpus of the given batches (handed out as aliases, so a test can read them again).</summary>
    internal static VideoCorpus Corpus(params ContextBatch[] batches) => new(batches.SelectMany(b => b.VidNames).ToList(),
        () => batches.Select(b => b with { Video = b.Video?.alias(), Subtitle = b.Subtitle?.alias(), Mask = b.Mask.alias() }),
        names => new ContextBatch(names, cat(names.Select(n => Row(batches, n, b => b.Video!)).ToArray(), 0),
            cat(names.Select(n => Row(batches, n, b => b.Subtitle!)).ToArray(), 0), cat(names.Select(n => Row(batches, n, b => b.Mask)).ToArray(), 0)));

    private static Tensor Row(ContextBatch[] batches, string name, Func<ContextBatch, Tensor> pick)
    {
        var b = batches.First(b => b.VidNames.Contains(name));
        return pick(b)[b.VidNames.ToList().IndexOf(name)].unsqueeze(0);
    }

    internal static ContextBatch Videos(int first, int n, int l) => new(
        Enumerable.Range(first, n).Select(i => $"v{i}").ToList(), randn(n, l, 12), randn(n, l, 8),
        (arange(l).unsqueeze(0) < tensor(Enumerable.Range(0, n).Select(i => (long)(l - i % 3 * 4)).ToArray()).unsqueeze(1)).to(float32));

    [Fact]
    public void ACorpusInBatchesOfDifferentWidthsIndexesAsEachBatchAlone()
    {
        // corpus batches are padded to their own longest video: the index widens the shorter ones
        Seeding.Seed(13);
        using var model = new XmlModel(Tiny);
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (wide, narrow) = (Videos(0, 4, 20), Videos(4, 3, 14));
        var index = model.IndexCorpus(Corpus(wide, narrow));
        Assert.Equal([7L, 20], index.Mask.shape);
        var alone = model.IndexCorpus(Corpus(narrow));
        var qb = new QueryBatch(new[] { 1, 2 }, randn(2, 6, 8), ones(2, 6));
        using var encoded = model.EncodeQueries(qb);
        Assert.True(model.ScoreVideos(encoded, index).narrow(1, 4, 3).allclose(model.ScoreVideos(encoded, alone), 1e-5, 1e-6));
        var (st, _) = model.Localize(encoded, index, tensor(new long[,] { { 4, 6 }, { 5, 4 } })).Probabilities();
        var (stAlone, _) = model.Localize(encoded, alone, tensor(new long[,] { { 0, 2 }, { 1, 0 } })).Probabilities();
        Assert.True(st.narrow(2, 0, 14).allclose(stAlone, 1e-5, 1e-6));
        Assert.Equal(0, st.narrow(2, 14, 6).abs().max().item<float>());
    }

    [Fact]
    public void TopVideoSpanSearchEqualsBruteForceOverAllVideos()
    {
        Seeding.Seed(11);
        using var model = new XmlModel(Tiny);
        model.eval();
        using var scope = NewDisposeScope();
        // inference disposes the batches it is given: the corpus hands out aliases so the brute force can read them again
        var corpus = Corpus(Videos(0, 4, 20), Videos(4, 3, 20));
        var queryFeatures = randn(3, 6, 8);
        var qb = new QueryBatch(new[] { 10, 11, 12 }, queryFeatures.alias(), ones(3, 6));
        var queries = new Dictionary<int, InferenceQuery>
        {
            [10] = new(10, "a", "v5"), [11] = new(11, "b", null), [12] = new(12, "c", "v0"),
        };
        var video2idx = Enumerable.Range(0, 7).ToDictionary(i => $"v{i}", i => 100 + i);
        var options = CorpusInferenceOptions.Tvr with { TopVideos = 3, MaxBeforeNms = 50, MaxPredictions = 20 };
        var sub = VcmrPipeline.For(model, options).Run(corpus, new[] { qb with { Features = queryFeatures.alias(), Mask = qb.Mask.alias() } }, queries, video2idx);

        // brute force: every span of every video, restricted afterwards to the 3 best videos
        using var noGrad = no_grad();
        var index = model.IndexCorpus(corpus);
        using var encoded = model.EncodeQueries(qb);
        var scores = exp(model.ScoreVideos(encoded, index) * 20).data<float>().ToArray();
        var all = arange(7).unsqueeze(0).expand(3, 7).contiguous();
        var (st, ed) = model.Localize(encoded, index, all).Probabilities();
        var mask = index.Mask;
        for (int q = 0; q < 3; q++)
        {
            var best = Enumerable.Range(0, 7).OrderByDescending(v => scores[q * 7 + v]).Take(3).ToHashSet();
            var expected = new List<(int V, int I, int J, double S)>();
            foreach (int v in best)
                for (int i = 0; i < 20; i++)
                    for (int j = i + 2; j < Math.Min(20, i + 16); j++)
                        expected.Add((v, i, j, st[q, v, i].item<float>() * scores[q * 7 + v] * ed[q, v, j].item<float>()));
            var top = expected.OrderByDescending(e => e.S).Take(50).ToList();
            var got = sub.Vcmr![q].Predictions;
            Assert.Equal(50, got.Count);
            for (int t = 0; t < 50; t++)
            {
                Assert.Equal(top[t].S, got[t].Score, top[t].S * 1e-4);
                Assert.Equal(100 + top[t].V, got[t].VideoIdx);
                Assert.Equal(top[t].I * 1.5, got[t].Start, 6);
                Assert.Equal(top[t].J * 1.5 + 1.5, got[t].End, 6);
                Assert.True(mask[top[t].V, top[t].J].item<float>() == 1); // padding has probability 0
            }
            Assert.Equal(best.Select(v => 100 + v).OrderBy(x => x), sub.Vr![q].Predictions.Select(p => p.VideoIdx).OrderBy(x => x));
        }
        // SVMR only where the ground truth is known, on that video, scored P_st * P_ed
        Assert.Equal(new[] { 10, 12 }, sub.Svmr!.Select(p => p.DescId));
        Assert.All(sub.Svmr![0].Predictions, p => Assert.Equal(105, p.VideoIdx));
        var p0 = sub.Svmr![0].Predictions[0];
        int i0 = (int)(p0.Start / 1.5), j0 = (int)(p0.End / 1.5) - 1;
        Assert.Equal(st[0, 5, i0].item<float>() * ed[0, 5, j0].item<float>(), p0.Score, 1e-6);
        Assert.All(VcmrPipeline.Cut(sub, 20).Vcmr!, q => Assert.Equal(20, q.Predictions.Count));
        index.Dispose();
    }

    [Fact]
    public void InferenceLeavesNoTensorAlive()
    {
        // Every batch's tensors live in a dispose scope and the inputs are disposed once used: after a run over
        // several context and query batches, no tensor created during it is left (TorchSharp's per-thread count).
        Seeding.Seed(12);
        using var model = new XmlModel(Tiny);
        model.eval();
        var stats = TorchSharp.DisposeScopeManager.Statistics;
        stats.Reset();
        ContextBatch[] corpus;
        QueryBatch[] batches;
        using (NewDisposeScope()) // the inputs outlive it, the helpers' intermediates do not
        {
            corpus = [Videos(0, 4, 20), Videos(4, 3, 20)];
            batches = [new QueryBatch([0, 1, 2], randn(3, 6, 8), ones(3, 6)), new QueryBatch([3, 4, 5], randn(3, 6, 8), ones(3, 6))];
            foreach (var t in corpus.SelectMany(b => new[] { b.Video!, b.Subtitle!, b.Mask }).Concat(batches.SelectMany(b => new[] { b.Features, b.Mask })))
                t.MoveToOuterDisposeScope();
        }
        var queries = Enumerable.Range(0, 6).ToDictionary(i => i, i => new InferenceQuery(i, $"q{i}", $"v{i}"));
        var sub = VcmrPipeline.For(model, CorpusInferenceOptions.Tvr with { TopVideos = 3 }).Run(
            new VideoCorpus(corpus.SelectMany(b => b.VidNames).ToList(), () => corpus), batches, queries, Enumerable.Range(0, 7).ToDictionary(i => $"v{i}", i => i));
        Assert.Equal(6, sub.Vcmr!.Count);
        Assert.True(stats.ThreadTotalLiveCount == 0, stats.ToString());
    }

    [Fact]
    public void SpanSearchReturnsExactlyTheSpansFromMinToBelowMaxLengthBestFirst()
    {
        // one query, two videos of 6 clips; video 1 has only 5 real clips (its last probabilities are 0)
        using var st = tensor(new float[] { 0.1f, 0.2f, 0.3f, 0.1f, 0.2f, 0.1f, 0.4f, 0.1f, 0.2f, 0.2f, 0.1f, 0 }).view(1, 2, 6);
        using var ed = tensor(new float[] { 0.3f, 0.1f, 0.1f, 0.2f, 0.1f, 0.2f, 0.1f, 0.3f, 0.1f, 0.2f, 0.3f, 0 }).view(1, 2, 6);
        using var video = tensor(new float[] { 1f, 2f }).view(1, 2);
        var spans = SpanSearch.Top(new SpanScores(st, ed, video), CorpusInferenceOptions.Tvr with { MinSpan = 2, MaxSpan = 4, MaxBeforeNms = 100 })[0];
        var expected = new List<(int, int, int, float)>();
        for (int v = 0; v < 2; v++)
            for (int i = 0; i < 6; i++)
                for (int j = i + 2; j < Math.Min(6, i + 4); j++)
                {
                    float score = st[0, v, i].item<float>() * video[0, v].item<float>() * ed[0, v, j].item<float>();
                    if (score > 0) expected.Add((v, i, j, score));
                }
        Assert.Equal(expected.Count, spans.Count); // 7 spans on video 0, 5 on video 1 (j = 5 is padding)
        Assert.Equal(expected.OrderByDescending(e => e.Item4).Select(e => e.Item4), spans.Select(s => s.Score));
        Assert.All(spans, s => Assert.Contains((s.Slot, s.Start, s.End, s.Score), expected));
    }

    [Fact]
    public void SpanSearchTakesEverySpanWhenTheWindowIsLongerThanTheVideos()
    {
        // CONQUER's window (0..24 clips) over 4-clip videos, two queries of three candidates: every span i <= j counts
        var rng = new Random(3);
        using var st = tensor(Enumerable.Range(0, 24).Select(_ => (float)rng.NextDouble()).ToArray()).view(2, 3, 4);
        using var ed = tensor(Enumerable.Range(0, 24).Select(_ => (float)rng.NextDouble()).ToArray()).view(2, 3, 4);
        using var video = ones(2, 3);
        var top = SpanSearch.Top(new SpanScores(st, ed, video), CorpusInferenceOptions.Conquer with { MaxBeforeNms = 200 });
        for (int q = 0; q < 2; q++)
        {
            var expected = (from v in Enumerable.Range(0, 3) from i in Enumerable.Range(0, 4) from j in Enumerable.Range(i, 4 - i)
                            select st[q, v, i].item<float>() * ed[q, v, j].item<float>()).OrderByDescending(x => x).ToList();
            Assert.Equal(expected, top[q].Select(s => s.Score));
        }
    }

    [Fact]
    public void AVideoMissingFromVideo2IdxIsNamed()
    {
        using var model = new XmlModel(Tiny);
        using var scope = NewDisposeScope();
        var e = Assert.Throws<KeyNotFoundException>(() => VcmrPipeline.For(model).Run(Corpus(Videos(0, 2, 20)),
            Array.Empty<QueryBatch>(), new Dictionary<int, InferenceQuery>(), new Dictionary<string, int> { ["v0"] = 0 }));
        Assert.Contains("v1", e.Message);
    }
}

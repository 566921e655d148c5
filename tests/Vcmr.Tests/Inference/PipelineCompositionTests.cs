using Vcmr.Data;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Models.Xml;
using Vcmr.Runtime;
using Vcmr.Tests.Models;
using static TorchSharp.torch;

namespace Vcmr.Tests.Inference;

/// <summary>Stages composed in other ways than XML's one network: first-stage results as data, another localizer over
/// XML's retriever, and the encode-once sharing of a model that serves both stages.</summary>
public class PipelineCompositionTests
{
    private static readonly CorpusInferenceOptions Options = CorpusInferenceOptions.Tvr with { TopVideos = 3, MaxBeforeNms = 50, MaxPredictions = 20 };
    private static readonly Dictionary<string, int> Video2Idx = Enumerable.Range(0, 7).ToDictionary(i => $"v{i}", i => 100 + i);
    private static readonly Dictionary<int, InferenceQuery> Queries = new()
    {
        [10] = new(10, "a", "v5"), [11] = new(11, "b", null), [12] = new(12, "c", "v0"), [13] = new(13, "d", "v3"),
    };

    private sealed record Setup(XmlModel Xml, VideoCorpus Corpus, Tensor QueryFeatures, Tensor QueryMask) : IDisposable
    {
        /// <summary>Fresh query batches over the same features (a run disposes what it is given).</summary>
        public QueryBatch[] Batches() =>
            [new([10, 11], QueryFeatures[..2].alias(), QueryMask[..2].alias()), new([12, 13], QueryFeatures[2..].alias(), QueryMask[2..].alias())];

        public void Dispose() => Xml.Dispose();
    }

    private static Setup Make()
    {
        Seeding.Seed(21);
        var xml = new XmlModel(VcmrPipelineTests.Tiny);
        xml.eval();
        var corpus = VcmrPipelineTests.Corpus(VcmrPipelineTests.Videos(0, 4, 20), VcmrPipelineTests.Videos(4, 3, 20));
        var mask = ones(4, 6);
        mask[1, 4..] = zeros(2);
        return new Setup(xml, corpus, randn(4, 6, 8), mask);
    }

    private static void AssertSameLists(IReadOnlyList<QueryPredictions>? expected, IReadOnlyList<QueryPredictions>? actual)
    {
        Assert.Equal(expected!.Count, actual!.Count);
        for (int q = 0; q < expected.Count; q++)
        {
            Assert.Equal(expected[q].DescId, actual[q].DescId);
            Assert.Equal(expected[q].Predictions, actual[q].Predictions);
        }
    }

    [Fact]
    public void FirstStageResultsAsDataGiveTheSameSubmissionAsTheOneNetworkPipeline()
    {
        using var scope = NewDisposeScope();
        using var s = Make();
        var direct = VcmrPipeline.For(s.Xml, Options).Run(s.Corpus, s.Batches(), Queries, Video2Idx);
        // the retriever's raw scores (cosines), fused as XML fuses them
        var candidates = RetrieverStage.From(s.Xml).Retrieve(s.Corpus, s.Batches(), Video2Idx, topK: 3);
        Assert.Equal(4, candidates.Count);
        var fromCandidates = new VcmrPipeline(RetrieverStage.From(candidates), LocalizerStage.From(s.Xml), Options)
            .Run(s.Corpus, s.Batches(), Queries, Video2Idx);
        AssertSameLists(direct.Vcmr, fromCandidates.Vcmr);
        AssertSameLists(direct.Svmr, fromCandidates.Svmr);
        AssertSameLists(direct.Vr, fromCandidates.Vr);
        // a submission's VR list holds exp(20 cos): used as given (CONQUER's general fusion) it ranks the same spans
        var fromSubmission = new VcmrPipeline(RetrieverStage.From(VideoCandidates.FromSubmission(direct, "direct")), LocalizerStage.From(s.Xml),
            Options with { Fusion = ScoreFusion.ConquerGeneral }).Run(s.Corpus, s.Batches(), Queries, Video2Idx);
        AssertSameLists(direct.Vcmr, fromSubmission.Vcmr);
    }

    [SkippableFact]
    public void ARanklistSavedAndReadBackDrivesTheSameSecondStage()
    {
        try
        {
            LmdbNative.EnsureLoaded();
        }
        catch (DllNotFoundException e)
        {
            Skip.If(true, e.Message);
        }
        using var scope = NewDisposeScope();
        using var s = Make();
        var dir = Directory.CreateTempSubdirectory("vcmr-ranklist").FullName;
        try
        {
            var path = Path.Combine(dir, "val_top3");
            CandidatesLmdb.Write(path, RetrieverStage.From(s.Xml).Retrieve(s.Corpus, s.Batches(), Video2Idx, topK: 3));
            var reread = CandidatesLmdb.Read(path, Video2Idx, Queries.Keys);
            var direct = VcmrPipeline.For(s.Xml, Options).Run(s.Corpus, s.Batches(), Queries, Video2Idx);
            var fromFile = new VcmrPipeline(RetrieverStage.From(reread), LocalizerStage.From(s.Xml), Options).Run(s.Corpus, s.Batches(), Queries, Video2Idx);
            AssertSameLists(direct.Vcmr, fromFile.Vcmr);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ALocalizerOfAnotherKindRunsOverXmlsRetrieverOnRawCandidateFeatures()
    {
        using var scope = NewDisposeScope();
        using var s = Make();
        using var toy = new ToyLocalizer(new ToyLocalizerConfig { VideoDim = 12, TextDim = 8 });
        toy.eval();
        var mixed = new VcmrPipeline(RetrieverStage.From(s.Xml), LocalizerStage.From(toy), Options).Run(s.Corpus, s.Batches(), Queries, Video2Idx);
        var xmlOnly = VcmrPipeline.For(s.Xml, Options).Run(s.Corpus, s.Batches(), Queries, Video2Idx);
        AssertSameLists(xmlOnly.Vr, mixed.Vr); // the first stage is XML's
        // the best span of each query, recomputed from the toy's logits on the three retrieved videos
        using var noGrad = no_grad();
        using var q = toy.EncodeQueries(new QueryBatch([10, 11, 12, 13], s.QueryFeatures, s.QueryMask));
        var names = s.Corpus.VidNames;
        var candidates = tensor(mixed.Vr!.SelectMany(p => p.Predictions.Select(v => (long)names.ToList().IndexOf($"v{v.VideoIdx - 100}"))).ToArray()).view(4, 3);
        var (st, ed) = toy.Localize(q, toy.IndexCorpus(s.Corpus), candidates).Probabilities();
        for (int r = 0; r < 4; r++)
        {
            var best = mixed.Vcmr![r].Predictions[0];
            int slot = mixed.Vr![r].Predictions.ToList().FindIndex(p => p.VideoIdx == best.VideoIdx);
            int i = (int)Math.Round(best.Start / 1.5), j = (int)Math.Round(best.End / 1.5) - 1;
            double expected = st[r, slot, i].item<float>() * mixed.Vr![r].Predictions[slot].Score * ed[r, slot, j].item<float>();
            Assert.Equal(expected, best.Score, expected * 1e-5);
            Assert.InRange(j - i, 2, 15);
        }
        Assert.Equal(xmlOnly.Svmr!.Select(p => p.DescId), mixed.Svmr!.Select(p => p.DescId));
    }

    [Fact]
    public void RaggedCandidateListsLeaveTheirEmptySlotsOutAndAMissingQueryIsNamed()
    {
        using var scope = NewDisposeScope();
        using var s = Make();
        var lists = new Dictionary<int, IReadOnlyList<VideoCandidate>>
        {
            [10] = [new(105, 0.5)], [11] = [new(101, 0.2), new(100, 0.1), new(106, 0.0)], [12] = [new(100, 0.3), new(102, 0.1)], [13] = [],
        };
        var candidates = new VideoCandidates(Video2Idx, lists, "ragged");
        var sub = new VcmrPipeline(RetrieverStage.From(candidates), LocalizerStage.From(s.Xml), Options).Run(s.Corpus, s.Batches(), Queries, Video2Idx);
        Assert.Equal([1, 3, 2, 0], sub.Vr!.Select(q => q.Predictions.Count));
        for (int r = 0; r < 4; r++)
        {
            Assert.Equal(lists[sub.Vr![r].DescId].Select(c => c.VideoIdx), sub.Vr![r].Predictions.Select(p => p.VideoIdx));
            Assert.All(sub.Vcmr![r].Predictions, p => Assert.Contains(p.VideoIdx, lists[sub.Vcmr![r].DescId].Select(c => c.VideoIdx)));
        }
        Assert.Empty(sub.Vcmr![3].Predictions);
        lists.Remove(12);
        var missing = new VcmrPipeline(RetrieverStage.From(new VideoCandidates(Video2Idx, lists, "ragged.lmdb")), LocalizerStage.From(s.Xml), Options);
        Assert.Contains("ragged.lmdb: desc_id 12", Assert.Throws<KeyNotFoundException>(() => missing.Run(s.Corpus, s.Batches(), Queries, Video2Idx)).Message);
    }

    /// <summary>XML behind a wrapper that counts what it is asked to encode.</summary>
    private sealed class Counting(XmlModel xml) : IVcmrModel<XmlEncodedContext>
    {
        public int Indexed, Encoded;
        public EncodedQueries EncodeQueries(QueryBatch queries) { Encoded++; return xml.EncodeQueries(queries); }
        public XmlEncodedContext IndexCorpus(VideoCorpus corpus) { Indexed++; return xml.IndexCorpus(corpus); }
        public Tensor ScoreVideos(EncodedQueries queries, XmlEncodedContext index) => xml.ScoreVideos(queries, index);
        public MomentLogits Localize(EncodedQueries queries, XmlEncodedContext index, Tensor candidates) => xml.Localize(queries, index, candidates);
    }

    [Fact]
    public void AModelServingBothStagesIndexesTheCorpusAndEncodesEachQueryBatchOnce()
    {
        using var scope = NewDisposeScope();
        using var s = Make();
        var one = new Counting(s.Xml);
        var shared = VcmrPipeline.For(one, Options).Run(s.Corpus, s.Batches(), Queries, Video2Idx);
        Assert.Equal((1, 2), (one.Indexed, one.Encoded));
        var (first, second) = (new Counting(s.Xml), new Counting(s.Xml));
        var separate = new VcmrPipeline(RetrieverStage.From(first), LocalizerStage.From(second), Options).Run(s.Corpus, s.Batches(), Queries, Video2Idx);
        Assert.Equal((1, 2, 1, 2), (first.Indexed, first.Encoded, second.Indexed, second.Encoded));
        AssertSameLists(shared.Vcmr, separate.Vcmr);
    }
}

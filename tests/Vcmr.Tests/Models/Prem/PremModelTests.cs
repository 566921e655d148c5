using TorchSharp;
using Vcmr.Data;
using Vcmr.Models;
using Vcmr.Models.Prem;
using Vcmr.Runtime;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Prem;

public class PremModelTests
{
    private static Dictionary<string, long> ByModule(nn.Module model) =>
        model.named_parameters().GroupBy(p => p.name.Split('.')[0]).ToDictionary(g => g.Key, g => g.Sum(p => p.parameter.numel()));

    // Counted by hand at the paper's sizes (d 384, FFN 1536, visual 4352, text 768, 30 query tokens, 100 clips):
    // LinearLayer(in, d) = 2 in + in d + d; a BERT layer = attention 4 (d^2 + d) + 2 d, FFN 2 d 1536 + 1536 + d + 2 d
    // = 1,774,464; a cross-attention layer adds an attention block, 592,128.
    // Query encoder: LinearLayer(768) 296,832 + positions (30 d + LayerNorm 2 d) 12,288 + layer 1,774,464 + pooling 2 d
    // = 2,084,352. Video encoder: LinearLayer(4352) 1,680,256 + LinearLayer(768) 296,832 + embeddings (100 + 2 types) d
    // + 2 d = 39,936 + layer 1,774,464 = 3,791,488.
    [Fact]
    public void RetrieverHas5875840ParametersAtThePapersConfiguration()
    {
        using var model = new PremRetriever(PremRetrieverConfig.Paper);
        Assert.Equal(new Dictionary<string, long> { ["query_encoder"] = 2_084_352, ["video_encoder"] = 3_791_488 }, ByModule(model));
        Assert.Equal(5_875_840, model.parameters().Sum(p => p.numel()));
    }

    // Localizer = its own query (2,084,352) and video (3,791,488) encoders + two gates Linear(2d, d) 295,296 each + the
    // fusion FC Linear(2d, d) 295,296 + 2 cross-attention layers 2 x 2,366,592 + two ConvSE (d 128 5 + 128) 245,888 each
    // + the adversarial classifier (one BERT layer + MLP 2 (d^2 + d) + d + 1) 2,070,529. At inference (the classifier is
    // used in training only) 11,986,688.
    [Fact]
    public void LocalizerHas14057217ParametersAtThePapersConfiguration()
    {
        using var model = new PremLocalizer(PremLocalizerConfig.Paper);
        Assert.Equal(new Dictionary<string, long>
        {
            ["query_encoder"] = 2_084_352, ["video_encoder"] = 3_791_488, ["image_gate"] = 295_296, ["sub_gate"] = 295_296,
            ["fusion"] = 295_296, ["fusion_encoder"] = 4_733_184, ["start_head"] = 245_888, ["end_head"] = 245_888, ["adversarial"] = 2_070_529,
        }, ByModule(model));
        Assert.Equal(14_057_217, model.parameters().Sum(p => p.numel()));
        Assert.Equal(11_986_688, model.parameters().Sum(p => p.numel()) - ByModule(model)["adversarial"]);
    }

    // The state-dict entries (name and shape) one config has and the other lacks, both ways.
    private static SortedSet<string> Difference(nn.Module a, nn.Module b)
    {
        static HashSet<string> Entries(nn.Module m) => m.state_dict().Select(kv => $"{kv.Key} [{string.Join(",", kv.Value.shape)}]").ToHashSet();
        var (ea, eb) = (Entries(a), Entries(b));
        return new SortedSet<string>(ea.Except(eb).Concat(eb.Except(ea)).Select(e => e.Split(' ')[0]), StringComparer.Ordinal);
    }

    private static bool Under(string name, params string[] modules) => modules.Any(m => name == m || name.StartsWith(m + ".", StringComparison.Ordinal));

    [Theory]
    [InlineData("mean")]
    [InlineData("max")]
    [InlineData("no strong")]
    [InlineData("no weak")]
    [InlineData("no text-side sampling")]
    [InlineData("no vision-side sampling")]
    [InlineData("ReLoCLNet positive")]
    public void EachRetrieverAblationChangesExactlyTheModulesItNames(string row)
    {
        var (config, modules) = row switch
        {
            "mean" => (PremTestData.Retriever with { Pooling = QueryPooling.Mean }, new[] { "query_encoder.pooling" }),
            "max" => (PremTestData.Retriever with { Pooling = QueryPooling.Max }, new[] { "query_encoder.pooling" }),
            "no strong" => (PremTestData.Retriever with { StrongPositive = false }, []),
            "no weak" => (PremTestData.Retriever with { WeakPositive = false }, []),
            "no text-side sampling" => (PremTestData.Retriever with { TextSide = SideSampling.Anywhere }, []),
            "no vision-side sampling" => (PremTestData.Retriever with { VisionSide = SideSampling.Anywhere }, []),
            _ => (PremTestData.Retriever with { StrongPositive = false, WeakPositive = false }, Array.Empty<string>()),
        };
        using var full = new PremRetriever(PremTestData.Retriever);
        using var ablated = new PremRetriever(config);
        var changed = Difference(full, ablated);
        // the sampling rows change the loss only; the pooling rows drop the word-scoring FC and nothing else
        Assert.Equal(modules.Length == 0 ? [] : ["query_encoder.pooling.modular_vector_mapping.weight"], changed);
        Assert.All(changed, n => Assert.True(Under(n, modules), n));
    }

    [Theory]
    [InlineData("without text")]
    [InlineData("without image")]
    [InlineData("without gates")]
    [InlineData("without adversarial")]
    [InlineData("without shared normalization")]
    public void EachLocalizerAblationChangesExactlyTheModulesItNames(string row)
    {
        var c = PremTestData.Localizer;
        var (config, removed, reshaped) = row switch
        {
            // the subtitle stream's projection and gate, and the FC that fused two streams; pooling makes one query
            "without text" => (c with { UseSubtitle = false }, new[] { "video_encoder.sub_input_proj", "sub_gate", "fusion" },
                new[] { "query_encoder.pooling.modular_vector_mapping.weight" }),
            "without image" => (c with { UseImage = false }, new[] { "video_encoder.video_input_proj", "image_gate", "fusion" },
                new[] { "query_encoder.pooling.modular_vector_mapping.weight" }),
            "without gates" => (c with { ModalityGates = false }, new[] { "image_gate", "sub_gate" }, []),
            "without adversarial" => (c with { Adversarial = false }, new[] { "adversarial" }, []),
            _ => (c with { SharedNormalization = false }, Array.Empty<string>(), Array.Empty<string>()),
        };
        using var full = new PremLocalizer(c);
        using var ablated = new PremLocalizer(config);
        var fullNames = full.state_dict().Keys.ToHashSet();
        var ablatedNames = ablated.state_dict().Keys.ToHashSet();
        var changed = Difference(full, ablated);
        Assert.All(changed, n => Assert.True(Under(n, removed) || reshaped.Contains(n), n));
        Assert.All(removed, m => Assert.Contains(fullNames, n => Under(n, m)));
        Assert.All(removed, m => Assert.DoesNotContain(ablatedNames, n => Under(n, m)));
        Assert.Equal(reshaped, changed.Where(n => !Under(n, removed)));
    }

    [Fact]
    public void CorpusScoresEqualTheMaxOverClipsOfThePairedCosines()
    {
        Seeding.Seed(3);
        using var model = new PremRetriever(PremTestData.Retriever);
        model.eval();
        using var scope = NewDisposeScope();
        var batch = PremTestData.Paired(4);
        var (image, sub) = model.Forward(batch);
        var clipMask = batch.Context.Mask.unsqueeze(0) > 0;
        var expected = (image.masked_fill(clipMask.logical_not(), -9).amax(2) + sub.masked_fill(clipMask.logical_not(), -9).amax(2)) / 2;
        // the corpus path in chunks of different lengths (video 2 alone, cut to its 7 real clips), padded to the longest
        var chunks = new[] { (0, 2, 10), (2, 1, 7), (3, 1, 10) };
        var corpus = new VideoCorpus(batch.Context.VidNames, () => chunks.Select(c => new ContextBatch(
            batch.Context.VidNames.Skip(c.Item1).Take(c.Item2).ToList(), batch.Context.Video!.narrow(0, c.Item1, c.Item2).narrow(1, 0, c.Item3),
            batch.Context.Subtitle!.narrow(0, c.Item1, c.Item2).narrow(1, 0, c.Item3), batch.Context.Mask.narrow(0, c.Item1, c.Item2).narrow(1, 0, c.Item3))));
        using var index = model.IndexCorpus(corpus);
        using var queries = model.EncodeQueries(batch.Query);
        Assert.True(model.ScoreVideos(queries, index).allclose(expected, 1e-5, 1e-6));
    }

    [Fact]
    public void LocalizerLogitsOverCandidatesEqualTheTrainingForwardAndPaddingIsMasked()
    {
        Seeding.Seed(4);
        using var model = new PremLocalizer(PremTestData.Localizer);
        model.eval();
        using var scope = NewDisposeScope();
        var batch = PremTestData.CandidateBatch(2, 3); // query q's videos are rows 3q .. 3q + 2
        var (st, ed, _) = model.Forward(batch);
        Assert.Equal(new long[] { 2, 3, 10 }, st.shape);
        Assert.True(st[0, 2, 7..].max().item<float>() < -1e9f); // video row 2 has 7 real clips
        var corpus = new VideoCorpus(batch.Videos.VidNames, () => [batch.Videos]);
        using var index = model.IndexCorpus(corpus);
        using var queries = model.EncodeQueries(batch.Query);
        var logits = model.Localize(queries, index, tensor(new long[] { 0, 1, 2, 3, 4, 5 }).view(2, 3));
        Assert.True(logits.Start.allclose(st, 1e-4, 1e-5));
        Assert.True(logits.End.allclose(ed, 1e-4, 1e-5));
    }

    [Fact]
    public void AVideoTwiceInATrainingBatchIsEncodedOnceWithTheSameLogits()
    {
        Seeding.Seed(4);
        using var model = new PremLocalizer(PremTestData.Localizer);
        model.eval();
        using var scope = NewDisposeScope();
        var batch = PremTestData.CandidateBatch(2, 3);
        // query 1's second video (row 4) is query 0's ground truth (row 0): same features, same name
        var rows = tensor(new long[] { 0, 1, 2, 3, 0, 5 });
        var names = new[] { "v0", "v1", "v2", "v3", "v0", "v5" };
        var shared = batch with { Videos = new ContextBatch(names, batch.Videos.Video!.index_select(0, rows), batch.Videos.Subtitle!.index_select(0, rows), batch.Videos.Mask.index_select(0, rows)) };
        var copies = shared with { Videos = shared.Videos with { VidNames = ["v0", "v1", "v2", "v3", "v4", "v5"] } };
        var (st1, ed1, _) = model.Forward(shared);
        var (st2, ed2, _) = model.Forward(copies);
        Assert.True(st1.allclose(st2, 1e-5, 1e-6) && ed1.allclose(ed2, 1e-5, 1e-6));
    }

    [Fact]
    public void SharedNormalisationIsOneSoftmaxOverTheClipsOfAllAQuerysVideos()
    {
        using var scope = NewDisposeScope();
        Seeding.Seed(6);
        var mask = ones(2, 3, 5);
        mask[1, 2, 3..] = zeros(2);
        var st = Vcmr.Models.Layers.Masking.MaskLogits(randn(2, 3, 5), mask);
        var ed = Vcmr.Models.Layers.Masking.MaskLogits(randn(2, 3, 5), mask);
        var (sl, el) = (new long[] { 1, 4 }, new long[] { 3, 4 });
        double Direct(Tensor logits, long[] labels, bool shared)
        {
            double total = 0;
            for (int q = 0; q < 2; q++)
            {
                double z = 0;
                for (int v = 0; v < (shared ? 3 : 1); v++)
                    for (int t = 0; t < 5; t++)
                        if (mask[q, v, t].item<float>() > 0) z += Math.Exp(logits[q, v, t].item<float>());
                total += -(logits[q, 0, labels[q]].item<float>() - Math.Log(z));
            }
            return total / 2;
        }
        foreach (bool shared in new[] { true, false })
        {
            double expected = Direct(st, sl, shared) + Direct(ed, el, shared);
            Assert.Equal(expected, PremLocalizer.BoundaryLoss(st, ed, tensor(sl), tensor(el), shared).item<float>(), 4);
        }
    }

    [Fact]
    public void InspectionShowsWordWeightsGatesAndCrossAttentionOverRealWordsAndClips()
    {
        Seeding.Seed(8);
        using var model = new PremLocalizer(PremTestData.Localizer);
        model.eval();
        using var scope = NewDisposeScope();
        var q = PremTestData.Queries(3);
        var v = PremTestData.Videos(3);
        // query 0 has 3 real words, video 0 all 10 clips
        using var a = model.Inspect(q, v);
        Assert.Equal(new long[] { 3, 2 }, a.WordWeights!.shape);
        Assert.True(a.WordWeights.sum(dim: 0).allclose(ones(2), 1e-5, 1e-6));
        Assert.Equal(new long[] { 2, 10 }, a.Gates!.shape);
        Assert.True(a.Gates.min().item<float>() > 0 && a.Gates.max().item<float>() < 1);
        Assert.Equal(new long[] { 2, 10, 3 }, a.CrossAttention.shape);
        Assert.True(a.CrossAttention.sum(dim: 2).allclose(ones(2, 10), 1e-4, 1e-5)); // padded words get no attention
        Assert.Equal(1f, a.Start.sum().item<float>(), 4);
        using var noGates = new PremLocalizer(PremTestData.Localizer with { ModalityGates = false, Pooling = QueryPooling.Max });
        using var b = noGates.Inspect(q, v);
        Assert.Null(b.Gates);
        Assert.Null(b.WordWeights);
    }

    [Fact]
    public void TheRetrieverReportsItsPositiveClipsAndOwnVideoCosines()
    {
        Seeding.Seed(9);
        using var model = new PremRetriever(PremTestData.Retriever);
        model.eval();
        using var scope = NewDisposeScope();
        var batch = PremTestData.Paired(3);
        var (clips, own) = model.Positives(batch);
        Assert.Equal(new long[] { 3, 2, 10 }, own.shape);
        var st = batch.StartLabels.data<long>().ToArray();
        var ed = batch.EndLabels.data<long>().ToArray();
        for (int i = 0; i < 3; i++)
            for (int m = 0; m < 2; m++)
            {
                long strong = clips.Strong[i, m].item<long>(), weak = clips.Weak[i, m].item<long>();
                Assert.InRange(strong, st[i], ed[i]);
                Assert.False(weak >= st[i] && weak <= ed[i]);
                // the strong pick is the best clip inside the moment
                Assert.Equal(own[i, m].narrow(0, st[i], ed[i] - st[i] + 1).max().item<float>(), own[i, m, strong].item<float>());
            }
    }

    [Theory]
    [InlineData("HiddenSize", "is not a multiple of Heads")]
    [InlineData("Temperature", "must be > 0")]
    [InlineData("TextSide", "nothing is left to contrast")]
    public void InvalidRetrieverConfigsNameTheKey(string key, string message)
    {
        var config = key switch
        {
            "HiddenSize" => PremRetrieverConfig.Paper with { HiddenSize = 385 },
            "Temperature" => PremRetrieverConfig.Paper with { Temperature = 0 },
            _ => PremRetrieverConfig.Paper with { TextSide = SideSampling.NotContrasted, VisionSide = SideSampling.NotContrasted },
        };
        var e = Assert.Throws<ArgumentException>(() => new PremRetriever(config));
        Assert.StartsWith($"PremRetrieverConfig.{key}: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("UseImage", "reads nothing")]
    [InlineData("BoundaryKernelSize", "must be odd")]
    [InlineData("AdversarialIou", "in [0, 1)")]
    [InlineData("MaxSpan", "must be > MinSpan")]
    public void InvalidLocalizerConfigsNameTheKey(string key, string message)
    {
        var config = key switch
        {
            "UseImage" => PremLocalizerConfig.Paper with { UseImage = false, UseSubtitle = false },
            "BoundaryKernelSize" => PremLocalizerConfig.Paper with { BoundaryKernelSize = 4 },
            "AdversarialIou" => PremLocalizerConfig.Paper with { AdversarialIou = 1.5 },
            _ => PremLocalizerConfig.Paper with { MinSpan = 3, MaxSpan = 3 },
        };
        var e = Assert.Throws<ArgumentException>(() => new PremLocalizer(config));
        Assert.StartsWith($"PremLocalizerConfig.{key}: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ABatchLongerThanTheModelsPositionsIsAnErrorNamingTheKey()
    {
        using var model = new PremRetriever(PremTestData.Retriever);
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => model.EncodeVideos(PremTestData.Videos(2, l: 12)));
        Assert.Contains("MaxContextLength=10", e.Message);
        var batch = new QueryBatch([0], randn(1, 7, 8), ones(1, 7));
        Assert.Contains("MaxQueryLength=6", Assert.Throws<ArgumentException>(() => model.EncodeQuery(batch)).Message);
    }

    [Fact]
    public void CheckpointsRecordTheKindAndConfigAndRebuildBothModules()
    {
        string dir = Directory.CreateTempSubdirectory("prem-ckpt").FullName;
        try
        {
            Seeding.Seed(10);
            using var retriever = new PremRetriever(PremTestData.Retriever with { Pooling = QueryPooling.Mean, TextSide = SideSampling.NotContrasted });
            using var localizer = new PremLocalizer(PremTestData.Localizer with { UseSubtitle = false, Gate = GateInput.ClipQueryAndProduct });
            Checkpoint.SaveWeights(Path.Combine(dir, "r.ckpt"), retriever);
            Checkpoint.SaveWeights(Path.Combine(dir, "l.ckpt"), localizer);
            using var r = Checkpoint.LoadModel<PremRetriever>(Path.Combine(dir, "r.ckpt"));
            using var l = Checkpoint.LoadModel<PremLocalizer>(Path.Combine(dir, "l.ckpt"));
            Assert.Equal(retriever.Config, r.Config);
            Assert.Equal(localizer.Config, l.Config);
            foreach (var (name, t) in localizer.state_dict()) Assert.True(t.allclose(l.state_dict()[name], 0, 0), name);
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadModel<PremLocalizer>(Path.Combine(dir, "r.ckpt")));
            Assert.Contains("'prem-retriever'", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

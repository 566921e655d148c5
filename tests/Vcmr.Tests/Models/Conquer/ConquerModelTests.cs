using System.Text.RegularExpressions;
using TorchSharp;
using Vcmr.Data;
using Vcmr.Models.Conquer;
using Vcmr.Runtime;
using Vcmr.Tests.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Conquer;

[Collection(SerialTorchCollection.Name)]
public class ConquerModelTests
{
    /// <summary>A small CONQUER for fast tests (other test classes reuse it).</summary>
    internal static readonly ConquerConfig Tiny = ConquerConfig.Paper with
    {
        VisualDim = 12, TextDim = 10, QueryDim = 10, HiddenSize = 8, Heads = 2, IntermediateSize = 12, MaxContextLength = 12,
        MaxQueryLength = 6, NetVladClusters = 3, ConvChannels = 5, VideoScoringHidden = 6,
    };

    public static TheoryData<string, SimilarityMeasure, ConquerContext, bool, long> ReferenceModels => new()
    {
        // parameter counts of the reference's CONQUER(model_config.json, ...) at d4af371, from its state dict
        { "state-dict-general-visual_sub.txt", SimilarityMeasure.General, ConquerContext.VisualSub, true, 47_672_640 },
        { "state-dict-general-visual_sub.txt", SimilarityMeasure.Disjoint, ConquerContext.VisualSub, true, 47_672_640 },
        { "state-dict-exclusive-visual_sub.txt", SimilarityMeasure.Exclusive, ConquerContext.VisualSub, true, 57_816_512 },
        { "state-dict-general-visual_sub-noqdf.txt", SimilarityMeasure.General, ConquerContext.VisualSub, false, 47_574_272 },
        { "state-dict-general-visual.txt", SimilarityMeasure.General, ConquerContext.Visual, true, 46_982_144 },
    };

    [Theory]
    [MemberData(nameof(ReferenceModels))]
    public void PaperSizeModelsHaveTheReferenceStateDictAndParameterCount(string listing, SimilarityMeasure similarity,
        ConquerContext context, bool qdf, long parameters)
    {
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "tests", "fixtures", "conquer-parity", listing)).Where(l => !l.StartsWith('#')).ToList();
        var rx = new Regex(@"^(\S+) \(([\d, ]*)\)$");
        var expected = lines.Skip(1).Select(l => rx.Match(l)).ToDictionary(m => m.Groups[1].Value,
            m => m.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray());
        Assert.Equal(parameters, long.Parse(lines[0]));
        using var model = new ConquerModel(ConquerConfig.Paper with { Similarity = similarity, Context = context, QueryDependentFusion = qdf });
        var actual = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, shape) in expected) Assert.Equal(shape, actual[name]);
        Assert.Equal(parameters, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void SubtitleOnlyModelReadsTheSubtitleStream()
    {
        Seeding.Seed(3);
        using var model = new ConquerModel(Tiny with { Context = ConquerContext.Sub });
        Assert.Contains("encoder.videoEncoder.linear.net.1.weight", model.state_dict().Keys);
        Assert.Equal([8L, 10L], model.state_dict()["encoder.videoEncoder.linear.net.1.weight"].shape);
        model.eval();
        using var scope = NewDisposeScope();
        var batch = Videos(4, [5, 3, 4, 2]);
        var o = model.Forward(Queries(2, [4, 6]), batch with { Video = null }, 2);
        Assert.Equal([2L, 2, 7], o.Begin.shape);
        Assert.Throws<ArgumentException>(() => model.Forward(Queries(2, [4, 6]), batch with { Subtitle = null }, 2));
    }

    [Fact]
    public void QalSimilarityEqualsTheReferencesConcatenatedForm()
    {
        Seeding.Seed(4);
        using var qal = new BiDirectionalAttention(8);
        using var scope = NewDisposeScope();
        var (v, q) = (randn(3, 5, 8), randn(3, 4, 8));
        var (vm, qm) = (tensor(new float[,] { { 1, 1, 1, 1, 0 }, { 1, 1, 0, 0, 0 }, { 1, 1, 1, 1, 1 } }), tensor(new float[,] { { 1, 1, 1, 0 }, { 1, 1, 1, 1 }, { 1, 0, 0, 0 } }));
        // model/qal/query_aware_learning_module.py: [v_i; q_j; v_i * q_j] for every pair, through the Linear
        var vi = v.unsqueeze(2).expand(-1, -1, 4, -1);
        var qj = q.unsqueeze(1).expand(-1, 5, -1, -1);
        var naive = matmul(cat([vi, qj, vi * qj], 3), qal.parameters().Single().t()).squeeze(3);
        var mask = vm.unsqueeze(2) * qm.unsqueeze(1);
        naive = naive * mask + (1 - mask) * -1e10;
        Assert.True(qal.Similarity(v, q, vm, qm).allclose(naive, 1e-5, 1e-5));
        Assert.Equal([3L, 5, 32], qal.forward(v, q, vm, qm).shape);
    }

    [Fact]
    public void HeadsOfGeneralRunOnTheLongestVideoPlusTheConvWindowAndExclusiveOnAllPositions()
    {
        Seeding.Seed(5);
        using var general = new ConquerModel(Tiny);
        using var exclusive = new ConquerModel(Tiny with { Similarity = SimilarityMeasure.Exclusive });
        general.eval();
        exclusive.eval();
        using var scope = NewDisposeScope();
        var videos = Videos(4, [5, 3, 4, 2]);
        Assert.Equal(7, general.EncodeVideos(videos).Width);
        Assert.Equal(12, exclusive.EncodeVideos(videos).Width);
        Assert.Equal(12, general.EncodeVideos(Videos(2, [11, 12])).Width);
        var o = exclusive.Forward(Queries(2, [4, 6]), videos, 2);
        Assert.Equal([2L, 2], o.Video!.shape);
    }

    [Theory]
    [InlineData(SimilarityMeasure.General)]
    [InlineData(SimilarityMeasure.Exclusive)]
    public void ScoringCandidatesOfAnEncodedCorpusEqualsTheForwardOfEachPair(SimilarityMeasure similarity)
    {
        Seeding.Seed(8);
        using var model = new ConquerModel(Tiny with { Similarity = similarity });
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int[] lengths = [5, 3, 9, 2, 7, 4];
        var corpus = Videos(6, lengths);
        // the corpus encoded in two batches, as a pipeline reads it
        var index = model.EncodeCorpus([Slice(corpus, 0, 4), Slice(corpus, 4, 2)]);
        var queries = Queries(3, [4, 6, 2]);
        var candidates = tensor(new long[,] { { 2, 0 }, { 1, 3 }, { 5, 4 } });
        var o = model.ScoreCandidates(model.EncodeQueries(queries.Features, queries.Mask), index, candidates);
        var flat = candidates.flatten();
        var direct = model.Forward(queries, new ContextBatch(flat.data<long>().Select(i => $"v{i}").ToArray(), corpus.Video!.index_select(0, flat),
            corpus.Subtitle!.index_select(0, flat), corpus.Mask.index_select(0, flat)), 2);
        var pairMask = corpus.Mask.index_select(0, flat).view(3, 2, -1); // (3, 2, 9): real clips
        var real = pairMask > 0;
        Assert.True(o.Begin.narrow(2, 0, 9).masked_select(real).allclose(direct.Begin.narrow(2, 0, 9).masked_select(real), 1e-5, 1e-5));
        Assert.True(o.End.narrow(2, 0, 9).masked_select(real).allclose(direct.End.narrow(2, 0, 9).masked_select(real), 1e-5, 1e-5));
        var padded = nn.functional.pad(pairMask, [0, o.Begin.shape[2] - 9]) == 0;
        Assert.True(o.Begin.masked_select(padded).le(-1e9).all().item<bool>());
        if (similarity == SimilarityMeasure.Exclusive) Assert.True(o.Video!.allclose(direct.Video!, 1e-5, 1e-5));
    }

    private static ContextBatch Slice(ContextBatch b, int start, int n) =>
        new(b.VidNames.Skip(start).Take(n).ToArray(), b.Video!.narrow(0, start, n), b.Subtitle!.narrow(0, start, n), b.Mask.narrow(0, start, n));

    [Fact]
    public void QueriesArePaddedToMaxQueryLengthAndCutBeyondIt()
    {
        Seeding.Seed(6);
        using var model = new ConquerModel(Tiny);
        model.eval();
        using var scope = NewDisposeScope();
        var q = Queries(2, [2, 3]);
        var encoded = model.EncodeQueries(q.Features, q.Mask);
        Assert.Equal([2L, 6, 8], encoded.Tokens.shape);
        // the same query with more zero padding encodes the same: the reference always pads to max_desc_len
        var wider = model.EncodeQueries(nn.functional.pad(q.Features, [0, 0, 0, 5]), nn.functional.pad(q.Mask, [0, 5]));
        Assert.True(encoded.Tokens.allclose(wider.Tokens, 0, 0));
        Assert.Equal(5f, encoded.Mask.sum().item<float>());
    }

    [Fact]
    public void StageWiseTrainingLoadsTheBackboneByNameAndLeavesTheHeads()
    {
        Seeding.Seed(9);
        using var general = new ConquerModel(Tiny);
        Seeding.Seed(10);
        using var exclusive = new ConquerModel(Tiny with { Similarity = SimilarityMeasure.Exclusive });
        var before = exclusive.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var source = general.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        int copied = exclusive.LoadBackbone(source, "general.ckpt");
        Assert.Equal(source.Keys.Count(k => k.StartsWith("encoder.") || k.StartsWith("query_weight.")), copied);
        foreach (var (name, t) in exclusive.state_dict())
        {
            bool backbone = name.StartsWith("encoder.") || name.StartsWith("query_weight.");
            Assert.True(t.allclose(backbone ? source[name] : before[name], 0, 0), name);
        }
        using var averaged = new ConquerModel(Tiny with { QueryDependentFusion = false });
        var e = Assert.Throws<DataFormatException>(() => exclusive.LoadBackbone(averaged.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value), "noqdf.ckpt"));
        Assert.StartsWith("noqdf.ckpt: its backbone does not fit this CONQUER (VisualSub, QDF, visual 12, hidden 8):", e.Message);
        Assert.Contains("query_weight.moe_fc_txt.weight (2, 24): missing from the source", e.Message);
        using var wide = new ConquerModel(Tiny with { VisualDim = 16 });
        Assert.Contains("encoder.videoEncoder.img_linear.net.1.weight: source (8, 16), model (8, 12)",
            Assert.Throws<DataFormatException>(() => exclusive.LoadBackbone(wide.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value), "wide.ckpt")).Message);
    }

    [Fact]
    public void SameSeedSameLossWithDropout()
    {
        double Loss()
        {
            Seeding.Seed(7);
            using var model = new ConquerModel(Tiny with { Similarity = SimilarityMeasure.Exclusive });
            model.train();
            using var scope = NewDisposeScope();
            var o = model.Forward(Queries(2, [4, 6]), Videos(4, [5, 3, 4, 2]), 2);
            return ConquerLoss.Compute(model.Config, o, tensor(new long[] { 1, 0 }), tensor(new long[] { 3, 2 })).Total.item<float>();
        }
        Assert.Equal(Loss(), Loss());
    }

    [Theory]
    [InlineData("HiddenSize", "ConquerConfig.HiddenSize: 10 is not a multiple of Heads=12")]
    [InlineData("NegativeVideos", "ConquerConfig.NegativeVideos: is 0 with SharedNormalization on")]
    [InlineData("ConvKernelSize", "ConquerConfig.ConvKernelSize: 4 must be odd")]
    [InlineData("MaxSpan", "ConquerConfig.MaxSpan: 0 must be > MinSpan=0")]
    [InlineData("Exclusive", "ConquerConfig.SharedNormalization: is off with the exclusive similarity")]
    public void InvalidConfigsNameTheKey(string what, string message)
    {
        var c = what switch
        {
            "HiddenSize" => ConquerConfig.Paper with { HiddenSize = 10 },
            "NegativeVideos" => ConquerConfig.Paper with { NegativeVideos = 0 },
            "ConvKernelSize" => ConquerConfig.Paper with { ConvKernelSize = 4 },
            "MaxSpan" => ConquerConfig.Paper with { MaxSpan = 0 },
            _ => ConquerConfig.Paper with { Similarity = SimilarityMeasure.Exclusive, SharedNormalization = false },
        };
        Assert.StartsWith(message, Assert.Throws<ArgumentException>(() => c.Validate()).Message);
    }

    internal static QueryBatch Queries(int n, int[] lengths, int dim = 10)
    {
        var mask = (arange(lengths.Max()).unsqueeze(0) < tensor(lengths).unsqueeze(1)).to(float32);
        return new QueryBatch(Enumerable.Range(0, n).ToArray(), randn(n, lengths.Max(), dim) * mask.unsqueeze(2), mask);
    }

    internal static ContextBatch Videos(int n, int[] lengths, int visual = 12, int text = 10)
    {
        var mask = (arange(lengths.Max()).unsqueeze(0) < tensor(lengths).unsqueeze(1)).to(float32);
        return new ContextBatch(Enumerable.Range(0, n).Select(i => $"v{i}").ToArray(),
            nn.functional.normalize(randn(n, lengths.Max(), visual), dim: -1) * mask.unsqueeze(2), randn(n, lengths.Max(), text) * mask.unsqueeze(2), mask);
    }
}

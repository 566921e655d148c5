using System.Text.RegularExpressions;
using Vcmr.Data;
using Vcmr.Models.Xml;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models;

public class XmlModelTests
{
    /// <summary>A small XML for fast tests (other test classes reuse it).</summary>
    internal static readonly XmlConfig Tiny = XmlConfig.Paper with
    {
        VisualDim = 12, TextDim = 8, HiddenSize = 16, Heads = 2, MaxContextLength = 10, MaxQueryLength = 6,
    };

    private static List<(string Name, long[] Shape)> ReferenceEntries(out long total)
    {
        var path = Path.Combine(RepoPaths.Root, "..", "shared", "reference", "xml-state-dict.txt");
        Skip.IfNot(File.Exists(path), "reference state dict absent");
        var lines = File.ReadAllLines(path).Where(l => !l.StartsWith('#')).ToList();
        total = long.Parse(lines[1]);
        var rx = new Regex(@"^(\S+) \(([\d, ]*)\)$");
        var entries = lines.Skip(2).Select(l => rx.Match(l)).Select(m => (m.Groups[1].Value,
            m.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(long.Parse).ToArray())).ToList();
        Assert.Equal(int.Parse(lines[0]), entries.Count);
        return entries;
    }

    [SkippableFact]
    public void PaperConfigMatchesReferenceStateDictNamesShapesAndCount()
    {
        var expected = ReferenceEntries(out long total);
        using var model = new XmlModel(XmlConfig.Paper);
        var actual = model.state_dict().Select(kv => (kv.Key, kv.Value.shape)).ToList();
        Assert.Equal(expected.Select(e => e.Name).OrderBy(n => n, StringComparer.Ordinal),
            actual.Select(a => a.Key).OrderBy(n => n, StringComparer.Ordinal));
        var shapes = actual.ToDictionary(a => a.Key, a => a.shape);
        foreach (var (name, shape) in expected) Assert.Equal(shape, shapes[name]);
        Assert.Equal(total, model.parameters().Sum(p => p.numel()));
        Assert.Equal(3_070_218, total);
    }

    [Fact]
    public void LoadingAStateDictByNameReproducesOutputs()
    {
        Seeding.Seed(1);
        using var a = new XmlModel(Tiny);
        Seeding.Seed(2);
        using var b = new XmlModel(Tiny);
        a.eval(); b.eval();
        using var batch = Batch(4, 5, 10);
        using var before = b.Forward(batch).VideoScores;
        b.load_state_dict(a.state_dict());
        using var sa = a.Forward(batch).VideoScores;
        using var sb = b.Forward(batch).VideoScores;
        Assert.False(before.allclose(sa));
        Assert.True(sa.allclose(sb, 0, 0));
    }

    [Fact]
    public void ForwardShapesRangesAndPaddingAreMasked()
    {
        Seeding.Seed(3);
        using var model = new XmlModel(Tiny);
        model.eval();
        using var scope = NewDisposeScope();
        var batch = Batch(3, 5, 10);
        var o = model.Forward(batch);
        Assert.Equal(new long[] { 3, 10 }, o.StartLogits.shape);
        Assert.Equal(new long[] { 3, 3 }, o.VideoScores.shape);
        Assert.True(o.VideoScores.abs().max().item<float>() <= 1.0001f);
        // row 2 has 7 real clips: clips 7..9 are at -1e10
        Assert.True(o.StartLogits[2, 7..].max().item<float>() < -1e9f);
        Assert.True(o.EndLogits[2, ..7].min().item<float>() > -1e9f);
    }

    [Fact]
    public void CorpusScoresAndCandidateLogitsEqualThePairedForward()
    {
        Seeding.Seed(4);
        using var model = new XmlModel(Tiny);
        model.eval();
        using var scope = NewDisposeScope();
        var batch = Batch(3, 5, 10);
        var o = model.Forward(batch);
        var enc = model.EncodeContext(batch.Context);
        using var queries = model.EncodeQueries(batch.Query);
        Assert.True(model.ScoreVideos(queries, enc).allclose(o.VideoScores, 1e-5, 1e-6));
        var st = model.Localize(queries, enc, tensor(new long[] { 0, 1, 1, 0, 2, 1 }).view(3, 2)).Start;
        Assert.True(st[.., 0].allclose(o.StartLogits, 1e-4, 1e-4));
        Assert.Equal(new long[] { 3, 2, 10 }, st.shape);
    }

    [Theory]
    [InlineData(ContextMode.Video, true)]
    [InlineData(ContextMode.Sub, false)]
    [InlineData(ContextMode.VideoSub, false)]
    public void AblationSwitchesBuildAndRun(ContextMode mode, bool modular)
    {
        using var model = new XmlModel(Tiny with { ContextMode = mode, Modular = modular, CrossAttention = modular, UseTef = modular });
        using var scope = NewDisposeScope();
        var b = Batch(2, 4, 6, tef: modular);
        var o = model.Forward(b);
        Assert.Equal(new long[] { 2, 2 }, o.VideoScores.shape);
        Assert.Equal(mode != ContextMode.Sub, model.state_dict().ContainsKey("video_input_proj.net.1.weight"));
        Assert.Equal(modular, model.state_dict().ContainsKey("modular_vector_mapping.weight"));
    }

    [Theory]
    [InlineData(ContextMode.VideoSub, true, false)]
    [InlineData(ContextMode.VideoSub, false, false)]
    [InlineData(ContextMode.VideoSub, true, true)]
    [InlineData(ContextMode.Video, true, false)]
    [InlineData(ContextMode.Sub, false, false)]
    public void ModulesFollowTheReferenceForEachSwitch(ContextMode mode, bool cross, bool stacked)
    {
        var config = Tiny with { ContextMode = mode, CrossAttention = cross, StackedConvKernelSizes = stacked ? [3, 5] : null };
        using var model = new XmlModel(config);
        var shapes = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        bool both = mode == ContextMode.VideoSub, usesCross = cross && both;
        string[] streams = mode switch { ContextMode.Video => ["video"], ContextMode.Sub => ["sub"], _ => ["video", "sub"] };
        foreach (string s in streams)
        {
            Assert.Equal(usesCross, shapes.ContainsKey($"{s}_cross_att.query.weight"));
            Assert.Equal(!usesCross, shapes.ContainsKey($"{s}_encoder3.self.query.weight")); // 3 self-attention layers without it
            Assert.Equal(!both, shapes.ContainsKey($"{s}_st_predictor.weight"));              // one stream: its own ConvSE
        }
        Assert.Equal(both && !stacked, shapes.ContainsKey("merged_st_predictor.weight"));
        if (stacked)
        {
            Assert.Equal(new long[] { 1, 1, 5 }, shapes["merged_ed_predictors.1.weight"]);
            Assert.Equal(new long[] { 1, 2 }, shapes["combine_st_conv.weight"]);
        }
        Assert.Equal(new long[] { streams.Length, Tiny.HiddenSize }, shapes["modular_vector_mapping.weight"]);
        using var scope = NewDisposeScope();
        var o = model.Forward(Batch(3, 5, 10));
        Assert.Equal(new long[] { 3, 10 }, o.StartLogits.shape);
        Assert.True(o.StartLogits.isfinite().all().item<bool>());
    }

    [Fact]
    public void VideoScoresIgnorePaddedClipsWhateverTheyHold()
    {
        // The max over clips runs unmasked over feat1 whose padded clips repeat clip 0: padding with any values
        // must leave every score as it is without the padding.
        Seeding.Seed(5);
        using var model = new XmlModel(Tiny);
        model.eval();
        using var scope = NewDisposeScope();
        var queries = new QueryBatch([0, 1, 2], randn(3, 5, Tiny.TextDim), ones(3, 5));
        var (video, sub) = (randn(2, 6, Tiny.VisualDim), randn(2, 6, Tiny.TextDim));
        var plain = new ContextBatch(["a", "b"], video, sub, ones(2, 6));
        var padded = new ContextBatch(["a", "b"], cat([video, 100 * randn(2, 3, Tiny.VisualDim)], 1),
            cat([sub, -100 * randn(2, 3, Tiny.TextDim)], 1), cat([ones(2, 6), zeros(2, 3)], 1));
        var (qv, qs) = model.EncodeQuery(queries);
        var expected = model.VideoScores(qv, qs, model.EncodeContext(plain));
        var got = model.VideoScores(qv, qs, model.EncodeContext(padded));
        Assert.True(allclose(expected, got, rtol: 1e-5, atol: 1e-6), $"max difference {(expected - got).abs().max().item<float>()}");
    }

    [Fact]
    public void WithoutCrossAttentionThePaperShapeHasThirdEncodersInsteadOfCrossAttention()
    {
        // Each stream loses a cross-attention (3 x 256 x 257 + LayerNorm 512 = 197,888) and gains a BertAttention
        // (4 x 256 x 257 + LayerNorm 512 = 263,680): 3,070,218 - 2 x 197,888 + 2 x 263,680.
        using var model = new XmlModel(XmlConfig.Paper with { CrossAttention = false });
        Assert.Equal(3_201_802, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void StackedSpanPredictorIsTheLinearMixOfItsFilters()
    {
        Seeding.Seed(4);
        using var single = new XmlModel(Tiny);
        using var stacked = new XmlModel(Tiny with { StackedConvKernelSizes = [5, 3] });
        using var other = new XmlModel(Tiny with { ConvKernelSize = 3 });
        foreach (var m in new[] { single, stacked, other }) m.eval();
        var weights = single.state_dict();
        var mixed = weights.Where(kv => !kv.Key.StartsWith("merged_", StringComparison.Ordinal)).ToDictionary();
        var third = other.state_dict();
        foreach (string e in new[] { "st", "ed" })
        {
            mixed[$"merged_{e}_predictors.0.weight"] = weights[$"merged_{e}_predictor.weight"];
            mixed[$"merged_{e}_predictors.1.weight"] = third[$"merged_{e}_predictor.weight"];
            mixed[$"combine_{e}_conv.weight"] = tensor(new[] { 0.5f, -2f }).view(1, 2);
        }
        stacked.load_state_dict(mixed);
        other.load_state_dict(weights.Where(kv => !kv.Key.StartsWith("merged_", StringComparison.Ordinal))
            .Concat(third.Where(kv => kv.Key.StartsWith("merged_", StringComparison.Ordinal))).ToDictionary());
        using var scope = NewDisposeScope();
        var batch = Batch(3, 5, 10);
        var (a, b, ab) = (single.Forward(batch), other.Forward(batch), stacked.Forward(batch));
        var valid = batch.Context.Mask.to_type(ScalarType.Bool);
        Assert.True(allclose((0.5f * a.StartLogits - 2f * b.StartLogits)[valid], ab.StartLogits[valid], rtol: 1e-5, atol: 1e-5));
        Assert.True(allclose((0.5f * a.EndLogits - 2f * b.EndLogits)[valid], ab.EndLogits[valid], rtol: 1e-5, atol: 1e-5));
        Assert.True(allclose(a.VideoScores, ab.VideoScores));
    }

    [Fact]
    public void ModularWordWeightsAreADistributionOverRealTokensPerStream()
    {
        Seeding.Seed(2);
        using var model = new XmlModel(Tiny);
        model.eval();
        using var batch = Batch(3, 5, 10);
        using var w = model.ModularWordWeights(batch.Query);
        Assert.Equal(new long[] { 3, 5, 2 }, w.shape);
        Assert.True(allclose(w.sum(1), ones(3, 2), atol: 1e-5));
        Assert.Equal(0f, w[0, 3..].abs().max().item<float>()); // row 0's last two tokens are padding
        Assert.Throws<InvalidOperationException>(() => new XmlModel(Tiny with { Modular = false }).ModularWordWeights(batch.Query));
    }

    [Fact]
    public void InvalidConfigNamesTheKey()
    {
        var e = Assert.Throws<ArgumentException>(() => new XmlModel(Tiny with { ConvKernelSize = 4 }));
        Assert.Contains("ConvKernelSize", e.Message);
        e = Assert.Throws<ArgumentException>(() => (Tiny with { HiddenSize = 15 }).Validate());
        Assert.Contains("HiddenSize", e.Message);
        e = Assert.Throws<ArgumentException>(() => (Tiny with { StackedConvKernelSizes = [3, 4] }).Validate());
        Assert.Contains("StackedConvKernelSizes", e.Message);
        e = Assert.Throws<ArgumentException>(() => (Tiny with { StackedConvKernelSizes = [3], ContextMode = ContextMode.Video }).Validate());
        Assert.Contains("StackedConvKernelSizes", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(7)]
    public void SingleChannelConvEqualsConv1dWithSamePadding(int k)
    {
        Seeding.Seed(3);
        using var conv = nn.Conv1d(1, 1, k, padding: k / 2, bias: false);
        using var x = randn(6, 1, 13);
        using var expected = conv.forward(x).squeeze(1);
        using var got = XmlModel.SingleChannelConv(x.squeeze(1), conv);
        Assert.True(allclose(expected, got, rtol: 1e-5, atol: 1e-6));
    }

    internal static TrainingBatch Batch(int n, int lq, int l, bool tef = false)
    {
        var qMask = ones(n, lq);
        qMask[0, (lq - 2)..] = zeros(2);
        var cMask = ones(n, l);
        if (n > 2) cMask[2, 7..] = zeros(l - 7);
        int extra = tef ? 2 : 0;
        return new TrainingBatch(
            new QueryBatch(Enumerable.Range(0, n).ToList(), randn(n, lq, Tiny.TextDim), qMask),
            new ContextBatch(Enumerable.Range(0, n).Select(i => $"v{i}").ToList(),
                randn(n, l, Tiny.VisualDim + extra), randn(n, l, Tiny.TextDim + extra), cMask),
            tensor(Enumerable.Range(0, n).Select(i => (long)(i % 3)).ToArray()),
            tensor(Enumerable.Range(0, n).Select(i => (long)(i % 3 + 2)).ToArray()));
    }
}

using System.Text.Json;
using Vcmr.Checkpoints;
using Vcmr.Data;
using Vcmr.Models.Conquer;
using Vcmr.Tests.Training;
using Vcmr.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vcmr.Tests.Checkpoints;

/// <summary>
/// The suite's CONQUER against the reference implementation (houzhijian/CONQUER at d4af371): weights, options, inputs
/// and the reference's outputs come from tests/fixtures/conquer-parity (made by make_fixture.py there; no Python needed
/// here). Every output must agree to max |suite - reference| / max(1, max |reference|) &lt; 1e-5 on CPU float32.
/// </summary>
[Collection(SerialTorchCollection.Name)]
public class ConquerParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;
    private const int VideosPerQuery = 3;

    public static TheoryData<string> Configs => new() { "conquer-general", "conquer-exclusive", "conquer-disjoint-average", "conquer-visual" };

    internal static string Fixture(string file) => Path.Combine(RepoPaths.Root, "tests", "fixtures", "conquer-parity", file);

    internal sealed class Case : IDisposable
    {
        public required ConquerModel Model { get; init; }
        public required SafetensorsContent Data { get; init; }
        public Tensor this[string name] => Data.Tensors[name];

        public QueryBatch Queries() =>
            new(Enumerable.Range(0, (int)this["query_feat"].shape[0]).ToArray(), this["query_feat"].alias(), this["query_mask"].alias());

        public ContextBatch Videos() =>
            new(Enumerable.Range(0, (int)this["visual_mask"].shape[0]).Select(i => $"v{i}").ToArray(), this["visual_feat"].alias(),
                this["sub_feat"].alias(), this["visual_mask"].alias()) { SubtitleMask = this["sub_mask"].alias() };

        public void Dispose()
        {
            Model.Dispose();
            Data.Dispose();
        }
    }

    internal static Case Load(string name)
    {
        var model = ConquerReference.Load(Fixture(name + ".ckpt"), Fixture(name + ".opt.json")).Model;
        model.eval();
        return new Case { Model = model, Data = SafetensorsFile.Read(Fixture(name + ".safetensors")) };
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void LogitsAndVideoScoresMatchTheReference(string name)
    {
        using var c = Load(name);
        using var scope = NewDisposeScope();
        var o = c.Model.Forward(c.Queries(), c.Videos(), VideosPerQuery);
        var (reference, mask) = (c["begin_logits"], c["visual_mask"].view(o.Begin.shape[0], VideosPerQuery, -1));
        long w = o.Begin.shape[2];
        Assert.True(mask.narrow(2, w, mask.shape[2] - w).eq(0).all().item<bool>(), "the suite dropped a real clip");
        Check(name, "begin logits (Nq, N, L)", o.Begin, reference.narrow(2, 0, w), mask.narrow(2, 0, w));
        Check(name, "end logits (Nq, N, L)", o.End, c["end_logits"].narrow(2, 0, w), mask.narrow(2, 0, w));
        Assert.Equal(c.Data.Tensors.ContainsKey("video_logits"), o.Video is not null);
        if (o.Video is not null) Check(name, "video logits (Nq, N)", o.Video, c["video_logits"]);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void EncodersAndFusionWeightsMatchTheReference(string name)
    {
        using var c = Load(name);
        using var scope = NewDisposeScope();
        var q = c.Model.EncodeQueries(c["query_feat"], c["query_mask"]);
        Check(name, "encoded query (Nq, Lq, D)", q.Tokens, c["query_encoded"]);
        var v = c.Model.EncodeVideos(c.Videos());
        long w = v.Width;
        if (v.Visual is not null) Check(name, "encoded visual (N, L, D)", v.Visual, c["visual_encoded"].narrow(1, 0, w));
        if (v.Sub is not null) Check(name, "encoded subtitles (N, L, D)", v.Sub, c["sub_encoded"].narrow(1, 0, w));
        var weights = c.Model.QueryWeights(q);
        Assert.Equal(c.Data.Tensors.ContainsKey("qdf_weights"), weights is not null);
        if (weights is not null) Check(name, "QDF weights (N, 2)", weights.repeat_interleave(VideosPerQuery, 0), c["qdf_weights"]);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void TrainingLossAndTwoAdamWStepsMatchTheReference(string name)
    {
        using var c = Load(name);
        using var scope = NewDisposeScope();
        var cfg = c.Model.Config;
        var labels = c["st_ed_indices"];
        var (st, ed) = (labels[.., 0].contiguous(), labels[.., 1].contiguous());
        var (total, moment, video) = ConquerLoss.Compute(cfg, c.Model.Forward(c.Queries(), c.Videos(), VideosPerQuery), st, ed);
        Check(name, "loss", total, c["loss"]);
        Check(name, "moment_ce_loss", moment * cfg.LossWeightStartEnd, c["moment_ce_loss"]);
        Check(name, "video_ce_loss", video is null ? tensor(0f) : video * cfg.LossWeightVideoCe, c["video_ce_loss"]);

        // train.py's build_optimizer and optim/adamw.py, two steps on the same batch with dropout off; the updates
        // (about 2e-4) are compared, so that a missing decay (lr * wd * p, about 1e-6) or bias correction shows
        var before = c.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var optimizer = ConquerTraining.Optimizer(c.Model, lr: 1e-4, weightDecay: 0.01);
        for (int step = 0; step < 2; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.ZeroGrad();
            ConquerLoss.Compute(cfg, c.Model.Forward(c.Queries(), c.Videos(), VideosPerQuery), st, ed).Total.backward();
            optimizer.Step();
        }
        foreach (var (key, p) in c.Model.named_parameters())
        {
            var (update, expected) = (p - before[key], c["after_2_steps." + key] - before[key]);
            double scale = expected.abs().max().item<float>();
            double diff = (update - expected).abs().max().item<float>();
            // (attention key biases get no gradient: a softmax ignores a shift common to all keys)
            Assert.True(diff < 1e-3 * Math.Max(scale, 1e-6), $"{name} {key}: two AdamW steps moved it by max {update.abs().max().item<float>():e3}, the reference by {scale:e3} (max difference {diff:e2})");
        }
    }

    [Fact]
    public void WithoutOptionsTheStateDictShapesGiveTheModel()
    {
        using var withOptions = ConquerReference.Load(Fixture("conquer-exclusive.ckpt"), Fixture("conquer-exclusive.opt.json")).Model;
        using var fromShapes = ConquerReference.Load(Fixture("conquer-exclusive.ckpt"), optionsPath: null).Model;
        Assert.Equal(withOptions.Config with { NegativeVideos = 3 }, fromShapes.Config);
        using var visual = ConquerReference.Load(Fixture("conquer-visual.ckpt"), optionsPath: null).Model;
        Assert.Equal((ConquerContext.Visual, 12), (visual.Config.Context, visual.Config.VisualDim));
    }

    [Fact]
    public void TheReferenceOptionsRoundTripThroughTheConfig()
    {
        using var c = Load("conquer-disjoint-average");
        var cfg = c.Model.Config;
        var modelCfg = ConquerReference.ToModelCfg(cfg);
        Assert.Equal(cfg, ConquerReference.FromReference(modelCfg, ConquerReference.ToOptions(cfg), null, "round trip"));
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixture("conquer-disjoint-average.opt.json")));
        var written = ConquerReference.ToOptions(cfg);
        foreach (var key in written.Keys)
            Assert.Equal(doc.RootElement.GetProperty(key).GetRawText(), JsonSerializer.Serialize(written[key]));
    }

    // The fixture stores the reference's logits before its masking, so only the suite's padding is checked.
    private void Check(string name, string what, Tensor suite, Tensor reference, Tensor? mask = null) =>
        ParityAssert.Close(output, name, what, suite, reference, mask, Tolerance, referenceMasks: false);
}

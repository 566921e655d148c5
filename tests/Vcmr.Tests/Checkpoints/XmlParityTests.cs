using Vcmr.Checkpoints;
using Vcmr.Data;
using Vcmr.Models.Xml;
using Vcmr.Tests.Training;
using Vcmr.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vcmr.Tests.Checkpoints;

/// <summary>
/// The suite's XML against the reference implementation (jayleicn/TVRetrieval at d99a9ea): weights, inputs and the
/// reference's outputs come from tests/fixtures/xml-parity (made by make_fixture.py there; no Python needed here).
/// Every output must agree to max |suite - reference| / max(1, max |reference|) &lt; 1e-5 on CPU float32.
/// </summary>
[Collection(SerialTorchCollection.Name)]
public class XmlParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string> Configs => new() { "xml-video-sub", "xml-nocross-nomodular-stacked", "xml-sub-tef-lse" };

    internal static string Fixture(string file) => Path.Combine(RepoPaths.Root, "tests", "fixtures", "xml-parity", file);

    private sealed class Case : IDisposable
    {
        public required XmlModel Model { get; init; }
        public required SafetensorsContent Data { get; init; }
        public Tensor this[string name] => Data.Tensors[name];

        public TrainingBatch Batch()
        {
            long n = this["query_feat"].shape[0];
            var ids = Enumerable.Range(0, (int)n).ToArray();
            var labels = this["st_ed_indices"];
            return new TrainingBatch(
                new QueryBatch(ids, this["query_feat"].alias(), this["query_mask"].alias()),
                new ContextBatch(ids.Select(i => $"v{i}").ToArray(), Data.Tensors.GetValueOrDefault("video_feat")?.alias(),
                    Data.Tensors.GetValueOrDefault("sub_feat")?.alias(), this["ctx_mask"].alias()),
                labels[.., 0].contiguous(), labels[.., 1].contiguous());
        }

        public void Dispose()
        {
            Model.Dispose();
            Data.Dispose();
        }
    }

    private static Case Load(string name)
    {
        var model = ModelFiles.Load<XmlModel>(Fixture(name + ".ckpt")).Model;
        model.eval();
        return new Case { Model = model, Data = SafetensorsFile.Read(Fixture(name + ".safetensors")) };
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void TrainingForwardMatchesTheReference(string name)
    {
        using var c = Load(name);
        using var scope = NewDisposeScope();
        var batch = c.Batch();
        var o = c.Model.Forward(batch);
        var mask = c["ctx_mask"];
        Check(name, "train video scores (N, N)", o.VideoScores, c["train_video_scores"]);
        Check(name, "train start logits (N, L)", o.StartLogits, c["train_st_logits"], mask);
        Check(name, "train end logits (N, L)", o.EndLogits, c["train_ed_logits"], mask);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void CorpusScoresAndLogitsMatchTheReference(string name)
    {
        using var c = Load(name);
        using var scope = NewDisposeScope();
        var batch = c.Batch();
        var queries = c.Model.EncodeQueries(batch.Query);
        using var encoded = c.Model.EncodeContext(batch.Context);
        long nq = batch.Query.Mask.shape[0], nv = batch.Context.Mask.shape[0];
        var candidates = arange(nv).unsqueeze(0).expand(nq, nv).contiguous();
        var (st, ed, _) = c.Model.Localize(queries, encoded, candidates);
        var mask = c["ctx_mask"].unsqueeze(0).expand(nq, -1, -1);
        Check(name, "corpus video scores (Nq, Nv)", c.Model.ScoreVideos(queries, encoded), c["corpus_video_scores"]);
        Check(name, "corpus start logits (Nq, Nv, L)", st, c["corpus_st_logits"], mask);
        Check(name, "corpus end logits (Nq, Nv, L)", ed, c["corpus_ed_logits"], mask);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void TrainingLossMatchesTheReferenceWithItsNegatives(string name)
    {
        using var c = Load(name);
        using var scope = NewDisposeScope();
        var cfg = c.Model.Config;
        bool hard = c.Data.Metadata["use_hard_negative"] == "True";
        // The reference draws one torch.randint per ranking direction (rows: negative videos, then columns: negative
        // queries); the suite draws the same positions from the Random it is given, in the same order.
        var rng = new ScriptedRandom(c["neg_ctx_positions"].data<long>().Concat(c["neg_q_positions"].data<long>()));
        var parts = c.Model.Loss(c.Batch(), new TrainingStep(hard ? cfg.HardNegativeStartEpoch : 0, 0, rng));
        Assert.True(rng.Exhausted, "the suite drew fewer negatives than the reference");
        Check(name, "loss", parts.Total, c["loss"]);
        Check(name, "loss_st_ed", tensor((float)(cfg.LossWeightStartEnd * parts[XmlLoss.StartEnd])), c["loss_st_ed"]);
        Check(name, "loss_neg_ctx", tensor((float)(cfg.LossWeightNegContext * parts[XmlLoss.NegContext])), c["loss_neg_ctx"]);
        Check(name, "loss_neg_q", tensor((float)(cfg.LossWeightNegQuery * parts[XmlLoss.NegQuery])), c["loss_neg_q"]);
    }

    [Fact]
    public void LegacyAndZipReferenceCheckpointsLoadTheSameWeights()
    {
        var zip = ModelFiles.Load<XmlModel>(Fixture("xml-video-sub.ckpt"));
        var legacy = ModelFiles.Load<XmlModel>(Fixture("xml-video-sub-legacy.ckpt"));
        using var a = zip.Model;
        using var b = legacy.Model;
        Assert.Equal((11, 11), (zip.Epoch, legacy.Epoch));
        Assert.Equal(a.Config, b.Config with { StackedConvKernelSizes = a.Config.StackedConvKernelSizes });
        foreach (var (key, t) in a.state_dict()) Assert.True(t.allclose(b.state_dict()[key], 0, 0), key);
    }

    /// <summary>Asserts the relative difference on real positions (<paramref name="mask"/> 1) and that padded
    /// positions are masked (-1e10) in both.</summary>
    private void Check(string name, string what, Tensor suite, Tensor reference, Tensor? mask = null)
    {
        Assert.Equal(reference.shape, suite.shape);
        var valid = mask is null ? ones_like(reference, dtype: ScalarType.Bool) : mask > 0;
        var r = reference.masked_select(valid);
        double diff = (suite.masked_select(valid) - r).abs().max().item<float>();
        double rel = diff / Math.Max(1, r.abs().max().item<float>());
        output.WriteLine($"{name} {what}: max abs diff {diff:e2}, relative {rel:e2}");
        Assert.True(rel < Tolerance, $"{name} {what}: relative difference {rel:e3} >= {Tolerance:e0}");
        if (mask is not null)
        {
            var padded = valid.logical_not();
            Assert.True(suite.masked_select(padded).le(-1e9).all().item<bool>(), $"{name} {what}: padding not masked");
            Assert.True(reference.masked_select(padded).le(-1e9).all().item<bool>());
        }
    }

    /// <summary>Returns recorded integers from NextInt64(min, max), checking each lies in the range the suite asks for.</summary>
    private sealed class ScriptedRandom(IEnumerable<long> values) : Random
    {
        private readonly Queue<long> _values = new(values);

        public bool Exhausted => _values.Count == 0;

        public override long NextInt64(long minValue, long maxValue)
        {
            Assert.True(_values.Count > 0, "the suite drew more negatives than the reference");
            long v = _values.Dequeue();
            Assert.InRange(v, minValue, maxValue - 1);
            return v;
        }
    }
}

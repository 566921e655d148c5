using Vcmr.Checkpoints;
using Vcmr.Data;
using Vcmr.Models.Baselines.Mee;
using Vcmr.Testing;
using Vcmr.Tests.Checkpoints;
using Vcmr.Tests.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Baselines;

/// <summary>The suite's MEE against the reference (TVRetrieval d99a9ea, baselines/mixture_embedding_experts) on
/// tests/fixtures/baselines-parity (made by make_fixture.py there; no Python needed here): pooled queries, scores,
/// mixture weights and the loss in eval mode (BatchNorm on running statistics) and in training mode (batch
/// statistics), from the raw clips through the suite's own pooling.</summary>
[Collection(SerialTorchCollection.Name)]
public class MeeParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Configs => new() { "mee-video-sub", "mee-sub" };

    internal static string Fixture(string file) => Path.Combine(RepoPaths.Root, "tests", "fixtures", "baselines-parity", file);

    private static (MeeModel Model, SafetensorsContent Data) Load(string name)
    {
        var data = SafetensorsFile.Read(Fixture(name + ".safetensors"));
        var meta = data.Metadata;
        using var ckpt = ReferenceCheckpoint.Read(Fixture(name + ".ckpt"));
        var config = MeeReference.FromModelCfg(ckpt.ModelCfg, name) with
        {
            MaxContextLength = int.Parse(meta["max_ctx_l"]),
            MaxQueryLength = int.Parse(meta["max_desc_l"]),
            NormalizeVideo = meta["normalize_vfeat"] == "True",
            NormalizeSubtitle = meta["normalize_tfeat"] == "True",
        };
        return (MeeReference.Load(Fixture(name + ".ckpt"), config), data);
    }

    private static TrainingBatch Batch(SafetensorsContent data, MeeConfig config)
    {
        var t = data.Tensors;
        var ids = Enumerable.Range(0, (int)t["query_feat"].shape[0]).ToArray();
        return new TrainingBatch(new QueryBatch(ids, t["query_feat"].alias(), t["query_mask"].alias()),
            new ContextBatch(ids.Select(i => $"v{i}").ToArray(), config.HasVideo ? t["video_feat"].alias() : null,
                config.HasSub ? t["sub_feat"].alias() : null, t["ctx_mask"].alias()),
            zeros(ids.Length, int64), zeros(ids.Length, int64));
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void EvalScoresMatchTheReference(string name)
    {
        var (model, data) = Load(name);
        using var _ = model;
        using var __ = data;
        using var scope = NewDisposeScope();
        model.eval();
        using var batch = Batch(data, model.Config);
        var pooled = model.PoolQuery(batch.Query);
        using var encoded = model.EncodeContext(batch.Context);
        var scores = model.Scores(pooled, encoded);
        var t = data.Tensors;
        ParityAssert.Close(output, name, "pooled query (N, 2 D)", pooled, t["eval_pooled_query"]);
        ParityAssert.Close(output, name, "scores (N, N)", scores, t["eval_scores"]);
        ParityAssert.Close(output, name, "loss", MaxMarginRankingLoss.Compute(scores, model.Config.Margin), t["eval_loss"]);
        if (t.TryGetValue("eval_mixture_weights", out var w)) ParityAssert.Close(output, name, "mixture weights (N, 2)", model.MixtureWeights(pooled), w);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void TrainingModeScoresMatchTheReference(string name)
    {
        var (model, data) = Load(name);
        using var _ = model;
        using var __ = data;
        using var scope = NewDisposeScope();
        model.train();
        using var batch = Batch(data, model.Config);
        var scores = model.Forward(batch);
        ParityAssert.Close(output, name, "training-mode scores (N, N)", scores, data.Tensors["train_scores"]);
        ParityAssert.Close(output, name, "training-mode loss", MaxMarginRankingLoss.Compute(scores, model.Config.Margin), data.Tensors["train_loss"]);
    }
}

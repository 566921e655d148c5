using Vcmr.Checkpoints;
using Vcmr.Data;
using Vcmr.Models.Baselines.Excl;
using Vcmr.Tests.Checkpoints;
using Vcmr.Tests.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Baselines;

/// <summary>The suite's ExCL against the reference (TVRetrieval d99a9ea, baselines/excl) on
/// tests/fixtures/baselines-parity: start/end logits and loss of a paired batch (the reference's forward), and the
/// corpus path (every query against every video, as inference_with_vcmr.py repeats a query over its candidates)
/// through the suite's encoded index, where only the recurrence runs per pair.</summary>
[Collection(SerialTorchCollection.Name)]
public class ExclParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Configs => new() { "excl-video-sub", "excl-video-tef" };

    private static (ExclModel Model, SafetensorsContent Data, QueryBatch Query, ContextBatch Context) Load(string name)
    {
        var model = ExclReference.Load(MeeParityTests.Fixture(name + ".ckpt"));
        model.eval();
        var data = SafetensorsFile.Read(MeeParityTests.Fixture(name + ".safetensors"));
        var t = data.Tensors;
        var ids = Enumerable.Range(0, (int)t["query_feat"].shape[0]).ToArray();
        return (model, data, new QueryBatch(ids, t["query_feat"].alias(), t["query_mask"].alias()),
            new ContextBatch(ids.Select(i => $"v{i}").ToArray(), model.Config.HasVideo ? t["video_feat"].alias() : null,
                model.Config.HasSub ? t["sub_feat"].alias() : null, t["ctx_mask"].alias()));
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void PairedLogitsAndLossMatchTheReference(string name)
    {
        var (model, data, query, context) = Load(name);
        using var _ = model;
        using var __ = data;
        using var scope = NewDisposeScope();
        var t = data.Tensors;
        var (st, ed) = model.Forward(query, context);
        ParityAssert.Close(output, name, "start logits (N, L)", st, t["st_logits"], t["ctx_mask"]);
        ParityAssert.Close(output, name, "end logits (N, L)", ed, t["ed_logits"], t["ctx_mask"]);
        var labels = t["st_ed_indices"];
        ParityAssert.Close(output, name, "loss", model.StartEndLoss(st, ed, labels[.., 0], labels[.., 1]), t["loss"]);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void CorpusLogitsMatchTheReference(string name)
    {
        var (model, data, query, context) = Load(name);
        using var _ = model;
        using var __ = data;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad(); // inference: the packed LSTM path
        using var index = model.EncodeContext(context);
        long n = context.Mask.shape[0];
        var candidates = arange(n).unsqueeze(0).expand(n, n).contiguous();
        var (st, ed) = model.Localize(model.EncodeQuery(query), index, candidates);
        var mask = context.Mask.unsqueeze(0).expand(n, -1, -1);
        ParityAssert.Close(output, name, "corpus start logits (Nq, Nv, L)", st, data.Tensors["corpus_st_logits"], mask);
        ParityAssert.Close(output, name, "corpus end logits (Nq, Nv, L)", ed, data.Tensors["corpus_ed_logits"], mask);
    }
}

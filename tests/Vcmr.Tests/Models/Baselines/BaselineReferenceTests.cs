using Vcmr.Checkpoints;
using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Inference;
using Vcmr.Models.Baselines.Cal;
using Vcmr.Models.Baselines.Excl;
using Vcmr.Models.Baselines.Mee;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Baselines;

/// <summary>Reference checkpoints of the baselines in and out, and bad input named by file and key.</summary>
public sealed class BaselineReferenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vcmr-baseline-ref").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void WrittenCheckpointsReadBackWithTheSameConfigAndWeights()
    {
        Seeding.Seed(5);
        string path = Path.Combine(_dir, "m.ckpt");
        using (var mee = new MeeModel(MeeModelTests.Tiny))
        {
            MeeReference.Save(mee, path, epoch: 4);
            using var back = MeeReference.Load(path, MeeModelTests.Tiny);
            Same(mee, back);
            // the model_cfg the file records rebuilds the same shapes (the settings it does not record keep defaults)
            using var ckpt = ReferenceCheckpoint.Read(path);
            Assert.Equal(4, ckpt.Epoch);
            Assert.Equal(MeeModelTests.Tiny with { MaxQueryLength = 30, MaxContextLength = 100 }, MeeReference.FromModelCfg(ckpt.ModelCfg, path));
        }
        using (var cal = new CalModel(CalModelTests.Tiny with { ModelType = ProposalModelType.Mcn }))
        {
            CalReference.Save(cal, path);
            using var back = CalReference.Load(path, ProposalModelType.Mcn);
            Same(cal, back);
            Assert.Equal(ProposalModelType.Mcn, back.Config.ModelType);
        }
        using (var excl = new ExclModel(ExclModelTests.Tiny with { UseTef = true }))
        {
            ExclReference.Save(excl, path);
            using var back = ExclReference.Load(path);
            Same(excl, back);
            Assert.Equal(excl.Config, back.Config);
        }
    }

    [Fact]
    public void TheSuitesModelFilesReadAndWriteEachBaselineByItsMapping()
    {
        // ModelFiles (vcmr convert) finds the kind from the reference file alone, and a safetensors copy keeps kind and config
        Seeding.Seed(6);
        var models = new (nn.Module Model, string Kind)[]
        {
            (new MeeModel(MeeModelTests.Tiny), MeeModel.KindName), (new CalModel(CalModelTests.Tiny), CalModel.KindName),
            (new ExclModel(ExclModelTests.Tiny), ExclModel.KindName),
        };
        foreach (var (model, kind) in models)
            using (model)
                foreach (var format in new[] { WeightFormat.PyTorch, WeightFormat.Safetensors })
                {
                    string path = Path.Combine(_dir, $"{kind}.{(format == WeightFormat.PyTorch ? "ckpt" : "safetensors")}");
                    ModelFiles.Save(model, path, format, epoch: 2);
                    using var back = ModelFiles.Load(path).Model;
                    Assert.Equal(kind, ((Vcmr.Models.IConfiguredModel)back).Kind);
                    Same(model, back);
                }
    }

    private static void Same(nn.Module a, nn.Module b)
    {
        var sb = b.state_dict();
        foreach (var (k, t) in a.state_dict()) Assert.True(t.allclose(sb[k], 0, 0), k);
    }

    [Fact]
    public void ModelCfgErrorsNameTheFileAndTheKey()
    {
        var cfg = MeeReference.ToModelCfg(MeeConfig.Paper);
        cfg["netvlad_clusters"] = 4L;
        var e = Assert.Throws<DataFormatException>(() => MeeReference.FromModelCfg(cfg, "mee.ckpt"));
        Assert.Contains("mee.ckpt", e.Message);
        Assert.Contains("netvlad_clusters", e.Message);

        var cal = CalReference.ToModelCfg(CalConfig.Paper);
        cal["textual_input_size"] = 1000L;
        e = Assert.Throws<DataFormatException>(() => CalReference.FromModelCfg(cal, "cal.ckpt"));
        Assert.Contains("cal.ckpt: model_cfg.textual_input_size", e.Message);
        cal = CalReference.ToModelCfg(CalConfig.Paper);
        cal["loss_type"] = "softmax";
        Assert.Contains("model_cfg.loss_type", Assert.Throws<DataFormatException>(() => CalReference.FromModelCfg(cal, "cal.ckpt")).Message);

        var excl = ExclReference.ToModelCfg(ExclConfig.Paper);
        excl["hidden_size"] = 7L;
        e = Assert.Throws<DataFormatException>(() => ExclReference.FromModelCfg(excl, "excl.ckpt"));
        Assert.Contains("excl.ckpt", e.Message);
        Assert.Contains("ExclConfig.HiddenSize", e.Message);
        excl = ExclReference.ToModelCfg(ExclConfig.Paper);
        excl["ctx_mode"] = "audio";
        Assert.Contains("model_cfg.ctx_mode 'audio'", Assert.Throws<DataFormatException>(() => ExclReference.FromModelCfg(excl, "excl.ckpt")).Message);
    }

    [Fact]
    public void ACheckpointOfAnotherShapeOrATruncatedFileIsNamed()
    {
        string path = Path.Combine(_dir, "m.ckpt");
        using (var mee = new MeeModel(MeeModelTests.Tiny)) MeeReference.Save(mee, path);
        var e = Assert.Throws<DataFormatException>(() => MeeReference.Load(path, MeeModelTests.Tiny with { OutputSize = 7 }));
        Assert.Contains(path, e.Message);
        Assert.Contains("video_gu.fc.weight", e.Message);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.Contains(path, Assert.ThrowsAny<Exception>(() => MeeReference.Load(path)).Message);
    }

    [Fact]
    public void AModelWiderThanTheCorpusFailsBeforeInferenceNamingTheFileAndKey()
    {
        var corpus = TvrSynth.Generate(Path.Combine(_dir, "corpus"), new SynthOptions(TrainVideos: 2, ValVideos: 2, TestVideos: 0, VideoDim: 6, TextDim: 5));
        var cfg = CalModelTests.Tiny with { VisualDim = 7 };
        using var data = TvrData.Open(corpus, options: cfg.ReadOptions(corpus.FeatureOptions));
        using var cal = new CalModel(cfg);
        var e = Assert.Throws<DataFormatException>(() => new VcmrPipeline(RetrieverStage.EveryVideo, LocalizerStage.From(cal), CorpusInferenceOptions.Cal).Evaluate(data, "val"));
        Assert.Contains("video_feature.h5", e.Message);
        Assert.Contains("CalConfig.VisualDim = 7", e.Message);
    }
}

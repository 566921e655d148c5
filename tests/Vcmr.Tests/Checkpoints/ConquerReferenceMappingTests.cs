using Vcmr.Checkpoints;
using Vcmr.Models.Conquer;
using Vcmr.Runtime;
using Vcmr.Tests.Models.Conquer;
using Vcmr.Tests.Training;

namespace Vcmr.Tests.Checkpoints;

/// <summary>CONQUER's reference files through the registry's mapping (what vcmr convert and vcmr infer read).</summary>
[Collection(SerialTorchCollection.Name)]
public class ConquerReferenceMappingTests
{
    private static readonly ConquerConfig Config = ConquerModelTests.Tiny with { Similarity = SimilarityMeasure.Exclusive, NegativeVideos = 2 };

    [Theory]
    [InlineData(WeightFormat.PyTorch, true)]
    [InlineData(WeightFormat.PyTorch, false)]
    [InlineData(WeightFormat.Safetensors, true)]
    public void AReferenceFileReadsBackByNameWithTheRunsOptionsBesideIt(WeightFormat format, bool withOptions)
    {
        string dir = ModelFilesTests.TempDir();
        string path = Path.Combine(dir, format == WeightFormat.PyTorch ? "model.ckpt" : "model.safetensors");
        Seeding.Seed(9);
        using var model = new ConquerModel(Config);
        ModelFiles.Save(model, path, format, epoch: 4);
        if (withOptions) File.WriteAllText(Path.Combine(dir, ConquerReference.OptionsFile), ModelConfigFiles.ToJson(ConquerReference.ToOptions(Config)));
        var loaded = ModelFiles.Load(path);
        using var back = loaded.Model;
        Assert.Equal(ConquerModel.KindName, loaded.Spec.Kind);
        Assert.Equal(4, loaded.Epoch);
        var config = (ConquerConfig)loaded.Spec.Config;
        // with opt.json the whole config returns; without it the shapes give widths, context, QDF and the scoring head
        if (withOptions) Assert.Equal(Config, config);
        else Assert.Equal((Config.VisualDim, Config.TextDim, Config.QueryDim, Config.HiddenSize, SimilarityMeasure.Exclusive),
            (config.VisualDim, config.TextDim, config.QueryDim, config.HiddenSize, config.Similarity));
        foreach (var (name, t) in model.state_dict()) Assert.True(t.allclose(back.state_dict()[name], 0, 0), name);
        Assert.StartsWith("conquer: Exclusive", ModelFiles.Summary(loaded.Spec));
    }

    [Fact]
    public void AFileIsRecognisedAsConquersByItsModelCfg()
    {
        string dir = ModelFilesTests.TempDir();
        string path = Path.Combine(dir, "model_cfg.json");
        File.WriteAllText(path, ModelConfigFiles.ToJson(ConquerReference.ToModelCfg(Config)));
        Assert.Equal(ConquerModel.KindName, ModelConfigFiles.Read(path).Kind);
    }
}

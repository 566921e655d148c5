using Vcmr.Experiments;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Models.Xml;
using Vcmr.Tests.Models;
using Vcmr.Tests.Training;

namespace Vcmr.Tests.Experiments;

[Collection(SerialTorchCollection.Name)]
public class AnyModelTests
{
    [Fact]
    public void AOneNetworkModelIsBothStagesOfItsOwnPipeline()
    {
        using var xml = new XmlModel(XmlModelTests.Tiny);
        Assert.True(AnyModel.IsRetriever(xml) && AnyModel.IsLocalizer(xml));
        var pipeline = AnyModel.Pipeline(xml, CorpusInferenceOptions.Tvr);
        Assert.Same(xml, Assert.Single(pipeline.Models));
        Assert.Same(CorpusInferenceOptions.Tvr, pipeline.Options);
    }

    [Fact]
    public void ASecondStageAloneNeedsAFirstStageAndHasNoPairedBatchPlan()
    {
        ToyLocalizer.Register();
        using var toy = new ToyLocalizer(new ToyLocalizerConfig());
        using var xml = new XmlModel(XmlModelTests.Tiny);
        Assert.True(AnyModel.IsLocalizer(toy));
        Assert.False(AnyModel.IsRetriever(toy));
        var alone = Assert.Throws<ArgumentException>(() => AnyModel.Pipeline(toy, CorpusInferenceOptions.Tvr));
        Assert.Contains("'toy-localizer' model is a second stage only", alone.Message);
        var pipeline = AnyModel.Pipeline(toy, CorpusInferenceOptions.Tvr, AnyModel.Retriever(xml));
        Assert.Same(xml, pipeline.Retriever.Model);
        Assert.Same(toy, pipeline.Localizer.Model);
        Assert.Contains("is not a video retriever", Assert.Throws<ArgumentException>(() => AnyModel.Retriever(toy)).Message);
        var plan = Assert.Throws<ArgumentException>(() => AnyModel.Plan(toy, null!, new ExperimentOptions()));
        Assert.Contains("'toy-localizer' model does not train on paired in-batch batches", plan.Message);
    }

    [Fact]
    public void AKindRunsWithItsInferencePresetOrTvrs()
    {
        Assert.Same(CorpusInferenceOptions.Tvr, InferencePresets.For(new ModelSpec("unlisted-kind", new object())));
        var preset = CorpusInferenceOptions.Tvr with { TopVideos = 7 };
        InferencePresets.Register("preset-test-kind", _ => preset);
        Assert.Same(preset, InferencePresets.For(new ModelSpec("preset-test-kind", new object())));
        Assert.Equal(XmlConfig.Paper, ModelSpec.Paper(XmlModel.KindName).Config);
    }
}

using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Models.Baselines.Cal;
using Vcmr.Models.Baselines.Excl;
using Vcmr.Models.Baselines.Mee;
using Vcmr.Models.Conquer;
using Vcmr.Models.Prem;
using Vcmr.Models.Xml;
using Vcmr.Tests.Models;
using Vcmr.Tests.Models.Baselines;
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
    public void ASecondStageAloneNeedsAFirstStageToRunAndToTrain()
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
        Assert.Contains("'toy-localizer' model trains on a first stage's candidates: give the first stage", plan.Message);
    }

    [Fact]
    public void AProposalRankerRanksEveryVideoWithoutAFirstStageAndExclNeedsOne()
    {
        using var cal = new CalModel(CalModelTests.Tiny);
        using var excl = new ExclModel(ExclModelTests.Tiny);
        using var mee = new MeeModel(MeeModelTests.Tiny);
        Assert.True(AnyModel.IsRanker(cal) && AnyModel.IsLocalizer(cal) && !AnyModel.NeedsFirstStage(cal));
        Assert.Same(RetrieverStage.EveryVideo, AnyModel.Pipeline(cal, CorpusInferenceOptions.Cal).Retriever);
        Assert.True(AnyModel.NeedsFirstStage(excl));
        Assert.Contains("'excl' model is a second stage only", Assert.Throws<ArgumentException>(() => AnyModel.Pipeline(excl, CorpusInferenceOptions.Excl)).Message);
        Assert.False(AnyModel.IsLocalizer(mee) || AnyModel.NeedsFirstStage(mee));
    }

    [Fact]
    public void EveryBaselineAndPremKindHasItsReferenceSettings()
    {
        var corpus = new SynthCorpus("unused");
        var mee = RunPresets.MatchCorpus(ModelSpec.Paper(MeeModel.KindName), corpus);
        Assert.True(((MeeConfig)mee.Config).NormalizeVideo); // the synthetic corpus's video stores are normalised per clip
        Assert.Equal(((MeeConfig)mee.Config).ReadOptions(corpus.FeatureOptions), RunPresets.Features(mee, corpus));
        Assert.Equal(MeeConfig.ReferenceTraining, RunPresets.Training(mee).Trainer);
        Assert.Equal("VR r1", RunPresets.Training(mee).Stop!.Name);
        var cal = ModelSpec.Paper(CalModel.KindName);
        Assert.Equal(CalConfig.ReferenceTraining, RunPresets.Training(cal).Trainer);
        Assert.Same(CorpusInferenceOptions.Cal, RunPresets.Inference(cal));
        var excl = RunPresets.Training(ModelSpec.Paper(ExclModel.KindName));
        Assert.Equal((ExclConfig.ReferenceTraining, StopMetric.Svmr, (int?)1), (excl.Trainer, excl.Stop, excl.ValidationTopVideos));
        var localizer = RunPresets.Training(ModelSpec.Paper(PremLocalizer.KindName));
        Assert.Equal((32, NegativeSampling.Prem, 100), (localizer.BatchSize, localizer.Candidates!.Sampling, localizer.Candidates.TrainListLength));
        Assert.Equal(256, RunPresets.Training(ModelSpec.Paper(PremRetriever.KindName)).BatchSize);
    }

    [Fact]
    public void AKindRunsWithItsPresetOrReadsTheCorpusAsItIsWithTvrsSettings()
    {
        var corpus = new SynthCorpus("unused");
        var unlisted = new ModelSpec("unlisted-kind", new object());
        Assert.Same(CorpusInferenceOptions.Tvr, RunPresets.Inference(unlisted));
        Assert.Equal(corpus.FeatureOptions, RunPresets.Features(unlisted, corpus));
        var preset = CorpusInferenceOptions.Tvr with { TopVideos = 7 };
        RunPresets.Register("preset-test-kind", new RunPreset((_, c) => c with { MaxCtxLen = 3 }, (_, raw) => raw ? preset : CorpusInferenceOptions.Conquer));
        var listed = new ModelSpec("preset-test-kind", new object());
        Assert.Same(preset, RunPresets.Inference(listed));
        Assert.Same(CorpusInferenceOptions.Conquer, RunPresets.Inference(listed, rawFirstStageScores: false));
        Assert.Equal(3, RunPresets.Features(listed, corpus).MaxCtxLen);
        // XML's reads the corpus's options with its lengths and TEF; CONQUER's as its loader, keeping the corpus's video normalisation
        Assert.Equal(corpus.FeatureOptions with { Tef = true, MaxCtxLen = 50 },
            RunPresets.Features(new ModelSpec(XmlModel.KindName, XmlConfig.Paper with { ContextMode = ContextMode.Video, UseTef = true, MaxContextLength = 50 }), corpus));
        Assert.Contains("video_sub_tef", Assert.Throws<ArgumentException>(() =>
            RunPresets.Features(new ModelSpec(XmlModel.KindName, XmlConfig.Paper with { UseTef = true }), corpus)).Message);
        var release = new TvrRelease("unused");
        Assert.Equal(FeatureOptions.Conquer with { NormalizeVideo = false },
            RunPresets.Features(new ModelSpec(ConquerModel.KindName, ConquerConfig.Paper), release));
        Assert.IsType<ExponentialFusion>(RunPresets.Inference(new ModelSpec(ConquerModel.KindName, ConquerConfig.Paper)).Fusion);
        Assert.Same(ScoreFusion.ConquerGeneral, RunPresets.Inference(new ModelSpec(ConquerModel.KindName, ConquerConfig.Paper), rawFirstStageScores: false).Fusion);
        Assert.Equal(XmlConfig.Paper, ModelSpec.Paper(XmlModel.KindName).Config);
    }
}

using System.Text.Json.Nodes;
using Vcmr.Models;
using Vcmr.Models.Xml;

namespace Vcmr.Tests.Models;

public class ModelRegistryTests
{
    [Fact]
    public void AnXmlDescriptionRoundTripsThroughItsConfigRecord()
    {
        var config = XmlModelTests.Tiny with { ContextMode = ContextMode.Video, RankingLoss = RankingLoss.Lse, StackedConvKernelSizes = null, UseTef = true };
        using var model = new XmlModel(config);
        string text = ModelRegistry.Describe(model);
        Assert.Contains("\"model\": \"xml\"", text);
        Assert.Contains("\"ContextMode\": \"Video\"", text); // enums by name, as config.json has always held them
        var (kind, back) = ModelRegistry.Parse(text, "config.json");
        Assert.Equal(typeof(XmlConfig), kind.ConfigType);
        Assert.Equal(text, ModelRegistry.Describe(new XmlModel((XmlConfig)back)));
        var stacked = XmlModelTests.Tiny with { StackedConvKernelSizes = [5, 3] };
        Assert.Equal([5, 3], ((XmlConfig)ModelRegistry.Parse(ModelRegistry.Describe(new XmlModel(stacked)), "x").Config).StackedConvKernelSizes!);
    }

    [Fact]
    public void AConfigWrittenBeforeAFieldExistedGetsTheFieldsDefault()
    {
        var doc = JsonNode.Parse(ModelRegistry.Describe(new XmlModel(XmlModelTests.Tiny with { HardPoolSize = 7 })))!;
        doc["config"]!.AsObject().Remove(nameof(XmlConfig.HardPoolSize));
        doc["config"]!.AsObject().Remove(nameof(XmlConfig.StackedConvKernelSizes));
        var config = (XmlConfig)ModelRegistry.Parse(doc.ToJsonString(), "old.json").Config;
        Assert.Equal(XmlConfig.Paper.HardPoolSize, config.HardPoolSize);
        Assert.Equal(XmlModelTests.Tiny.HiddenSize, config.HiddenSize);
    }

    [Fact]
    public void AnUnknownKindFieldOrValueIsAnErrorNamingTheFile()
    {
        var text = ModelRegistry.Describe(new XmlModel(XmlModelTests.Tiny));
        var e = Assert.Throws<InvalidDataException>(() => ModelRegistry.Parse(text.Replace("\"xml\"", "\"hero\""), "a.json"));
        Assert.Contains("a.json: model kind 'hero' is not registered (known: ", e.Message);
        e = Assert.Throws<InvalidDataException>(() => ModelRegistry.Parse(text.Replace("\"HiddenSize\"", "\"HiddenSise\""), "b.json"));
        Assert.Contains("b.json", e.Message);
        Assert.Contains("HiddenSise", e.Message);
        e = Assert.Throws<InvalidDataException>(() => ModelRegistry.Create(text.Replace("\"HiddenSize\": 16", "\"HiddenSize\": 15"), "c.json"));
        Assert.Contains("c.json: XmlConfig.HiddenSize: 15 is not a multiple", e.Message);
        Assert.Throws<ArgumentException>(() => ModelRegistry.Register<ToyLocalizerConfig, ToyLocalizer>(XmlModel.KindName, c => new ToyLocalizer(c)));
    }

    [Fact]
    public void AnotherKindRegisteredOutsideTheAssemblyIsBuiltFromItsDescription()
    {
        ToyLocalizer.Register();
        ToyLocalizer.Register(); // again: a no-op
        using var toy = new ToyLocalizer(new ToyLocalizerConfig { Hidden = 5 });
        using var rebuilt = ModelRegistry.Create(ModelRegistry.Describe(toy), "toy.json");
        Assert.Equal(5, Assert.IsType<ToyLocalizer>(rebuilt).Config.Hidden);
        Assert.Contains(ToyLocalizer.KindName, ModelRegistry.Kinds);
    }
}

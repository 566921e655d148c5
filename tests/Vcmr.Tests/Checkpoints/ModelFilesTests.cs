using TorchSharp;
using TorchSharp.PyBridge;
using Vcmr.Checkpoints;
using Vcmr.Data;
using Vcmr.Models;
using Vcmr.Models.Xml;
using Vcmr.Runtime;
using Vcmr.Tests.Models;
using static TorchSharp.torch;

namespace Vcmr.Tests.Checkpoints;

public class ModelFilesTests
{
    internal static string TempDir() => Directory.CreateTempSubdirectory("vcmr-weights").FullName;

    /// <summary>A model whose every parameter is off its initial value, so a misplaced tensor shows.</summary>
    internal static XmlModel Perturbed(XmlConfig config, int seed)
    {
        Seeding.Seed(seed);
        var model = new XmlModel(config);
        using var _ = no_grad();
        foreach (var p in model.parameters()) p.add_(randn_like(p) * 0.1);
        return model;
    }

    /// <summary>Same config and tensors. In the reference's layout a one-stream model records cross_att=False (the
    /// reference cannot build it otherwise); the suite ignores the flag with one stream.</summary>
    private static void AssertSameWeights(XmlModel expected, XmlModel actual)
    {
        var config = expected.Config with { CrossAttention = expected.Config.CrossAttention && (expected.Config.UsesCrossAttention || actual.Config.CrossAttention) };
        Assert.Equal(config with { StackedConvKernelSizes = null }, actual.Config with { StackedConvKernelSizes = null });
        Assert.Equal(expected.Config.StackedConvKernelSizes, actual.Config.StackedConvKernelSizes);
        var theirs = actual.state_dict();
        foreach (var (name, t) in expected.state_dict()) Assert.True(t.allclose(theirs[name], 0, 0), name);
    }

    public static TheoryData<string> Configs => new() { "paper-like", "no-modular-stacked", "sub-tef" };

    private static XmlConfig Config(string name) => name switch
    {
        "no-modular-stacked" => XmlModelTests.Tiny with { Modular = false, CrossAttention = false, StackedConvKernelSizes = [3, 5] },
        "sub-tef" => XmlModelTests.Tiny with { ContextMode = ContextMode.Sub, UseTef = true, RankingLoss = RankingLoss.Lse },
        _ => XmlModelTests.Tiny,
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void EveryFormatRoundTripsWeightsConfigAndEpoch(string name)
    {
        string dir = TempDir();
        using var model = Perturbed(Config(name), 5);
        var files = new (string File, WeightFormat Format, bool StateDictOnly)[]
        {
            ("m.ckpt", WeightFormat.Suite, false), ("m.pt", WeightFormat.PyTorch, false),
            ("sd.pt", WeightFormat.PyTorch, true), ("m.safetensors", WeightFormat.Safetensors, false),
        };
        foreach (var (file, format, stateDictOnly) in files)
        {
            string path = Path.Combine(dir, file);
            ModelFiles.Save(model, path, format, epoch: 7, stateDictOnly);
            Assert.Equal(format, ModelFiles.Detect(path));
            var loaded = ModelFiles.Load<XmlModel>(path, stateDictOnly ? ModelSpec.Of(model) : null);
            using var back = loaded.Model;
            AssertSameWeights(model, back);
            Assert.Equal(stateDictOnly ? null : 7, loaded.Epoch);
        }
        Assert.Equal(files.Length, Directory.GetFiles(dir).Length); // no temp files left
    }

    [Fact]
    public void WrittenFilesLoadThroughTorchSharpPyBridgeByName()
    {
        // TorchSharp users can take the suite's exports with PyBridge: the same names, shapes and values.
        string dir = TempDir();
        using var model = Perturbed(XmlModelTests.Tiny, 6);
        ModelFiles.Save(model, Path.Combine(dir, "sd.pt"), WeightFormat.PyTorch, stateDictOnly: true);
        ModelFiles.Save(model, Path.Combine(dir, "m.safetensors"), WeightFormat.Safetensors);
        using var viaPy = new XmlModel(XmlModelTests.Tiny);
        viaPy.load_py(Path.Combine(dir, "sd.pt"), strict: true);
        AssertSameWeights(model, viaPy);
        var tensors = Safetensors.LoadStateDict(Path.Combine(dir, "m.safetensors"));
        Assert.Equal(model.state_dict().Keys.Order(), tensors.Keys.Order());
        foreach (var (key, t) in model.state_dict()) Assert.True(t.allclose(tensors[key], 0, 0), key);
    }

    [Fact]
    public void AnotherConfigurationsCheckpointNamesEveryMismatchedTensor()
    {
        string dir = TempDir(), path = Path.Combine(dir, "m.safetensors");
        using var model = Perturbed(XmlModelTests.Tiny, 7);
        ModelFiles.Save(model, path, WeightFormat.Safetensors);
        // wider hidden size: every hidden-sized tensor is mis-shaped; one stream: the other stream's are unexpected
        var wider = XmlModelTests.Tiny with { HiddenSize = 24 };
        var e = Assert.Throws<DataFormatException>(() => ModelFiles.Load(path, ModelSpec.Of(wider)));
        Assert.StartsWith(path, e.Message);
        using var other = new XmlModel(wider);
        var misShaped = model.state_dict().Where(kv => !kv.Value.shape.SequenceEqual(other.state_dict()[kv.Key].shape)).Select(kv => kv.Key).ToList();
        Assert.Contains($"{misShaped.Count} mis-shaped", e.Message);
        foreach (var name in misShaped) Assert.Contains($"    {name}: file ", e.Message);

        var videoOnly = XmlModelTests.Tiny with { ContextMode = ContextMode.Video };
        e = Assert.Throws<DataFormatException>(() => ModelFiles.Load(path, ModelSpec.Of(videoOnly)));
        using var single = new XmlModel(videoOnly);
        var unexpected = model.state_dict().Keys.Except(single.state_dict().Keys).ToList();
        var missing = single.state_dict().Keys.Except(model.state_dict().Keys).ToList();
        Assert.Contains($"{unexpected.Count} unexpected", e.Message);
        Assert.Contains($"{missing.Count} missing", e.Message);
        foreach (var name in unexpected.Concat(missing)) Assert.Contains($"    {name} (", e.Message);
    }

    [Fact]
    public void ABareStateDictNeedsAConfig()
    {
        string path = Path.Combine(TempDir(), "sd.pt");
        using var model = Perturbed(XmlModelTests.Tiny, 8);
        ModelFiles.Save(model, path, WeightFormat.PyTorch, stateDictOnly: true);
        var e = Assert.Throws<DataFormatException>(() => ModelFiles.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("--config", e.Message);
    }

    [Fact]
    public void UnknownOrUnsupportedModelCfgKeysAreNamed()
    {
        string dir = TempDir();
        foreach (var (key, value, expected) in new (string, object?, string)[]
        {
            ("frobnicate", 1L, "frobnicate"),
            ("span_predictor_type", "cat_linear", "model_cfg.span_predictor_type: 'cat_linear' is not supported"),
            ("ctx_mode", "tef", "model_cfg.ctx_mode 'tef'"),
            ("hidden_size", "wide", "model_cfg.hidden_size: 'wide' is not an integer"),
            ("n_heads", 5L, "XmlConfig.HiddenSize: 16 is not a multiple of Heads=5"),
        })
        {
            using var content = TorchFile.Read(XmlParityTests.Fixture("xml-video-sub.ckpt"));
            var root = (PyDict)content.Root!;
            ((PyDict)root["model_cfg"]!)[key] = value;
            string path = Path.Combine(dir, $"{key}.ckpt");
            TorchFile.Write(path, root);
            var e = Assert.Throws<DataFormatException>(() => ModelFiles.Load(path));
            Assert.StartsWith(path, e.Message);
            Assert.Contains(expected, e.Message);
        }
    }

    [Fact]
    public void ConfigFilesReadTheSuiteDescriptionAndReferenceKeysAndNameUnknownKeys()
    {
        string dir = TempDir();
        using var model = new XmlModel(XmlModelTests.Tiny);
        string suite = Path.Combine(dir, "config.json"), reference = Path.Combine(dir, "model_cfg.json");
        File.WriteAllText(suite, ModelRegistry.Describe(model));
        File.WriteAllText(reference, ModelConfigFiles.ToJson(XmlReference.ToModelCfg(XmlModelTests.Tiny)));
        Assert.Equal(new ModelSpec(XmlModel.KindName, XmlModelTests.Tiny), ModelConfigFiles.Read(suite));
        Assert.Equal(new ModelSpec(XmlModel.KindName, XmlModelTests.Tiny), ModelConfigFiles.Read(reference));

        File.WriteAllText(suite, ModelRegistry.Describe(model).Replace("\"HiddenSize\"", "\"HiddenSise\""));
        var e = Assert.Throws<DataFormatException>(() => ModelConfigFiles.Read(suite));
        Assert.Contains(suite, e.Message);
        Assert.Contains("HiddenSise", e.Message);
    }

    [Fact]
    public void ReferenceConfigMappingRoundTripsTheSuitesVariants()
    {
        foreach (var config in new[]
        {
            XmlConfig.Paper, XmlModelTests.Tiny with { Modular = false, CrossAttention = false, StackedConvKernelSizes = [3, 5, 7] },
            XmlModelTests.Tiny with { ContextMode = ContextMode.Sub, UseTef = true, RankingLoss = RankingLoss.Lse, Margin = 0.2 },
            XmlModelTests.Tiny with { ContextMode = ContextMode.Video, UseTef = true, HardPoolSize = 7, LossWeightStartEnd = 0.5 },
        })
        {
            var back = XmlReference.FromModelCfg(XmlReference.ToModelCfg(config), "test");
            // a single-stream model has no cross-attention whatever the flag says; the reference records cross_att=False
            var expected = config with { CrossAttention = config.UsesCrossAttention, HardNegativeStartEpoch = back.HardNegativeStartEpoch };
            Assert.Equal(expected with { StackedConvKernelSizes = null }, back with { StackedConvKernelSizes = null });
            Assert.Equal(expected.StackedConvKernelSizes, back.StackedConvKernelSizes);
        }
    }

    [Fact]
    public void APickledModuleObjectIsRefusedByName()
    {
        // torch.save(model) instead of torch.save(model.state_dict()): the file names the model's class
        string path = Path.Combine(TempDir(), "whole.pt");
        using (var zip = new System.IO.Compression.ZipArchive(File.Create(path), System.IO.Compression.ZipArchiveMode.Create))
        {
            using var pkl = zip.CreateEntry("archive/data.pkl").Open();
            // PROTO 2, GLOBAL model_xml.XMLModel, EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, BUILD, STOP
            pkl.Write([0x80, 2, .. "cmodel_xml\nXMLModel\n)"u8, 0x81, .. "}b."u8]);
        }
        var e = Assert.Throws<DataFormatException>(() => ModelFiles.Load(path));
        Assert.Contains("model_xml.XMLModel", e.Message);
        Assert.Contains("state_dict", e.Message);
    }

    [Fact]
    public void DataParallelPrefixesAreDropped()
    {
        using var content = TorchFile.Read(XmlParityTests.Fixture("xml-video-sub.ckpt"));
        var root = (PyDict)content.Root!;
        var prefixed = new PyDict(PyDict.OrderedDict);
        foreach (var (k, v) in (PyDict)root["model"]!) prefixed["module." + k] = v;
        root["model"] = prefixed;
        string path = Path.Combine(TempDir(), "parallel.ckpt");
        TorchFile.Write(path, root);
        using var a = ModelFiles.Load<XmlModel>(path).Model;
        using var b = ModelFiles.Load<XmlModel>(XmlParityTests.Fixture("xml-video-sub.ckpt")).Model;
        AssertSameWeights(b, a);
    }
}

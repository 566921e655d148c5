using Vcmr.Checkpoints;
using Vcmr.Cli;
using Vcmr.Data;
using Vcmr.Models.Xml;
using Vcmr.Tests.Checkpoints;

namespace Vcmr.Tests.Cli;

public class ConvertCommandTests
{
    [Fact]
    public void AReferenceCheckpointConvertsToEachFormatAndBack()
    {
        string dir = ModelFilesTests.TempDir();
        var input = new FileInfo(XmlParityTests.Fixture("xml-video-sub-legacy.ckpt"));
        var console = new StringWriter();
        var safetensors = new FileInfo(Path.Combine(dir, "xml.safetensors"));
        var suite = new FileInfo(Path.Combine(dir, "suite.ckpt"));
        var pytorch = new FileInfo(Path.Combine(dir, "reference.ckpt"));
        Assert.Equal(0, ConvertCommand.Run(input, safetensors, null, null, false, console));
        Assert.Equal(0, ConvertCommand.Run(safetensors, suite, WeightFormat.Suite, null, false, console));
        Assert.Equal(0, ConvertCommand.Run(suite, pytorch, WeightFormat.PyTorch, null, false, console));
        string text = console.ToString();
        Assert.Contains($"read {input.FullName}: reference checkpoint, epoch 11", text);
        Assert.Contains($"written {safetensors.FullName}: safetensors", text);
        Assert.Contains($"written {pytorch.FullName}: PyTorch checkpoint", text);
        using var original = ModelFiles.Load(input.FullName).Model;
        var back = ModelFiles.Load(pytorch.FullName);
        using var model = back.Model;
        Assert.Equal(11, back.Epoch);
        foreach (var (name, t) in original.state_dict()) Assert.True(t.allclose(model.state_dict()[name], 0, 0), name);
    }

    [Fact]
    public void ABareStateDictConvertsWithAConfigFile()
    {
        string dir = ModelFilesTests.TempDir();
        var console = new StringWriter();
        var stateDict = new FileInfo(Path.Combine(dir, "sd.pt"));
        var config = new FileInfo(Path.Combine(dir, "model_cfg.json"));
        using (var loaded = ModelFiles.Load<XmlModel>(XmlParityTests.Fixture("xml-sub-tef-lse.ckpt")).Model)
        {
            ModelFiles.Save(loaded, stateDict.FullName, WeightFormat.PyTorch, stateDictOnly: true);
            File.WriteAllText(config.FullName, ModelConfigFiles.ToJson(XmlReference.ToModelCfg(loaded.Config)));
        }
        var output = new FileInfo(Path.Combine(dir, "out.safetensors"));
        Assert.Equal(1, ConvertCommand.Run(stateDict, output, null, null, false, console));
        Assert.Contains("--config", console.ToString());
        Assert.Equal(0, ConvertCommand.Run(stateDict, output, null, config, false, console));
        Assert.Contains($"config from {config.FullName}", console.ToString());
        Assert.True(output.Exists);
    }

    public static TheoryData<string, string?, string> Failures => new()
    {
        { "truncated", null, "truncated" },
        { "text", null, "is not a model file" },
        { "ambiguous", null, "give --to suite or --to pytorch" },
        { "missing", null, "does not exist" },
        { "wrong-config", "config", "does not fit the 'xml' model" },
        { "unrecognised-config", "config", "give the model kind (--kind)" },
        { "unknown-kind", null, "--kind 'hero' is not a registered model kind" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void BadInputIsOneErrorAndWritesNothing(string kind, string? configKind, string expected)
    {
        string dir = ModelFilesTests.TempDir();
        string fixture = XmlParityTests.Fixture("xml-video-sub.ckpt");
        string input = Path.Combine(dir, "in.ckpt");
        switch (kind)
        {
            case "truncated": File.WriteAllBytes(input, File.ReadAllBytes(fixture)[..30_000]); break;
            case "text": File.WriteAllText(input, "{\"not\": \"a model\"}"); break;
            case "missing": break;
            default: File.Copy(fixture, input); break;
        }
        FileInfo? config = null;
        if (configKind != null)
        {
            config = new FileInfo(Path.Combine(dir, "config.json"));
            File.WriteAllText(config.FullName, """{"hidden_size": 32, "visual_input_size": 12, "query_input_size": 10, "sub_input_size": 10}""");
        }
        var output = new FileInfo(Path.Combine(dir, kind == "ambiguous" ? "out.ckpt" : "out.safetensors"));
        var console = new StringWriter();
        string? modelKind = kind switch { "wrong-config" => "xml", "unknown-kind" => "hero", _ => null };
        Assert.Equal(1, ConvertCommand.Run(new FileInfo(input), output, null, config, false, console, modelKind));
        string text = console.ToString();
        Assert.StartsWith("error: ", text);
        Assert.Contains(expected, text);
        if (kind != "unknown-kind") Assert.Contains(kind == "ambiguous" ? output.FullName : kind == "unrecognised-config" ? config!.FullName : input, text);
        Assert.False(output.Exists);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp-*"));
    }

    [Fact]
    public void ParsingTheCommandLineReachesTheCommand()
    {
        string dir = ModelFilesTests.TempDir();
        string output = Path.Combine(dir, "x.ckpt");
        Assert.Equal(0, CommandLine.Run(["convert", XmlParityTests.Fixture("xml-video-sub.ckpt"), output, "--to", "suite"], new StringWriter()));
        Assert.Equal(WeightFormat.Suite, ModelFiles.Detect(output));
    }
}

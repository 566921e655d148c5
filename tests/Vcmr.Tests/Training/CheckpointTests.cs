using System.Text;
using System.Text.Json.Nodes;
using Vcmr.Models;
using Vcmr.Models.Xml;
using Vcmr.Runtime;
using Vcmr.Tests.Models;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Training;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vcmr-ckpt").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void RoundTripKeepsEveryTensorAndCounter()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("vcmr-ckpt").FullName, "last.ckpt");
        try
        {
            using var scope = NewDisposeScope();
            var tensors = new Dictionary<string, Tensor>
            {
                ["a"] = randn(3, 4), ["b"] = tensor(7L), ["c"] = tensor(new byte[] { 1, 2, 250 }),
            };
            new Checkpoint("{\"x\":1}", 3, 0.25, 2, tensors).Save(path);
            var back = Checkpoint.Load(path);
            Assert.Equal(("{\"x\":1}", 3, 0.25, 2), (back.ConfigJson, back.Epoch, back.BestScore, back.BadEpochs));
            foreach (var (k, t) in tensors)
            {
                Assert.Equal(t.dtype, back.Tensors[k].dtype);
                Assert.Equal(t.shape, back.Tensors[k].shape);
                Assert.True(t.equal(back.Tensors[k]).all().item<bool>(), k);
            }
            Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!)); // the checkpoint and no temp file
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static XmlModel Xml(XmlConfig config, int seed)
    {
        Seeding.Seed(seed);
        var m = new XmlModel(config);
        m.eval();
        return m;
    }

    [Fact]
    public void AModelIsRebuiltFromItsCheckpointByPathAlone()
    {
        var config = XmlModelTests.Tiny with { ContextMode = ContextMode.Video, CrossAttention = false };
        using var saved = Xml(config, 1);
        string path = Path.Combine(_dir, "weights.ckpt");
        Checkpoint.SaveWeights(path, saved);
        using var rebuilt = Checkpoint.LoadModel<XmlModel>(path);
        Assert.Equal(config with { StackedConvKernelSizes = null }, rebuilt.Config);
        using var scope = NewDisposeScope();
        var batch = XmlModelTests.Batch(3, 5, 10);
        Assert.True(saved.Forward(batch).VideoScores.allclose(rebuilt.Forward(batch).VideoScores, 0, 0));
        Assert.False(Checkpoint.Load(path).HasTrainingState);
    }

    [Fact]
    public void ACheckpointWrittenBeforeAConfigFieldExistedStillLoadsWithItsDefault()
    {
        using var saved = Xml(XmlModelTests.Tiny, 2);
        string path = Path.Combine(_dir, "old.ckpt");
        Checkpoint.SaveWeights(path, saved);
        var ckpt = Checkpoint.Load(path);
        var doc = JsonNode.Parse(ckpt.ConfigJson)!;
        doc["config"]!.AsObject().Remove(nameof(XmlConfig.HardPoolSize));
        (ckpt with { ConfigJson = doc.ToJsonString() }).Save(path);
        using var rebuilt = Checkpoint.LoadModel<XmlModel>(path);
        Assert.Equal(XmlConfig.Paper.HardPoolSize, rebuilt.Config.HardPoolSize);
        using var same = Xml(XmlModelTests.Tiny, 3);
        Checkpoint.LoadWeights(path, same); // the old description equals today's once defaults are filled in
    }

    [Fact]
    public void ACheckpointOfAnotherKindOrShapeIsAnErrorNamingTheFileTheKindAndTheFirstMismatchingTensor()
    {
        ToyLocalizer.Register();
        string toyPath = Path.Combine(_dir, "toy.ckpt"), xmlPath = Path.Combine(_dir, "xml.ckpt");
        using (var toy = new ToyLocalizer(new ToyLocalizerConfig())) Checkpoint.SaveWeights(toyPath, toy);
        using var xml = Xml(XmlModelTests.Tiny, 4);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadWeights(toyPath, xml));
        Assert.Contains($"checkpoint '{toyPath}' holds a 'toy-localizer' model, not 'xml'", e.Message);
        Assert.Contains($"first mismatching tensor '{xml.state_dict().Keys.First()}' (missing from the checkpoint)", e.Message);
        Assert.Contains("holds a 'toy-localizer' model, not a XmlModel", Assert.Throws<InvalidDataException>(() => Checkpoint.LoadModel<XmlModel>(toyPath)).Message);

        Checkpoint.SaveWeights(xmlPath, xml);
        using var wider = Xml(XmlModelTests.Tiny with { HiddenSize = 32 }, 5);
        e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadWeights(xmlPath, wider));
        Assert.Contains($"checkpoint '{xmlPath}' was written for another config of 'xml' (saved \"HiddenSize\": 16, model \"HiddenSize\": 32)", e.Message);
        Assert.Contains("first mismatching tensor 'query_pos_embed.position_embeddings.weight' (checkpoint Float32 [6, 16], model Float32 [6, 32])", e.Message);
    }

    // Writes a checkpoint with one tensor called "victim" and overwrites the bytes at an offset from its dtype field.
    private string Corrupt(int offset, byte[] bytes)
    {
        string path = Path.Combine(_dir, $"corrupt-{offset}.ckpt");
        using (var scope = NewDisposeScope())
            new Checkpoint("{}", 0, 0, 0, new Dictionary<string, Tensor> { ["victim"] = ones(2, 3) }).Save(path);
        var file = File.ReadAllBytes(path);
        int at = file.AsSpan().IndexOf(Encoding.UTF8.GetBytes("victim")) + "victim".Length + offset;
        bytes.CopyTo(file, at);
        File.WriteAllBytes(path, file);
        return path;
    }

    [Theory]
    [InlineData(0, new byte[] { 0x39, 0x30, 0, 0 }, "has dtype code 12345, which is no torch dtype")]
    [InlineData(4, new byte[] { 0xff, 0xff, 0xff, 0x7f }, "has rank 2147483647")]
    [InlineData(8, new byte[] { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, "has shape [-2...]: a negative size")]
    [InlineData(8, new byte[] { 3, 0, 0, 0, 0, 0, 0, 0 }, "shape [3, 3] of Float32 needs 9 x 4 bytes, the file holds 24")]
    [InlineData(16, new byte[] { 0, 0, 0, 0, 0, 0, 0, 0x40 }, "has shape [2, 4611686018427387904...]: too many elements")]
    [InlineData(24, new byte[] { 0, 0, 0, 0x10 }, "claims 268435456 bytes")]
    public void ACorruptDtypeOrShapeFieldIsAClearErrorNamingTheFileAndTensor(int offset, byte[] bytes, string message)
    {
        string path = Corrupt(offset, bytes);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains($"checkpoint '{path}' is corrupt: tensor 'victim'", e.Message);
        Assert.Contains(message, e.Message);
    }
}

using System.Numerics;
using Vcmr.Checkpoints;
using Vcmr.Data;
using static TorchSharp.torch;

namespace Vcmr.Tests.Checkpoints;

public class TorchFileTests
{
    [Fact]
    public void NestedValuesAndTensorsOfEveryDtypeRoundTrip()
    {
        string path = Path.Combine(ModelFilesTests.TempDir(), "values.pt");
        using var scope = NewDisposeScope();
        var state = new PyDict(PyDict.OrderedDict)
        {
            ["f32"] = randn(2, 3), ["f64"] = tensor(2.5), ["f16"] = randn(4).to(ScalarType.Float16),
            ["bf16"] = randn(3).to(ScalarType.BFloat16), ["i64"] = tensor(new long[] { -1, long.MaxValue }),
            ["i32"] = tensor(new[] { 3, -4 }), ["i8"] = tensor(new sbyte[] { -8 }), ["u8"] = tensor(new byte[] { 250 }),
            ["bool"] = tensor(new[] { true, false }), ["empty"] = zeros(0, 5), ["transposed"] = arange(6f).view(2, 3).t(),
        };
        var root = new PyDict
        {
            ["model"] = state,
            ["model_cfg"] = new PyDict(PyDict.EasyDict) { ["name"] = "Zoë", ["none"] = null, ["flag"] = true, ["x"] = 0.1, ["k"] = new List<object?> { 3L, 5L } },
            ["epoch"] = 70000L, ["big"] = (BigInteger)1 << 70, ["negative"] = -300L, ["tuple"] = new PyTuple(["a", 1L]),
        };
        TorchFile.Write(path, root);
        using var back = TorchFile.Read(path);
        var r = (PyDict)back.Root!;
        Assert.Equal(["model", "model_cfg", "epoch", "big", "negative", "tuple"], r.Keys);
        var s = (PyDict)r["model"]!;
        Assert.Equal(PyDict.OrderedDict, s.ClassName);
        Assert.Equal(state.Keys, s.Keys);
        foreach (var (k, v) in state)
        {
            var t = (Tensor)s[k]!;
            Assert.Equal(((Tensor)v!).dtype, t.dtype);
            Assert.Equal(((Tensor)v).shape, t.shape);
            Assert.True(((Tensor)v).to(ScalarType.Float64).allclose(t.to(ScalarType.Float64), 0, 0), k);
        }
        var cfg = (PyDict)r["model_cfg"]!;
        Assert.Equal(PyDict.EasyDict, cfg.ClassName);
        Assert.Equal(("Zoë", (object?)null, true, 0.1), ((string)cfg["name"]!, cfg["none"], (bool)cfg["flag"]!, (double)cfg["x"]!));
        Assert.Equal([3L, 5L], (List<object?>)cfg["k"]!);
        Assert.Equal((70000L, (BigInteger)1 << 70, -300L), ((long)r["epoch"]!, (BigInteger)r["big"]!, (long)r["negative"]!));
        Assert.Equal(["a", 1L], ((PyTuple)r["tuple"]!).Items);
    }

    [Fact]
    public void WritingIsDeterministic()
    {
        string dir = ModelFilesTests.TempDir();
        using var t = arange(10f);
        var root = new PyDict(PyDict.OrderedDict) { ["w"] = t };
        TorchFile.Write(Path.Combine(dir, "a.pt"), root);
        TorchFile.Write(Path.Combine(dir, "b.pt"), root);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "a.pt")), File.ReadAllBytes(Path.Combine(dir, "b.pt")));
    }

    public static TheoryData<string, int> Truncations => new()
    {
        { "xml-video-sub.ckpt", 2 }, { "xml-video-sub.ckpt", 20_000 }, { "xml-video-sub-legacy.ckpt", 2 },
        { "xml-video-sub-legacy.ckpt", 300 }, { "xml-video-sub-legacy.ckpt", 30_000 },
    };

    [Theory]
    [MemberData(nameof(Truncations))]
    public void ATruncatedFileIsAnErrorNamingIt(string fixture, int keep)
    {
        string path = Path.Combine(ModelFilesTests.TempDir(), "cut.ckpt");
        File.WriteAllBytes(path, File.ReadAllBytes(XmlParityTests.Fixture(fixture))[..keep]);
        var e = Assert.Throws<DataFormatException>(() => TorchFile.Read(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void AFileThatIsNotFromTorchSaveIsRefused()
    {
        string dir = ModelFilesTests.TempDir();
        string text = Path.Combine(dir, "notes.pt");
        File.WriteAllText(text, "hello");
        var e = Assert.Throws<DataFormatException>(() => TorchFile.Read(text));
        Assert.Contains($"{text} is not a PyTorch file", e.Message);

        string pickle = Path.Combine(dir, "plain.pkl");
        File.WriteAllBytes(pickle, [0x80, 2, (byte)'K', 7, (byte)'.']); // pickle.dumps(7): no torch magic number
        e = Assert.Throws<DataFormatException>(() => TorchFile.Read(pickle));
        Assert.Contains("not a torch.save file", e.Message);

        string zip = Path.Combine(dir, "other.zip");
        using (var archive = new System.IO.Compression.ZipArchive(File.Create(zip), System.IO.Compression.ZipArchiveMode.Create))
            archive.CreateEntry("readme.txt");
        e = Assert.Throws<DataFormatException>(() => TorchFile.Read(zip));
        Assert.Contains("0 data.pkl records", e.Message);
    }

    [Fact]
    public void AnUnsupportedOpcodeIsNamedWithItsOffset()
    {
        string path = Path.Combine(ModelFilesTests.TempDir(), "proto0.pt");
        using (var archive = new System.IO.Compression.ZipArchive(File.Create(path), System.IO.Compression.ZipArchiveMode.Create))
        using (var pkl = archive.CreateEntry("archive/data.pkl").Open())
            pkl.Write("I7\n."u8); // protocol 0 text INT
        var e = Assert.Throws<DataFormatException>(() => TorchFile.Read(path));
        Assert.Contains("opcode 0x49", e.Message);
        Assert.Contains(path, e.Message);
    }
}

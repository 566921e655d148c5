using System.Buffers.Binary;
using System.Text;
using Vcmr.Checkpoints;
using Vcmr.Data;
using static TorchSharp.torch;

namespace Vcmr.Tests.Checkpoints;

public class SafetensorsFileTests
{
    [Fact]
    public void TensorsAndMetadataRoundTripWithAnAlignedHeader()
    {
        string path = Path.Combine(ModelFilesTests.TempDir(), "t.safetensors");
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["a.weight"] = randn(3, 4), ["b"] = tensor(new long[] { 1, -2 }), ["scalar"] = tensor(1.5f),
            ["half"] = randn(5).to(ScalarType.Float16), ["mask"] = tensor(new[] { true, false, true }), ["none"] = zeros(0),
        };
        SafetensorsFile.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "Zoë" });
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0, (8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes)) % 8);
        using var back = SafetensorsFile.Read(path);
        Assert.Equal(tensors.Keys, back.Tensors.Keys);
        foreach (var (k, t) in tensors)
        {
            Assert.Equal(t.dtype, back.Tensors[k].dtype);
            Assert.Equal(t.shape, back.Tensors[k].shape);
            Assert.True(t.to(ScalarType.Float64).allclose(back.Tensors[k].to(ScalarType.Float64), 0, 0), k);
        }
        Assert.Equal("Zoë", back.Metadata["note"]);
    }

    /// <summary>A file with one F32 tensor "w" of shape (2, 2) whose header JSON is <paramref name="header"/>.</summary>
    private static string Write(string header, int dataBytes = 16, ulong? lengthField = null)
    {
        string path = Path.Combine(ModelFilesTests.TempDir(), "bad.safetensors");
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, lengthField ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private const string Good = """{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}""";

    public static TheoryData<string, int, ulong?, string> BadFiles => new()
    {
        { Good, 16, 1UL << 40, "header length field says 1099511627776 bytes" },
        { "not json at all", 16, null, "the safetensors header: not valid JSON" },
        { "[1, 2]", 16, null, "the safetensors header: expected a JSON object" },
        { """{"w":{"dtype":"F12","shape":[2,2],"data_offsets":[0,16]}}""", 16, null, "tensor 'w': dtype 'F12' is not supported" },
        { """{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}}""", 16, null, "tensor 'w': data_offsets [0, 16] hold 16 bytes, dtype F32 shape [2, 3] needs 24" },
        { """{"w":{"dtype":"F32","shape":[2,2]}}""", 16, null, "tensor 'w': header entry has no 'data_offsets' array" },
        { Good, 8, null, "tensor 'w' data_offsets [0, 16] reach past the 8 data bytes of the file (truncated?)" },
        { Good, 20, null, "the header's tensors cover 16 data bytes, the file has 20" },
        { """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 16, null, "tensor 'v' starts at data byte 4, expected 8 (overlaps the previous tensor)" },
        { """{"__metadata__":{"epoch":3},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}""", 16, null, "safetensors __metadata__.epoch is not a string" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void AWrongHeaderIsAnErrorNamingTheFileAndTensor(string header, int dataBytes, ulong? lengthField, string expected)
    {
        string path = Write(header, dataBytes, lengthField);
        var e = Assert.Throws<DataFormatException>(() => SafetensorsFile.Read(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void AHeaderOf128BytesIsNotTakenForAPickle()
    {
        // the length field's first byte is then 0x80, the pickle PROTO opcode
        string path = Write(Good.PadRight(128));
        Assert.Equal(0x80, File.ReadAllBytes(path)[0]);
        Assert.Equal(WeightFormat.Safetensors, ModelFiles.Detect(path));
        using var content = SafetensorsFile.Read(path);
        Assert.Equal(new long[] { 2, 2 }, content.Tensors["w"].shape);
    }

    [Fact]
    public void AShortFileIsNotASafetensorsFile()
    {
        string path = Path.Combine(ModelFilesTests.TempDir(), "short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        var e = Assert.Throws<DataFormatException>(() => SafetensorsFile.Read(path));
        Assert.Contains("shorter than the 8-byte header length", e.Message);
        var d = Assert.Throws<DataFormatException>(() => ModelFiles.Detect(path));
        Assert.Contains("is not a model file", d.Message);
    }
}

using System.Text;
using Vcmr.Data;
using Vcmr.Evaluation;

namespace Vcmr.Tests.Evaluation;

public class NpyFileTests
{
    private static string TempPath() => Path.Combine(Directory.CreateTempSubdirectory("vcmr-npy").FullName, "sim.npy");

    /// <summary>A file laid out by hand from the format spec: magic, version, little-endian header length, dict, data.</summary>
    private static byte[] HandMade(byte major, string dict, int align, byte[] data)
    {
        int lengthBytes = major == 1 ? 2 : 4, prefix = 6 + 2 + lengthBytes;
        int headerLength = (prefix + dict.Length + 1 + align - 1) / align * align - prefix;
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0 };
        for (int b = 0; b < lengthBytes; b++) bytes.Add((byte)(headerLength >> (8 * b)));
        bytes.AddRange(Encoding.ASCII.GetBytes(dict.PadRight(headerLength - 1) + "\n"));
        bytes.AddRange(data);
        return [.. bytes];
    }

    private static byte[] Floats(params float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();

    [Fact]
    public void WritesTheBytesTheSpecPrescribes()
    {
        string path = TempPath();
        NpyFile.Write(path, new SimilarityMatrix(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3));
        var bytes = File.ReadAllBytes(path);
        // 10-byte prefix + 118-byte header = 128, a multiple of 64; header length 118 = 0x76 little-endian
        Assert.Equal(new byte[] { 0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 0x76, 0x00 }, bytes[..10]);
        string header = Encoding.ASCII.GetString(bytes, 10, 118);
        Assert.Equal("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header.TrimEnd(' ', '\n'));
        Assert.EndsWith(" \n", header);
        Assert.Equal(HandMade(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 64, Floats(1, 2, 3, 4, 5, 6)), bytes);
    }

    [Fact]
    public void ReadsHandMadeV1WithOldAlignmentAndV2Files()
    {
        var data = new[] { 0.5, -0.0, double.PositiveInfinity, 1e-300 }.SelectMany(BitConverter.GetBytes).ToArray();
        string path = TempPath();
        File.WriteAllBytes(path, HandMade(2, "{'fortran_order': False, 'descr': '<f8', 'shape': (2, 2)}", 16, data));
        var m = NpyFile.Read(path);
        Assert.Equal((2, 2, "float64"), (m.Rows, m.Cols, m.DType));
        Assert.Equal(new[] { 0.5, -0.0, double.PositiveInfinity, 1e-300 }, m.Float64);
        Assert.Equal(double.PositiveInfinity, m[1, 0]); // row-major: row 1 starts at the third value
        File.WriteAllBytes(path, HandMade(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }", 16, Floats(7, 8, 9)));
        Assert.Equal(new[] { 7f, 8f, 9f }, NpyFile.Read(path).Float32);
    }

    [Fact]
    public void RoundTripsFloat32AndFloat64BitForBit()
    {
        var rng = new Random(3);
        var f = Enumerable.Range(0, 7 * 5).Select(_ => (float)rng.NextDouble() - 0.5f).Append(float.NaN).Append(float.NegativeInfinity).ToArray();
        string path = TempPath();
        NpyFile.Write(path, new SimilarityMatrix(f, 37, 1));
        var back = NpyFile.Read(path);
        Assert.Equal((37, 1), (back.Rows, back.Cols));
        Assert.Equal(f.Select(BitConverter.SingleToInt32Bits), back.Float32!.Select(BitConverter.SingleToInt32Bits));
        var d = f.Select(x => (double)x * Math.PI).ToArray();
        NpyFile.Write(path, new SimilarityMatrix(d, 1, 37));
        Assert.Equal(d.Select(BitConverter.DoubleToInt64Bits), NpyFile.Read(path).Float64!.Select(BitConverter.DoubleToInt64Bits));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temp file left behind
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3), }", "header field 'fortran_order' is True")]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 3), }", "header field 'descr' is '>f4'")]
    [InlineData("{'descr': '<i4', 'fortran_order': False, 'shape': (1, 3), }", "header field 'descr' is '<i4'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", "header field 'shape' is (3,); expected a 2-D")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 3), }", "header field 'shape' is (1, 1, 3)")]
    [InlineData("{'descr': '<f4', 'shape': (1, 3), }", "header field 'fortran_order' is missing")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", "header shape (2, 3) of <f4 needs 152 bytes, the file has 140")]
    public void BadHeadersNameTheFileAndTheField(string dict, string expected)
    {
        string path = TempPath();
        File.WriteAllBytes(path, HandMade(1, dict, 64, Floats(1, 2, 3)));
        var e = Assert.Throws<DataFormatException>(() => NpyFile.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void NotAnNpyFileIsNamed()
    {
        string path = TempPath();
        File.WriteAllText(path, "{\"json\": 1}");
        Assert.Equal($"{path}: not a .npy file (no \\x93NUMPY magic)", Assert.Throws<DataFormatException>(() => NpyFile.Read(path)).Message);
    }
}

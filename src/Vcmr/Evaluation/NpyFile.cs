using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Vcmr.Data;

namespace Vcmr.Evaluation;

/// <summary>
/// NumPy <c>.npy</c> files holding a 2-D float32/float64 matrix (TextVR's <c>sim_matrix.npy</c>). Format: the magic
/// <c>\x93NUMPY</c>, major and minor version bytes, the header length (uint16 little-endian in v1.0, uint32 in v2.0
/// and v3.0), then an ASCII (v3: UTF-8) Python dict literal with 'descr', 'fortran_order' and 'shape', padded with
/// spaces and a final '\n' so the data starts on a 64-byte boundary; then the raw values.
/// Only little-endian ('&lt;f4', '&lt;f8') C-order 2-D arrays are accepted; anything else is an error that names
/// the file and the header field.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int Alignment = 64;

    public static SimilarityMatrix Read(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("NpyFile reads little-endian data on little-endian hosts only");
        DataFormatException.RequireFile(path, ".npy");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var (descr, rows, cols) = ReadHeader(stream, path);
        long values = (long)rows * cols, itemSize = descr == "<f4" ? 4 : 8;
        long expected = stream.Position + values * itemSize;
        if (stream.Length != expected)
            throw new DataFormatException($"{path}: header shape ({rows}, {cols}) of {descr} needs {expected} bytes, the file has {stream.Length}");
        if (values > Array.MaxLength) throw new DataFormatException($"{path}: header field 'shape': ({rows}, {cols}) is too large for one array");
        if (descr == "<f4")
        {
            var data = new float[values];
            stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
            return new SimilarityMatrix(data, rows, cols);
        }
        var doubles = new double[values];
        stream.ReadExactly(MemoryMarshal.AsBytes(doubles.AsSpan()));
        return new SimilarityMatrix(doubles, rows, cols);
    }

    /// <summary>Writes format v1.0 (v2.0 if the header would not fit in 65,535 bytes), atomically.</summary>
    public static void Write(string path, SimilarityMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("NpyFile writes little-endian data on little-endian hosts only");
        byte[] header = Header(matrix.Float32 != null ? "<f4" : "<f8", matrix.Rows, matrix.Cols);
        AtomicFile.WriteStream(path, stream =>
        {
            stream.Write(header);
            if (matrix.Float32 != null) stream.Write(MemoryMarshal.AsBytes(matrix.Float32.AsSpan()));
            else stream.Write(MemoryMarshal.AsBytes(matrix.Float64!.AsSpan()));
        });
    }

    /// <summary>Magic, version, length and the padded dict, as numpy.lib.format writes it for a C-order array.</summary>
    internal static byte[] Header(string descr, int rows, int cols)
    {
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({rows}, {cols}), }}";
        foreach (var (major, lengthBytes) in new[] { (1, 2), (2, 4) })
        {
            int prefix = Magic.Length + 2 + lengthBytes;
            int total = (prefix + dict.Length + 1 + Alignment - 1) / Alignment * Alignment;
            int headerLength = total - prefix;
            if (lengthBytes == 2 && headerLength > ushort.MaxValue) continue;
            var bytes = new byte[total];
            Magic.CopyTo(bytes, 0);
            bytes[6] = (byte)major;
            bytes[7] = 0;
            if (lengthBytes == 2) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)headerLength);
            else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)headerLength);
            Encoding.ASCII.GetBytes(dict.PadRight(headerLength - 1) + "\n").CopyTo(bytes, prefix);
            return bytes;
        }
        throw new UnreachableException();
    }

    private static (string Descr, int Rows, int Cols) ReadHeader(Stream stream, string path)
    {
        var (descr, fortran, dims) = ParseHeader(stream, path);
        if (descr is not ("<f4" or "<f8"))
            throw new DataFormatException($"{path}: header field 'descr' is '{descr}'; only little-endian float32 '<f4' or float64 '<f8' similarity matrices are supported");
        if (fortran) throw new DataFormatException($"{path}: header field 'fortran_order' is True; save the matrix in C order (np.ascontiguousarray)");
        if (dims.Length != 2) // shown as Python shows the tuple: (3,)
            throw new DataFormatException($"{path}: header field 'shape' is ({string.Join(", ", dims)}{(dims.Length == 1 ? "," : "")}); expected a 2-D (rows, columns) matrix");
        return (descr, dims[0], dims[1]);
    }

    /// <summary>The header of any .npy array: its dtype string ('&lt;f4', '&lt;f2' ...), whether it is in Fortran order,
    /// and its shape; the stream is left at the first value.</summary>
    internal static (string Descr, bool FortranOrder, int[] Shape) ParseHeader(Stream stream, string path)
    {
        Span<byte> start = stackalloc byte[8];
        if (stream.ReadAtLeast(start, 8, throwOnEndOfStream: false) < 8 || !start[..6].SequenceEqual(Magic))
            throw new DataFormatException($"{path}: not a .npy file (no \\x93NUMPY magic)");
        int major = start[6];
        if (major is < 1 or > 3) throw new DataFormatException($"{path}: .npy format version {major}.{start[7]} is not 1.0, 2.0 or 3.0");
        Span<byte> lengthBytes = stackalloc byte[major == 1 ? 2 : 4];
        if (stream.ReadAtLeast(lengthBytes, lengthBytes.Length, throwOnEndOfStream: false) < lengthBytes.Length)
            throw new DataFormatException($"{path}: the file ends inside the header length");
        long length = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes) : BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (stream.CanSeek && length > stream.Length - stream.Position) throw new DataFormatException($"{path}: header length {length} runs past the end of the file");
        var headerBytes = new byte[length];
        if (stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false) < headerBytes.Length)
            throw new DataFormatException($"{path}: header length {length} runs past the end of the file");
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes).TrimEnd();

        string descr = Field(DescrPattern(), header, "descr", path);
        bool fortran = Field(FortranPattern(), header, "fortran_order", path) == "True";
        string shape = Field(ShapePattern(), header, "shape", path);
        var dims = shape.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n
                : throw new DataFormatException($"{path}: header field 'shape' is ({shape}); '{d}' is not a size")).ToArray();
        return (descr, fortran, dims);
    }

    private static string Field(Regex pattern, string header, string name, string path)
    {
        var match = pattern.Match(header);
        return match.Success ? match.Groups[1].Value : throw new DataFormatException($"{path}: header field '{name}' is missing or malformed in {header}");
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)\b")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}

using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using MessagePack;
using Vcmr.Evaluation;

namespace Vcmr.Data;

/// <summary>How a value of an LMDB feature store encodes its <c>features</c> matrix.</summary>
public enum FeatureEncoding
{
    /// <summary><c>np.savez(BytesIO, features=...)</c> (or savez_compressed): read back with <c>np.load(BytesIO)['features']</c>
    /// (CONQUER's subtitle and query stores).</summary>
    Npz,
    /// <summary><c>msgpack_numpy.dumps({'features': ...})</c>: read back with <c>msgpack_numpy.loads(value, raw=False)</c>
    /// (HERO's and CONQUER's video store).</summary>
    MsgpackNumpy,
}

/// <summary>
/// The two encodings of a <c>{'features': (rows, D) array}</c> dict in CONQUER's LMDB stores, decoded without Python: an
/// in-memory .npz (a zip holding features.npy) and a msgpack_numpy map. Arrays may be float16, float32 or float64 in
/// either byte order and C or Fortran order; they are returned as row-major float32. Writers produce what numpy and
/// msgpack_numpy produce (float32, C order; msgpack with bin-typed bytes, as msgpack >= 1.0 packs them).
/// </summary>
public static class NumpyFeatures
{
    private const string Key = "features";

    /// <summary>Which encoding a value uses (a zip starts with PK\x03\x04; a msgpack dict with a map header).</summary>
    public static FeatureEncoding Detect(ReadOnlySpan<byte> value, string where) =>
        value.StartsWith("PK\x03\x04"u8) ? FeatureEncoding.Npz
        : value.Length > 0 && (value[0] is >= 0x80 and <= 0x8f or 0xde or 0xdf) ? FeatureEncoding.MsgpackNumpy
        : throw new DataFormatException($"{where}: the value is neither an .npz (np.savez) nor a msgpack_numpy dict ({Head(value)})");

    /// <summary>The features matrix of a value, as (rows, cols) and its row-major float32 values.</summary>
    public static FeatureMatrix Decode(byte[] value, string where)
    {
        var array = Detect(value, where) == FeatureEncoding.Npz ? FromNpz(value, where) : FromMsgpack(value, where);
        return array.ToMatrix(where);
    }

    /// <summary>The shape of the features matrix without converting its values.</summary>
    public static (int Rows, int Cols) Shape(byte[] value, string where)
    {
        var array = Detect(value, where) == FeatureEncoding.Npz ? FromNpz(value, where, headerOnly: true) : FromMsgpack(value, where);
        return array.Shape2D(where);
    }

    public static byte[] Encode(FeatureMatrix matrix, FeatureEncoding encoding) =>
        encoding == FeatureEncoding.Npz ? ToNpz(matrix) : ToMsgpack(matrix);

    /// <summary>An array's dtype string, Fortran flag, shape and raw bytes.</summary>
    private sealed record RawArray(string Descr, bool Fortran, int[] Dims, ReadOnlyMemory<byte> Data)
    {
        public (int Rows, int Cols) Shape2D(string where) => Dims.Length == 2 ? (Dims[0], Dims[1])
            : throw new DataFormatException($"{where}: '{Key}' has shape ({string.Join(", ", Dims)}), expected 2-D (rows, dim)");

        public FeatureMatrix ToMatrix(string where)
        {
            var (rows, cols) = Shape2D(where);
            char order = Descr.Length == 3 ? Descr[0] : '?';
            string type = Descr.Length == 3 ? Descr[1..] : Descr;
            int size = type switch
            {
                "f2" => 2,
                "f4" => 4,
                "f8" => 8,
                _ => throw new DataFormatException($"{where}: '{Key}' has dtype '{Descr}'; float16, float32 or float64 ('<f2', '<f4', '<f8') expected"),
            };
            if (order is not ('<' or '>' or '|' or '='))
                throw new DataFormatException($"{where}: '{Key}' has dtype '{Descr}' without a byte order");
            long count = (long)rows * cols;
            if (Data.Length != count * size)
                throw new DataFormatException($"{where}: '{Key}' of shape ({rows}, {cols}) and dtype '{Descr}' needs {count * size} bytes, the value holds {Data.Length}");
            bool swap = order == '>' == BitConverter.IsLittleEndian && size > 1;
            var values = new float[count];
            var bytes = Data.Span;
            if (size == 4 && !swap && !Fortran)
            {
                bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
                return new FeatureMatrix(values, rows, cols);
            }
            for (long i = 0; i < count; i++)
            {
                var b = bytes.Slice((int)(i * size), size);
                long target = Fortran ? i % rows * cols + i / rows : i; // column-major: element i is (i % rows, i / rows)
                values[target] = size switch
                {
                    2 => (float)(swap ? BitConverter.Int16BitsToHalf(BinaryPrimitives.ReverseEndianness(MemoryMarshal.Read<short>(b))) : MemoryMarshal.Read<Half>(b)),
                    4 => swap ? BitConverter.Int32BitsToSingle(BinaryPrimitives.ReverseEndianness(MemoryMarshal.Read<int>(b))) : MemoryMarshal.Read<float>(b),
                    _ => (float)(swap ? BitConverter.Int64BitsToDouble(BinaryPrimitives.ReverseEndianness(MemoryMarshal.Read<long>(b))) : MemoryMarshal.Read<double>(b)),
                };
            }
            return new FeatureMatrix(values, rows, cols);
        }
    }

    private static RawArray FromNpz(byte[] value, string where, bool headerOnly = false)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(value, writable: false), ZipArchiveMode.Read);
            var entry = zip.GetEntry(Key + ".npy") ?? throw new DataFormatException(
                $"{where}: the .npz holds no '{Key}' array (it holds {string.Join(", ", zip.Entries.Select(e => e.FullName))})");
            using var stream = entry.Open();
            var (descr, fortran, dims) = NpyFile.ParseHeader(stream, $"{where} ({Key}.npy)");
            if (headerOnly) return new RawArray(descr, fortran, dims, ReadOnlyMemory<byte>.Empty);
            var data = new MemoryStream();
            stream.CopyTo(data);
            return new RawArray(descr, fortran, dims, data.GetBuffer().AsMemory(0, (int)data.Length));
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{where}: the value is not a readable .npz ({e.Message})", e);
        }
    }

    private static RawArray FromMsgpack(byte[] value, string where)
    {
        var reader = new MessagePackReader(value);
        try
        {
            int n = reader.ReadMapHeader();
            RawArray? found = null;
            for (int i = 0; i < n; i++)
            {
                string key = ReadText(ref reader, where);
                if (key == Key) found = ReadNdarray(ref reader, where);
                else reader.Skip();
            }
            return found ?? throw new DataFormatException($"{where}: the msgpack dict has no '{Key}' entry");
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException)
        {
            throw new DataFormatException($"{where}: the value is not a msgpack_numpy dict ({e.Message})", e);
        }
    }

    // msgpack_numpy.encode: {b'nd': True, b'type': dtype.str, b'kind': b'', b'shape': shape, b'data': raw bytes}; keys and
    // bytes are bin-typed (msgpack >= 1.0) or raw str-typed (older packers), the dtype string a str.
    private static RawArray ReadNdarray(ref MessagePackReader reader, string where)
    {
        if (reader.NextMessagePackType != MessagePackType.Map)
            throw new DataFormatException($"{where}: '{Key}' is not a msgpack_numpy array (a map with nd/type/shape/data)");
        int n = reader.ReadMapHeader();
        (bool? nd, string? type, int[]? shape, byte[]? data, string? kind) = (null, null, null, null, null);
        for (int i = 0; i < n; i++)
        {
            switch (ReadText(ref reader, where))
            {
                case "nd": nd = reader.ReadBoolean(); break;
                case "type": type = ReadText(ref reader, where); break;
                case "kind": kind = ReadText(ref reader, where); break;
                case "shape":
                    int rank = reader.ReadArrayHeader();
                    shape = new int[rank];
                    for (int d = 0; d < rank; d++) shape[d] = reader.ReadInt32();
                    break;
                case "data": data = ReadBytes(ref reader); break;
                default: reader.Skip(); break;
            }
        }
        if (nd != true || type is null || shape is null || data is null)
            throw new DataFormatException($"{where}: '{Key}' is not a msgpack_numpy ndarray (needs nd: True, type, shape and data)");
        if (kind is "V" or "O") throw new DataFormatException($"{where}: '{Key}' has a structured or object dtype (kind '{kind}'), not floats");
        return new RawArray(type, false, shape, data);
    }

    private static string ReadText(ref MessagePackReader reader, string where) => reader.NextMessagePackType switch
    {
        MessagePackType.String => reader.ReadString() ?? "",
        MessagePackType.Binary => Encoding.UTF8.GetString(reader.ReadBytes()!.Value.ToArray()),
        var t => throw new DataFormatException($"{where}: expected a msgpack string key or value, found {t}"),
    };

    private static byte[] ReadBytes(ref MessagePackReader reader) => reader.NextMessagePackType == MessagePackType.String
        ? reader.ReadStringSequence()!.Value.ToArray() : reader.ReadBytes()!.Value.ToArray();

    private static byte[] ToNpz(FeatureMatrix m)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry(Key + ".npy", CompressionLevel.NoCompression).Open();
            entry.Write(NpyFile.Header("<f4", m.Rows, m.Cols));
            entry.Write(MemoryMarshal.AsBytes(m.Data.AsSpan(0, m.Rows * m.Cols)));
        }
        return buffer.ToArray();
    }

    private static byte[] ToMsgpack(FeatureMatrix m)
    {
        var buffer = new ArrayBufferWriter<byte>(m.Rows * m.Cols * 4 + 64);
        var w = new MessagePackWriter(buffer);
        w.WriteMapHeader(1);
        w.Write(Key);
        w.WriteMapHeader(5);
        w.Write("nd"u8);
        w.Write(true);
        w.Write("type"u8);
        w.Write("<f4");
        w.Write("kind"u8);
        w.Write(ReadOnlySpan<byte>.Empty);
        w.Write("shape"u8);
        w.WriteArrayHeader(2);
        w.Write(m.Rows);
        w.Write(m.Cols);
        w.Write("data"u8);
        w.Write(MemoryMarshal.AsBytes(m.Data.AsSpan(0, m.Rows * m.Cols)));
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static string Head(ReadOnlySpan<byte> value) =>
        value.Length == 0 ? "it is empty" : $"it starts with {Convert.ToHexString(value[..Math.Min(8, value.Length)])}";
}

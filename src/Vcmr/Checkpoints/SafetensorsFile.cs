using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Vcmr.Data;
using static TorchSharp.torch;

namespace Vcmr.Checkpoints;

/// <summary>The tensors (in header order) and the string metadata of a safetensors file. Disposing it frees the tensors.</summary>
public sealed class SafetensorsContent(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata) : IDisposable
{
    public IReadOnlyDictionary<string, Tensor> Tensors { get; } = tensors;
    public IReadOnlyDictionary<string, string> Metadata { get; } = metadata;

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}

/// <summary>
/// safetensors files (Hugging Face's format): an 8-byte little-endian header length, a UTF-8 JSON header mapping
/// each tensor name to its dtype, shape and [begin, end) byte range in the data that follows, plus an optional
/// <c>__metadata__</c> object of strings; then the raw little-endian data, fully covered by the ranges. Reading
/// checks the header against the file before any data is read, so a wrong header or a truncated file is an error
/// naming the file and the tensor; writing is atomic.
/// </summary>
public static class SafetensorsFile
{
    private const string MetadataKey = "__metadata__";
    private const long MaxHeaderBytes = 100 << 20; // the format's own limit

    private static readonly (string Name, ScalarType Type)[] DTypes =
    [
        ("F64", ScalarType.Float64), ("F32", ScalarType.Float32), ("F16", ScalarType.Float16), ("BF16", ScalarType.BFloat16),
        ("I64", ScalarType.Int64), ("I32", ScalarType.Int32), ("I16", ScalarType.Int16), ("I8", ScalarType.Int8),
        ("U8", ScalarType.Byte), ("BOOL", ScalarType.Bool),
    ];

    private sealed record Entry(string Name, ScalarType Type, long[] Shape, long Begin, long End);

    /// <summary>True when the file starts like a safetensors file (a header length that fits, then '{').</summary>
    public static bool LooksLike(ReadOnlySpan<byte> head, long fileLength) =>
        head.Length >= 9 && BinaryPrimitives.ReadUInt64LittleEndian(head) is var n && n >= 2 && (long)n <= fileLength - 8 && head[8] == '{';

    public static SafetensorsContent Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var (entries, metadata, dataStart) = ReadHeader(path, stream);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var e in entries)
            {
                var bytes = new byte[e.End - e.Begin];
                stream.Position = dataStart + e.Begin;
                stream.ReadExactly(bytes);
                var t = empty(e.Shape, e.Type);
                tensors[e.Name] = t;
                t.bytes = bytes;
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return new SafetensorsContent(tensors, metadata);
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata, long DataStart) ReadHeader(string path, FileStream stream)
    {
        long length = stream.Length;
        if (length < 8) throw new DataFormatException($"{path} is not a safetensors file: {length} bytes, shorter than the 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerBytes = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerBytes > (ulong)(length - 8) || headerBytes > MaxHeaderBytes)
            throw new DataFormatException($"{path} is not a safetensors file (or is truncated): its header length field says {headerBytes} bytes, the file has {length - 8} after it");
        var json = new byte[headerBytes];
        stream.ReadExactly(json);
        return JsonFields.ReadObject(Encoding.UTF8.GetString(json), $"{path}: the safetensors header", header =>
        {
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<Entry>();
            foreach (var p in header.EnumerateObject())
            {
                if (p.Name == MetadataKey) ReadMetadata(path, p.Value, metadata);
                else entries.Add(ReadEntry(path, p));
            }
            long dataStart = 8 + (long)headerBytes;
            CheckCoverage(path, entries, length - dataStart);
            return (entries, metadata, dataStart);
        });
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object) throw new DataFormatException($"{path}: safetensors {MetadataKey} is not an object");
        foreach (var m in value.EnumerateObject())
            metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()!
                : throw new DataFormatException($"{path}: safetensors {MetadataKey}.{m.Name} is not a string");
    }

    private static Entry ReadEntry(string path, JsonProperty p)
    {
        string where = $"{path}: tensor '{p.Name}'";
        var v = p.Value;
        if (v.ValueKind != JsonValueKind.Object) throw new DataFormatException($"{where}: header entry is not an object");
        string dtype = v.TryGetProperty("dtype", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()!
            : throw new DataFormatException($"{where}: header entry has no string 'dtype'");
        var type = DTypes.Where(t => t.Name == dtype).Select(t => (ScalarType?)t.Type).FirstOrDefault()
            ?? throw new DataFormatException($"{where}: dtype '{dtype}' is not supported ({string.Join(", ", DTypes.Select(t => t.Name))})");
        long[] shape = Longs(v, "shape", where);
        long[] offsets = Longs(v, "data_offsets", where);
        if (shape.Any(s => s < 0)) throw new DataFormatException($"{where}: shape [{string.Join(", ", shape)}] has a negative size");
        if (offsets is not [var begin, var end] || begin < 0 || end < begin)
            throw new DataFormatException($"{where}: data_offsets [{string.Join(", ", offsets)}] is not a [begin, end] range");
        long needed = shape.Aggregate(1L, (a, s) => checked(a * s)) * TorchStorage.ElementSize(type);
        if (end - begin != needed)
            throw new DataFormatException($"{where}: data_offsets [{begin}, {end}] hold {end - begin} bytes, dtype {dtype} shape [{string.Join(", ", shape)}] needs {needed}");
        return new Entry(p.Name, type, shape, begin, end);
    }

    private static long[] Longs(JsonElement v, string key, string where)
    {
        if (!v.TryGetProperty(key, out var a) || a.ValueKind != JsonValueKind.Array)
            throw new DataFormatException($"{where}: header entry has no '{key}' array");
        return a.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt64(out long l) ? l
            : throw new DataFormatException($"{where}: '{key}' holds {x}, not an integer")).ToArray();
    }

    // The ranges must tile the data exactly: no overlap, no hole, nothing past the end or after the last range.
    private static void CheckCoverage(string path, List<Entry> entries, long dataLength)
    {
        long at = 0;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.End > dataLength)
                throw new DataFormatException($"{path}: tensor '{e.Name}' data_offsets [{e.Begin}, {e.End}] reach past the {dataLength} data bytes of the file (truncated?)");
            if (e.Begin != at)
                throw new DataFormatException($"{path}: tensor '{e.Name}' starts at data byte {e.Begin}, expected {at} ({(e.Begin < at ? "overlaps the previous tensor" : "leaves a hole")})");
            at = e.End;
        }
        if (at != dataLength)
            throw new DataFormatException($"{path}: the header's tensors cover {at} data bytes, the file has {dataLength}");
    }

    /// <summary>Writes the tensors (contiguous CPU copies, in the given order) and the metadata, atomically.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, _) in list)
            if (name == MetadataKey || !names.Add(name)) throw new ArgumentException($"tensor name '{name}' is reserved or repeated");
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is { Count: > 0 }) header[MetadataKey] = metadata;
        long offset = 0;
        foreach (var (name, t) in list)
        {
            long bytes = t.numel() * TorchStorage.ElementSize(t.dtype);
            string dtype = DTypes.Where(d => d.Type == t.dtype).Select(d => d.Name).FirstOrDefault()
                ?? throw new ArgumentException($"tensor '{name}': dtype {t.dtype} has no safetensors name");
            header[name] = new { dtype, shape = t.shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padding = (8 - json.Length % 8) % 8; // the data starts 8-byte aligned, as the reference writer does
        AtomicFile.WriteStream(path, stream =>
        {
            Span<byte> n = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(n, (ulong)(json.Length + padding));
            stream.Write(n);
            stream.Write(json);
            stream.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
            foreach (var (_, t) in list)
            {
                using var c = t.detach().cpu().contiguous();
                stream.Write(c.bytes);
            }
        });
    }
}

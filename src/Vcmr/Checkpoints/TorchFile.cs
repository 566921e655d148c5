using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using Vcmr.Data;
using static TorchSharp.torch;

namespace Vcmr.Checkpoints;

/// <summary>What a torch.save file held: its root value (PyValues.cs types, tensors as TorchSharp tensors on the
/// CPU). Disposing it frees every tensor read.</summary>
public sealed class TorchFileContent(object? root, IReadOnlyList<Tensor> tensors) : IDisposable
{
    public object? Root { get; } = root;
    public IReadOnlyList<Tensor> Tensors { get; } = tensors;

    public void Dispose()
    {
        foreach (var t in Tensors) t.Dispose();
    }
}

/// <summary>
/// Files written by <c>torch.save</c>. Reads both layouts: the zip archive of PyTorch 1.6 and later
/// (<c>&lt;name&gt;/data.pkl</c> plus one <c>&lt;name&gt;/data/&lt;key&gt;</c> record per storage) and the
/// pickle stream of earlier versions (magic number, protocol, system info and object pickles, the storage keys, then
/// each storage as an int64 element count and its bytes), which is what TVR's reference code wrote under the
/// PyTorch 1.4 its README asks for. Writes the zip layout (readable by PyTorch 1.6 onwards and by TorchSharp.PyBridge),
/// atomically. No pickled code is run: only tensor rebuilds, dicts (OrderedDict, EasyDict), lists, tuples and
/// scalars are understood; other objects are kept by class name so errors can say what the file holds.
/// </summary>
public static class TorchFile
{
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("119547037146038801333356");
    private const long LegacyProtocol = 1001;

    public static TorchFileContent Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var head = new byte[4];
        int n = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        if (n == 4 && head is [0x50, 0x4b, 0x03, 0x04]) return ReadZip(path, stream);
        if (IsPickle(head.AsSpan(0, n))) return ReadLegacy(path, stream);
        if (n < 4) throw new DataFormatException($"{path} is {n} bytes long, too short for a PyTorch file (truncated?)");
        throw new DataFormatException($"{path} is not a PyTorch file: torch.save writes a zip archive (PyTorch >= 1.6) or a pickle stream (earlier versions), and this file starts with neither");
    }

    /// <summary>A pickle of protocol 2 or later starts with PROTO (0x80) and the protocol number.</summary>
    internal static bool IsPickle(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5;

    private static TorchFileContent ReadZip(string path, Stream stream)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path} is not a complete zip archive (truncated?): {e.Message}", e);
        }
        using (zip)
        {
            var pickles = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl").ToList();
            if (pickles.Count != 1)
                throw new DataFormatException($"{path} is a zip archive but not a torch.save file: it has {pickles.Count} data.pkl records, torch.save writes one");
            string prefix = pickles[0].FullName[..^"data.pkl".Length];
            var storages = new Dictionary<string, StorageRef>();
            object? root;
            try
            {
                using var pkl = pickles[0].Open();
                root = NewReader(pkl, $"{path} ({pickles[0].FullName})", storages).Load();
                foreach (var s in storages.Values)
                {
                    var entry = zip.GetEntry($"{prefix}data/{s.Key}")
                        ?? throw new DataFormatException($"{path}: storage record {prefix}data/{s.Key} is missing");
                    using var data = entry.Open();
                    s.Bytes = ReadExactly(data, s.ByteCount, $"{path}: storage record {entry.FullName}", entry.Length);
                }
            }
            catch (InvalidDataException e)
            {
                throw new DataFormatException($"{path}: a zip record is corrupt (truncated?): {e.Message}", e);
            }
            return Materialize(path, root, storages);
        }
    }

    private static TorchFileContent ReadLegacy(string path, Stream stream)
    {
        var storages = new Dictionary<string, StorageRef>();
        var magic = NewReader(stream, path, storages).Load();
        if (!(magic is BigInteger m && m == LegacyMagic))
            throw new DataFormatException($"{path} is a pickle but not a torch.save file (no PyTorch magic number); only tensors saved with torch.save can be read");
        if (NewReader(stream, path, storages).Load() is not long protocol || protocol != LegacyProtocol)
            throw new DataFormatException($"{path}: legacy torch.save protocol is not {LegacyProtocol}");
        if (NewReader(stream, path, storages).Load() is PyDict info && info.TryGetValue("little_endian", out var little) && little is false)
            throw new DataFormatException($"{path} was saved on a big-endian machine; only little-endian files are read");
        var root = NewReader(stream, path, storages).Load();
        if (NewReader(stream, path, storages).Load() is not List<object?> keys)
            throw new DataFormatException($"{path}: the list of storage keys after the object pickle is missing");
        foreach (var key in keys)
        {
            // Each storage is written whole (the root of any views), as an int64 element count then its bytes.
            var s = storages.Values.FirstOrDefault(x => x.Key == key as string)
                ?? throw new DataFormatException($"{path}: storage '{key}' is listed but no tensor uses it");
            var count = ReadExactly(stream, 8, $"{path}: storage '{s.Key}'", stream.Length - stream.Position);
            long numel = BinaryPrimitives.ReadInt64LittleEndian(count);
            if (numel != s.RootNumel) throw new DataFormatException($"{path}: storage '{s.Key}' has {numel} elements, its tensors say {s.RootNumel}");
            var bytes = ReadExactly(stream, checked((int)(numel * TorchStorage.ElementSize(s.Type))), $"{path}: storage '{s.Key}'", stream.Length - stream.Position);
            foreach (var view in storages.Values.Where(v => v.Key == s.Key)) view.Bytes = bytes;
        }
        return Materialize(path, root, storages);
    }

    private static byte[] ReadExactly(Stream stream, int count, string what, long available)
    {
        if (available < count) throw new DataFormatException($"{what} needs {count} bytes, the file has {Math.Max(0, available)} left (truncated?)");
        var bytes = new byte[count];
        if (stream.ReadAtLeast(bytes, count, throwOnEndOfStream: false) < count)
            throw new DataFormatException($"{what} needs {count} bytes, the file ends before (truncated?)");
        return bytes;
    }

    private sealed class StorageRef(string key, ScalarType type, long rootNumel, long offset, long numel)
    {
        public string Key { get; } = key;
        public ScalarType Type { get; } = type;
        public long RootNumel { get; } = rootNumel;
        /// <summary>Element offset of a (legacy) storage view into its root storage.</summary>
        public long Offset { get; } = offset;
        public long Numel { get; } = numel;
        public int ByteCount => checked((int)(RootNumel * TorchStorage.ElementSize(Type)));
        public byte[]? Bytes { get; set; }
    }

    private sealed record TensorRef(StorageRef Storage, long Offset, long[] Shape, long[] Stride);

    private static PickleReader NewReader(Stream stream, string source, Dictionary<string, StorageRef> storages) =>
        new(stream, source, pid => Storage(pid, source, storages), (f, args) => Rebuild(f, args, source));

    // ('storage', torch.FloatStorage, key, location, numel[, view_metadata]); view_metadata (legacy files only) is
    // None or (view_key, offset, view_numel).
    private static StorageRef Storage(object? pid, string source, Dictionary<string, StorageRef> storages)
    {
        if (pid is not PyTuple { Items: ["storage", PyGlobal type, string key, _, long numel, ..] items })
            throw new DataFormatException($"{source}: persistent id {pid} is not a tensor storage");
        var dtype = TorchStorage.DType(type.Name) ?? throw new DataFormatException($"{source}: storage type {type} is not supported");
        if (items.Count > 5 && items[5] is PyTuple { Items: [string viewKey, long offset, long viewNumel] })
            return storages.TryGetValue(viewKey, out var v) ? v : storages[viewKey] = new StorageRef(key, dtype, numel, offset, viewNumel);
        return storages.TryGetValue(key, out var s) ? s : storages[key] = new StorageRef(key, dtype, numel, 0, numel);
    }

    private static object? Rebuild(PyGlobal f, IReadOnlyList<object?> args, string source)
    {
        switch (f.ToString())
        {
            case "torch._utils._rebuild_tensor_v2" or "torch._utils._rebuild_tensor":
                if (args is not [StorageRef storage, long offset, PyTuple size, PyTuple stride, ..])
                    throw new DataFormatException($"{source}: {f} has unexpected arguments");
                return new TensorRef(storage, offset, Longs(size, source), Longs(stride, source));
            case "torch._utils._rebuild_parameter" or "torch._utils._rebuild_parameter_with_state":
                return args.Count > 0 && args[0] is TensorRef data ? data : throw new DataFormatException($"{source}: {f} without a tensor");
            case "torch._tensor._rebuild_from_type_v2":
                return args is [PyGlobal inner, _, PyTuple innerArgs, ..] ? Rebuild(inner, innerArgs.Items, source) : new PyCall(f, args);
            default:
                return new PyCall(f, args);
        }
    }

    private static long[] Longs(PyTuple t, string source) =>
        t.Items.Select(i => i as long? ?? throw new DataFormatException($"{source}: tensor size/stride entry {i} is not an integer")).ToArray();

    /// <summary>Replaces every tensor reference in the graph by a tensor of its own (a copy out of the storage).</summary>
    private static TorchFileContent Materialize(string path, object? root, Dictionary<string, StorageRef> storages)
    {
        var tensors = new List<Tensor>();
        try
        {
            return new TorchFileContent(Walk(root, ""), tensors);
        }
        catch
        {
            foreach (var t in tensors) t.Dispose();
            throw;
        }

        object? Walk(object? value, string where)
        {
            switch (value)
            {
                case TensorRef r:
                    var t = ToTensor(path, r, where);
                    tensors.Add(t);
                    return t;
                case PyDict d:
                    foreach (var key in d.Keys.ToList()) d[key] = Walk(d[key], $"{where}/{key}");
                    if (d.State is not null) d.State = Walk(d.State, $"{where}.__dict__");
                    return d;
                case List<object?> list:
                    for (int i = 0; i < list.Count; i++) list[i] = Walk(list[i], $"{where}[{i}]");
                    return list;
                case PyTuple tuple:
                    return new PyTuple(tuple.Items.Select((x, i) => Walk(x, $"{where}[{i}]")).ToList());
                default:
                    return value;
            }
        }
    }

    private static Tensor ToTensor(string path, TensorRef r, string where)
    {
        var s = r.Storage;
        long extent = r.Shape.Any(d => d == 0) ? 0 : 1 + r.Shape.Zip(r.Stride, (d, st) => (d - 1) * st).Sum();
        if (r.Offset < 0 || r.Stride.Any(st => st < 0) || r.Offset + extent > s.Numel)
            throw new DataFormatException($"{path}: tensor {where} (shape ({string.Join(", ", r.Shape)})) reaches past its storage '{s.Key}' of {s.Numel} elements");
        var bytes = s.Bytes ?? throw new DataFormatException($"{path}: the data of storage '{s.Key}' (tensor {where}) is missing");
        using var scope = NewDisposeScope();
        var flat = empty(s.RootNumel, s.Type);
        flat.bytes = bytes;
        var view = flat.as_strided(r.Shape, r.Stride, s.Offset + r.Offset);
        return empty(r.Shape, s.Type).copy_(view).MoveToOuterDisposeScope();
    }

    /// <summary>Writes <paramref name="root"/> (PyValues.cs types and tensors) as torch.save's zip layout, atomically.
    /// Tensors are written as contiguous CPU copies; the file's bytes depend only on the values.</summary>
    public static void Write(string path, object? root) => AtomicFile.WriteStream(path, stream =>
    {
        var storages = new List<Tensor>();
        try
        {
            var pickle = new MemoryStream();
            new PickleWriter(pickle, t =>
            {
                storages.Add(t.detach().cpu().contiguous());
                return (storages.Count - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }).WritePickle(root);
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            Record(zip, "archive/data.pkl", pickle.ToArray());
            Record(zip, "archive/byteorder", "little"u8);
            for (int i = 0; i < storages.Count; i++) Record(zip, $"archive/data/{i}", storages[i].bytes);
            Record(zip, "archive/version", "3\n"u8);
        }
        finally
        {
            foreach (var t in storages) t.Dispose();
        }
    });

    private static void Record(ZipArchive zip, string name, ReadOnlySpan<byte> data)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
        entry.LastWriteTime = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var s = entry.Open();
        s.Write(data);
    }
}

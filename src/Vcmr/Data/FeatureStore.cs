using System.Numerics;
using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace Vcmr.Data;

/// <summary>
/// Read access to one feature store: key -> (rows, Dim) float matrix (video: vid_name -> (n_clips, D); subtitle:
/// vid_name -> (n_clips, 768), optionally vid_name-mask; query: str(desc_id) -> (n_tokens, 768)). Two layouts: the TVR
/// release's HDF5 files (<see cref="Hdf5FeatureStore"/>) and the LMDB folders of CONQUER's release
/// (<see cref="LmdbFeatureStore"/>). Every value is checked to be finite; each read touches one key, so a
/// many-gigabyte store is never loaded whole. All errors are <see cref="DataFormatException"/>s naming the store and key.
/// </summary>
public abstract class FeatureStore : IDisposable
{
    protected FeatureStore(string path, int? dim) => (Path, Dim) = (path, dim);

    public string Path { get; }

    /// <summary>Feature width every matrix must have, or null to accept any (fixed by the first read).</summary>
    public int? Dim { get; private set; }

    /// <summary>Opens an LMDB folder (a directory holding data.mdb), else an HDF5 file.</summary>
    public static FeatureStore Open(string path, int? expectedDim = null) =>
        File.Exists(System.IO.Path.Combine(path, "data.mdb")) ? LmdbFeatureStore.Open(path, expectedDim) : Hdf5FeatureStore.Open(path, expectedDim);

    /// <summary>Every key of the store (matrices only).</summary>
    public abstract IReadOnlyCollection<string> Keys { get; }

    public abstract bool Contains(string key);

    /// <summary>(rows, Dim) of the matrix under <paramref name="key"/>, checked against <see cref="Dim"/>, without reading its values.</summary>
    public abstract (int Rows, int Cols) Shape(string key);

    /// <summary>The (rows, Dim) matrix stored under <paramref name="key"/>, in a new array.</summary>
    public FeatureMatrix Read(string key)
    {
        var (rows, cols) = Shape(key);
        var data = GC.AllocateUninitializedArray<float>(rows * cols); // every value is overwritten by the read
        ReadInto(key, data);
        return new FeatureMatrix(data, rows, cols);
    }

    /// <summary>
    /// Reads the matrix under <paramref name="key"/> into the first rows*cols values of <paramref name="buffer"/>
    /// (row-major) and returns its shape: the allocation-free path for scans, where a fresh large array per read
    /// costs a gen-2 collection every few reads.
    /// </summary>
    public abstract (int Rows, int Cols) ReadInto(string key, Span<float> buffer);

    /// <summary>The 1-D clip mask stored under vid_name-mask (TVR subtitle files), or null when the store has none.</summary>
    public virtual float[]? ReadMask(string vidName) => null;

    /// <summary>A matrix shape of <paramref name="key"/> checked (2-D, not empty, not too large) against (and fixing) <see cref="Dim"/>.</summary>
    protected (int Rows, int Cols) CheckShape(string key, IReadOnlyList<ulong> dims)
    {
        if (dims.Count != 2)
            throw new DataFormatException($"{Path}: key '{key}' has shape ({string.Join(", ", dims)}), expected 2-D (rows, dim)");
        if (dims[0] == 0 || dims[1] == 0)
            throw new DataFormatException($"{Path}: key '{key}' has shape ({dims[0]}, {dims[1]}): no values (a video needs at least one clip, a query one token)");
        if (dims[0] * dims[1] > (ulong)Array.MaxLength)
            throw new DataFormatException($"{Path}: key '{key}' has shape ({dims[0]}, {dims[1]}), too large for one array (a corrupt header?)");
        int rows = (int)dims[0], cols = (int)dims[1];
        if (Dim is int d && d != cols)
            throw new DataFormatException($"{Path}: key '{key}' has shape ({rows}, {cols}), expected feature dim {d}");
        Dim = cols;
        return (rows, cols);
    }

    /// <summary>Throws naming the key, its shape and the flat index of the first non-finite value.</summary>
    protected void CheckFinite(string key, ReadOnlySpan<float> values, IEnumerable<ulong> shape)
    {
        int bad = FirstNonFinite(values);
        if (bad >= 0)
            throw new DataFormatException($"{Path}: key '{key}' shape ({string.Join(", ", shape)}) has non-finite value {values[bad]} at flat index {bad}");
    }

    // x - x is 0 for finite x and NaN for NaN or ±inf, so one SIMD compare checks a whole vector.
    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(values[i..]);
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero)) break;
            }
        for (; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    public abstract void Dispose();
}

/// <summary>
/// A TVR feature HDF5 file (the TVR release's layout). The file is opened once and each read touches one dataset, so
/// the 33 GB release is never loaded whole.
/// The key index (name -> dataset header) is built by one pass over the root group at the first read: PureHDF's
/// per-name lookup scans the group (0.9 ms per key at 10,895 keys), which made a full pass quadratic.
/// <para>
/// Values are float32 as in the release; float16 and float64 datasets (h5py writes float64 by default) are converted
/// to float32 as they are read. Any other type (integers, strings, ...) is an error naming the file, key and type,
/// as is a file shorter than its superblock says (cut off), found when the store is opened, with the first key
/// that lies beyond the end. All errors are <see cref="DataFormatException"/>s naming the file and the key.
/// </para>
/// </summary>
public sealed class Hdf5FeatureStore : FeatureStore
{
    private readonly NativeFile _file;
    private Dictionary<string, NativeDataset>? _index;

    private Hdf5FeatureStore(string path, NativeFile file, int? dim) : base(path, dim) => _file = file;

    public static new Hdf5FeatureStore Open(string path, int? expectedDim = null)
    {
        DataFormatException.RequireFile(path, "feature");
        try
        {
            long? end;
            long length;
            using (var stream = File.OpenRead(path))
                (end, length) = (Hdf5EndOfFile.Read(stream), stream.Length);
            if (end > length)
                throw new DataFormatException($"{path}: the file is cut off: it has {length:N0} bytes, its HDF5 header says {end:N0}; "
                    + (FirstKeyBeyondEnd(path) is { } key ? $"key '{key}' is the first that lies beyond the end" : "its key list lies beyond the end")
                    + " (an interrupted download or copy? fetch the file again)");
            return new Hdf5FeatureStore(path, H5File.OpenRead(path), expectedDim);
        }
        catch (Exception e) when (e is not DataFormatException)
        {
            throw new DataFormatException($"{path}: not a readable HDF5 file ({e.Message})", e);
        }
    }

    public override IReadOnlyCollection<string> Keys => Index.Keys;

    public override bool Contains(string key) => Index.ContainsKey(key);

    public override (int Rows, int Cols) Shape(string key) => Shape(key, Dataset(key));

    private (int Rows, int Cols) Shape(string key, NativeDataset dataset) => CheckShape(key, Header(key, () => dataset.Space.Dimensions));

    public override (int Rows, int Cols) ReadInto(string key, Span<float> buffer)
    {
        var dataset = Dataset(key);
        var (rows, cols) = Shape(key, dataset);
        if (buffer.Length < rows * cols)
            throw new ArgumentException($"{Path}: key '{key}' has shape ({rows}, {cols}) but the buffer holds {buffer.Length} values", nameof(buffer));
        ReadChecked(key, dataset, buffer[..(rows * cols)]);
        return (rows, cols);
    }

    public override float[]? ReadMask(string vidName)
    {
        string key = vidName + "-mask";
        if (!Index.TryGetValue(key, out var dataset)) return null;
        ulong[] dims = Header(key, () => dataset.Space.Dimensions);
        if (dims.Length != 1 || dims[0] > (ulong)Array.MaxLength)
            throw new DataFormatException($"{Path}: key '{key}' has shape ({string.Join(", ", dims)}), expected 1-D (n_clips)");
        var mask = new float[dims[0]];
        ReadChecked(key, dataset, mask);
        return mask;
    }

    private Dictionary<string, NativeDataset> Index => _index ??= BuildIndex();

    private Dictionary<string, NativeDataset> BuildIndex()
    {
        try
        {
            return _file.Children().OfType<NativeDataset>().ToDictionary(d => d.Name);
        }
        catch (Exception e)
        {
            throw new DataFormatException($"{Path}: cannot list the keys ({e.Message})", e);
        }
    }

    private NativeDataset Dataset(string key)
    {
        if (Index.TryGetValue(key, out var dataset)) return dataset;
        string hint = Index.Count > 0 ? $"the file has {Index.Count:N0} keys" : "the file has no datasets at its top level";
        throw new DataFormatException($"{Path}: key '{key}' not found ({hint})");
    }

    // A dataset header is parsed at its first use; a corrupt one is named with its key.
    private T Header<T>(string key, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is not DataFormatException)
        {
            throw new DataFormatException($"{Path}: key '{key}': unreadable dataset header ({e.Message})", e);
        }
    }

    // float32 is read straight into the target; float16 and float64 through a scratch buffer, then narrowed.
    private void ReadChecked(string key, NativeDataset dataset, Span<float> target)
    {
        var type = Header(key, () => dataset.Type);
        bool float32 = type.Class == H5DataTypeClass.FloatingPoint && type.Size == 4;
        try
        {
            if (float32) dataset.Read(target);
            else if (type.Class == H5DataTypeClass.FloatingPoint && type.Size == 8) ReadNarrowed(key, dataset, target, ref _doubles, x => x);
            else if (type.Class == H5DataTypeClass.FloatingPoint && type.Size == 2) ReadNarrowed(key, dataset, target, ref _halves, x => (double)x);
            else throw new DataFormatException($"{Path}: key '{key}' holds {TypeName(type)} values; feature stores must hold floats (float16, float32 or float64)");
        }
        catch (Exception e) when (e is not DataFormatException)
        {
            throw new DataFormatException($"{Path}: key '{key}' ({TypeName(type)}): cannot read the values ({e.Message})", e);
        }
        CheckFinite(key, target, dataset.Space.Dimensions);
    }

    private double[] _doubles = [];
    private Half[] _halves = [];

    private void ReadNarrowed<T>(string key, NativeDataset dataset, Span<float> target, ref T[] scratch, Func<T, double> widen) where T : unmanaged
    {
        if (scratch.Length < target.Length) scratch = new T[target.Length];
        var source = scratch.AsSpan(0, target.Length);
        dataset.Read(source);
        for (int i = 0; i < target.Length; i++)
        {
            double x = widen(source[i]);
            target[i] = (float)x;
            if (double.IsFinite(x) && !float.IsFinite(target[i]))
                throw new DataFormatException($"{Path}: key '{key}' value {x} at flat index {i} does not fit in float32");
        }
    }

    /// <summary>numpy's name of an HDF5 type ("float64", "int32", "uint8"), else its class and size.</summary>
    private static string TypeName(IH5DataType type) => type.Class switch
    {
        H5DataTypeClass.FloatingPoint => $"float{8 * type.Size}",
        H5DataTypeClass.FixedPoint => $"{(type.FixedPoint.IsSigned ? "int" : "uint")}{8 * type.Size}",
        _ => $"{type.Class.ToString().ToLowerInvariant()} ({type.Size} bytes)",
    };

    // The first key (in file order) of a cut-off file whose last value cannot be read, or null when the key list
    // itself cannot be read (PureHDF writes it at the end of the file; h5py near the start).
    private static string? FirstKeyBeyondEnd(string path)
    {
        try
        {
            using var file = H5File.OpenRead(path);
            foreach (var dataset in file.Children().OfType<NativeDataset>())
            {
                ulong[] dims = dataset.Space.Dimensions;
                if (dims.Length == 0 || dims.Contains(0UL)) continue;
                var last = new HyperslabSelection(dims.Length, [.. dims.Select(d => d - 1)], [.. dims.Select(_ => 1UL)]);
                try
                {
                    switch (dataset.Type.Size) // any element type of this size reads the bytes
                    {
                        case 1: dataset.Read<byte[]>(fileSelection: last, memoryDims: [1]); break;
                        case 2: dataset.Read<short[]>(fileSelection: last, memoryDims: [1]); break;
                        case 4: dataset.Read<int[]>(fileSelection: last, memoryDims: [1]); break;
                        case 8: dataset.Read<long[]>(fileSelection: last, memoryDims: [1]); break;
                    }
                }
                catch (Exception)
                {
                    return dataset.Name;
                }
            }
        }
        catch (Exception) { } // the key list is cut off too
        return null;
    }


    public override void Dispose() => _file.Dispose();
}

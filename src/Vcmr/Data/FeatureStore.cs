using System.Numerics;
using PureHDF;
using PureHDF.VOL.Native;

namespace Vcmr.Data;

/// <summary>
/// Read access to one TVR feature HDF5 file (video: vid_name -> (n_clips, D); subtitle: vid_name -> (n_clips, 768)
/// plus optional vid_name-mask; query: str(desc_id) -> (n_tokens, 768)). The file is opened once and each read
/// touches one dataset, so the 33 GB release is never loaded whole. Every value is checked to be finite.
/// The key index (name -> dataset header) is built by one pass over the root group at the first read: PureHDF's
/// per-name lookup scans the group (0.9 ms per key at 10,895 keys), which made a full pass quadratic.
/// </summary>
public sealed class FeatureStore : IDisposable
{
    private readonly NativeFile _file;
    private Dictionary<string, NativeDataset>? _index;

    public string Path { get; }

    /// <summary>Feature width every dataset must have, or null to accept any (fixed by the first read).</summary>
    public int? Dim { get; private set; }

    private FeatureStore(string path, NativeFile file, int? dim)
    {
        Path = path;
        _file = file;
        Dim = dim;
    }

    public static FeatureStore Open(string path, int? expectedDim = null)
    {
        if (!File.Exists(path)) throw new DataFormatException($"{path}: feature file not found");
        try
        {
            return new FeatureStore(path, H5File.OpenRead(path), expectedDim);
        }
        catch (Exception e) when (e is not DataFormatException)
        {
            throw new DataFormatException($"{path}: not a readable HDF5 file ({e.Message})", e);
        }
    }

    /// <summary>Every key of the file (datasets only).</summary>
    public IReadOnlyCollection<string> Keys => Index.Keys;

    public bool Contains(string key) => Index.ContainsKey(key);

    /// <summary>(rows, Dim) of the matrix under <paramref name="key"/>, checked against <see cref="Dim"/>, without reading it.</summary>
    public (int Rows, int Cols) Shape(string key) => Shape(key, Dataset(key));

    private (int Rows, int Cols) Shape(string key, NativeDataset dataset)
    {
        ulong[] dims = dataset.Space.Dimensions;
        if (dims.Length != 2)
            throw new DataFormatException($"{Path}: key '{key}' has shape ({string.Join(", ", dims)}), expected 2-D (rows, dim)");
        int rows = checked((int)dims[0]), cols = checked((int)dims[1]);
        if (Dim is int d && d != cols)
            throw new DataFormatException($"{Path}: key '{key}' has shape ({rows}, {cols}), expected feature dim {d}");
        Dim = cols;
        return (rows, cols);
    }

    /// <summary>The (rows, Dim) matrix stored under <paramref name="key"/>, in a new array.</summary>
    public FeatureMatrix Read(string key)
    {
        var dataset = Dataset(key);
        var (rows, cols) = Shape(key, dataset);
        var data = GC.AllocateUninitializedArray<float>(rows * cols); // every value is overwritten by the read
        ReadChecked(key, dataset, data);
        return new FeatureMatrix(data, rows, cols);
    }

    /// <summary>
    /// Reads the matrix under <paramref name="key"/> into the first rows*cols values of <paramref name="buffer"/>
    /// (row-major) and returns its shape: the allocation-free path for scans, where a fresh large array per read
    /// costs a gen-2 collection every few reads.
    /// </summary>
    public (int Rows, int Cols) ReadInto(string key, Span<float> buffer)
    {
        var dataset = Dataset(key);
        var (rows, cols) = Shape(key, dataset);
        if (buffer.Length < rows * cols)
            throw new ArgumentException($"{Path}: key '{key}' has shape ({rows}, {cols}) but the buffer holds {buffer.Length} values", nameof(buffer));
        ReadChecked(key, dataset, buffer[..(rows * cols)]);
        return (rows, cols);
    }

    /// <summary>The 1-D clip mask stored under vid_name-mask (subtitle files), or null when the file has none.</summary>
    public float[]? ReadMask(string vidName)
    {
        string key = vidName + "-mask";
        if (!Index.TryGetValue(key, out var dataset)) return null;
        ulong[] dims = dataset.Space.Dimensions;
        if (dims.Length != 1)
            throw new DataFormatException($"{Path}: key '{key}' has shape ({string.Join(", ", dims)}), expected 1-D (n_clips)");
        var mask = new float[checked((int)dims[0])];
        ReadChecked(key, dataset, mask);
        return mask;
    }

    private Dictionary<string, NativeDataset> Index => _index ??= _file.Children().OfType<NativeDataset>().ToDictionary(d => d.Name);

    private NativeDataset Dataset(string key) =>
        Index.TryGetValue(key, out var dataset) ? dataset : throw new DataFormatException($"{Path}: key '{key}' not found");

    private void ReadChecked(string key, NativeDataset dataset, Span<float> target)
    {
        dataset.Read(target);
        int bad = FirstNonFinite(target);
        if (bad >= 0)
            throw new DataFormatException(
                $"{Path}: key '{key}' shape ({string.Join(", ", dataset.Space.Dimensions)}) has non-finite value {target[bad]} at flat index {bad}");
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

    public void Dispose() => _file.Dispose();
}

using PureHDF;
using PureHDF.VOL.Native;

namespace Vcmr.Data;

/// <summary>
/// Read access to one TVR feature HDF5 file (video: vid_name -> (n_clips, D); subtitle: vid_name -> (n_clips, 768)
/// plus optional vid_name-mask; query: str(desc_id) -> (n_tokens, 768)). The file is opened once and each read
/// touches one dataset, so the 33 GB release is never loaded whole. Every value is checked to be finite.
/// </summary>
public sealed class FeatureStore : IDisposable
{
    private readonly NativeFile _file;

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

    public bool Contains(string key) => _file.LinkExists(key);

    /// <summary>The (rows, Dim) matrix stored under <paramref name="key"/>.</summary>
    public FeatureMatrix Read(string key)
    {
        var (data, dims) = ReadRaw(key);
        if (dims.Length != 2)
            throw new DataFormatException($"{Path}: key '{key}' has shape ({string.Join(", ", dims)}), expected 2-D (rows, dim)");
        int rows = checked((int)dims[0]), cols = checked((int)dims[1]);
        if (Dim is int d && d != cols)
            throw new DataFormatException($"{Path}: key '{key}' has shape ({rows}, {cols}), expected feature dim {d}");
        Dim = cols;
        return new FeatureMatrix(data, rows, cols);
    }

    /// <summary>The 1-D clip mask stored under vid_name-mask (subtitle files), or null when the file has none.</summary>
    public float[]? ReadMask(string vidName)
    {
        string key = vidName + "-mask";
        if (!Contains(key)) return null;
        var (data, dims) = ReadRaw(key);
        if (dims.Length != 1)
            throw new DataFormatException($"{Path}: key '{key}' has shape ({string.Join(", ", dims)}), expected 1-D (n_clips)");
        return data;
    }

    private (float[] Data, ulong[] Dims) ReadRaw(string key)
    {
        if (!Contains(key)) throw new DataFormatException($"{Path}: key '{key}' not found");
        var dataset = _file.Dataset(key);
        ulong[] dims = dataset.Space.Dimensions;
        float[] data = dataset.Read<float[]>();
        for (int i = 0; i < data.Length; i++)
            if (!float.IsFinite(data[i]))
                throw new DataFormatException(
                    $"{Path}: key '{key}' shape ({string.Join(", ", dims)}) has non-finite value {data[i]} at flat index {i}");
        return (data, dims);
    }

    public void Dispose() => _file.Dispose();
}

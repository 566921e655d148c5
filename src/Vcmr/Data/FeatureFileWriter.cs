using PureHDF;

namespace Vcmr.Data;

/// <summary>
/// Streams a feature file in the TVR layout (one float32 dataset per key) with bounded memory: every key and
/// shape is declared up front (HDF5 places the headers first), then each dataset is written as it is produced
/// and nothing is kept. The file appears under its name only on <see cref="Commit"/> (temp file + rename);
/// disposing an uncommitted writer deletes the temp file.
/// </summary>
public sealed class FeatureFileWriter : IDisposable
{
    private readonly Dictionary<string, (H5Dataset<float[]> Dataset, ulong[] Dims)> _datasets;
    private readonly HashSet<string> _written = [];
    private readonly string _temp;
    private H5NativeWriter? _writer;

    public string Path { get; }

    private FeatureFileWriter(string path, Dictionary<string, (H5Dataset<float[]>, ulong[])> datasets)
    {
        Path = path;
        _datasets = datasets;
        var file = new H5File();
        foreach (var (key, (dataset, _)) in datasets) file[key] = dataset;
        _temp = AtomicFile.TempPath(path);
        _writer = file.BeginWrite(_temp);
    }

    /// <param name="matrices">key and (rows, cols) of every matrix the file will hold.</param>
    /// <param name="masks">vid_name and clip count of every vid_name-mask dataset (subtitle files only).</param>
    public static FeatureFileWriter Create(string path, IEnumerable<(string Key, int Rows, int Cols)> matrices,
        IEnumerable<(string VidName, int Clips)>? masks = null)
    {
        var datasets = new Dictionary<string, (H5Dataset<float[]>, ulong[])>();
        void Declare(string key, ulong[] dims)
        {
            if (!datasets.TryAdd(key, (new H5Dataset<float[]>(fileDims: dims), dims)))
                throw new ArgumentException($"{path}: key '{key}' is declared twice");
        }
        foreach (var (key, rows, cols) in matrices) Declare(key, [(ulong)rows, (ulong)cols]);
        foreach (var (vid, clips) in masks ?? []) Declare(vid + "-mask", [(ulong)clips]);
        return new FeatureFileWriter(path, datasets);
    }

    public void Write(string key, FeatureMatrix matrix)
    {
        if (matrix.Data.Length != matrix.Rows * matrix.Cols)
            throw new ArgumentException($"{Path}: key '{key}' has {matrix.Data.Length} values for shape ({matrix.Rows}, {matrix.Cols})");
        WriteDataset(key, matrix.Data, [(ulong)matrix.Rows, (ulong)matrix.Cols]);
    }

    public void WriteMask(string vidName, float[] mask) => WriteDataset(vidName + "-mask", mask, [(ulong)mask.Length]);

    private void WriteDataset(string key, float[] data, ulong[] dims)
    {
        var writer = _writer ?? throw new ObjectDisposedException(Path);
        if (!_datasets.TryGetValue(key, out var declared)) throw new ArgumentException($"{Path}: key '{key}' was not declared");
        if (!declared.Dims.SequenceEqual(dims))
            throw new ArgumentException($"{Path}: key '{key}' has shape ({string.Join(", ", dims)}), declared ({string.Join(", ", declared.Dims)})");
        if (!_written.Add(key)) throw new ArgumentException($"{Path}: key '{key}' is written twice");
        writer.Write(declared.Dataset, data);
    }

    /// <summary>Finishes the file and renames it into place; every declared key must have been written.</summary>
    public void Commit()
    {
        var writer = _writer ?? throw new ObjectDisposedException(Path);
        string? missing = _datasets.Keys.FirstOrDefault(k => !_written.Contains(k));
        if (missing != null) throw new InvalidOperationException($"{Path}: key '{missing}' was declared but never written");
        writer.Dispose();
        _writer = null;
        File.Move(_temp, Path, overwrite: true);
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
        File.Delete(_temp);
    }
}

using PureHDF;

namespace Vcmr.Data;

/// <summary>Writes feature files in the TVR layout read by <see cref="FeatureStore"/> (one float32 dataset per key), atomically.</summary>
public static class FeatureStoreWriter
{
    /// <param name="matrices">key -> (rows, dim) matrix.</param>
    /// <param name="masks">vid_name -> clip mask, written under vid_name-mask (subtitle files only).</param>
    public static void Write(string path, IReadOnlyDictionary<string, FeatureMatrix> matrices,
        IReadOnlyDictionary<string, float[]>? masks = null)
    {
        var file = new H5File();
        foreach (var (key, m) in matrices)
        {
            if (m.Data.Length != m.Rows * m.Cols)
                throw new ArgumentException($"{path}: key '{key}' has {m.Data.Length} values for shape ({m.Rows}, {m.Cols})");
            file[key] = new H5Dataset(m.Data, fileDims: [(ulong)m.Rows, (ulong)m.Cols]);
        }
        foreach (var (vid, mask) in masks ?? new Dictionary<string, float[]>())
            file[vid + "-mask"] = new H5Dataset(mask, fileDims: [(ulong)mask.Length]);
        AtomicFile.WriteVia(path, temp => file.Write(temp));
    }
}

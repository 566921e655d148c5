namespace Vcmr.Data;

/// <summary>Writes a whole feature file from matrices already in memory; large corpora stream through <see cref="FeatureFileWriter"/>.</summary>
public static class FeatureStoreWriter
{
    /// <param name="matrices">key -> (rows, dim) matrix.</param>
    /// <param name="masks">vid_name -> clip mask, written under vid_name-mask (subtitle files only).</param>
    public static void Write(string path, IReadOnlyDictionary<string, FeatureMatrix> matrices,
        IReadOnlyDictionary<string, float[]>? masks = null)
    {
        masks ??= new Dictionary<string, float[]>();
        using var writer = FeatureFileWriter.Create(path, matrices.Select(kv => (kv.Key, kv.Value.Rows, kv.Value.Cols)),
            masks.Select(kv => (kv.Key, kv.Value.Length)));
        foreach (var (key, m) in matrices) writer.Write(key, m);
        foreach (var (vid, mask) in masks) writer.WriteMask(vid, mask);
        writer.Commit();
    }
}

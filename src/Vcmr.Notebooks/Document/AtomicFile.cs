namespace Vcmr.Notebooks.Document;

/// <summary>Writes that leave either the old file or the complete new one, never a half-written file.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> to a temp file in the same folder, then renames it over <paramref name="path"/>.</summary>
    public static void WriteAllText(string path, string text)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            File.WriteAllText(temp, text);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}

using System.Diagnostics;

namespace Vcmr.Data;

/// <summary>
/// The suite's one implementation of atomic writes (the runner and the benchmarks compile this file in too): a
/// write goes to a temp file beside the target, named <c>{target}.tmp-{pid}-{guid}</c> so two writers never share
/// one, and is renamed over the target only when complete. A writer that throws leaves the previous file and no
/// temp file; a writer that is killed leaves the previous file and a temp file that the next write of the same
/// target deletes (its process id is no longer running).
/// </summary>
internal static class AtomicFile
{
    private const string TempMarker = ".tmp-";

    public static void WriteAllBytes(string path, byte[] bytes) => WriteVia(path, temp => File.WriteAllBytes(temp, bytes));

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Runs <paramref name="write"/> on a temp file path (for writers that open files themselves), then renames it over <paramref name="path"/>.</summary>
    public static void WriteVia(string path, Action<string> write)
    {
        string temp = TempPath(path);
        try
        {
            write(temp);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Streams into a temp file, then renames it over <paramref name="path"/>.</summary>
    public static void WriteStream(string path, Action<Stream> write) => WriteVia(path, temp =>
    {
        using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        write(stream);
    });

    /// <summary>Builds a folder (an LMDB environment) at a temp path beside <paramref name="path"/>, then renames it over
    /// <paramref name="path"/>. An existing folder is moved aside first and deleted after the swap, so a crash leaves
    /// the old folder, the new one, or the old one under a temp name: never a half-written one.</summary>
    public static void WriteDirectory(string path, Action<string> write)
    {
        string full = OutputTarget.CheckFolder(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = FolderTemp(full);
        try
        {
            Directory.CreateDirectory(temp);
            write(temp);
            string? aside = Directory.Exists(full) ? FolderTemp(full) : null;
            if (aside is not null) Directory.Move(full, aside);
            Directory.Move(temp, full);
            if (aside is not null) Directory.Delete(aside, recursive: true);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private static string FolderTemp(string full) => $"{full}{TempMarker}{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>
    /// A fresh temp path beside <paramref name="path"/> (its folder is created), for writers that rename it
    /// themselves; temp files of earlier writers of the same target that were killed are deleted first. A target
    /// that is a folder, or below a regular file, is an <see cref="IOException"/> saying so, before anything is written.
    /// </summary>
    public static string TempPath(string path)
    {
        string full = OutputTarget.CheckFile(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        DeleteStaleTemps(full);
        return $"{full}{TempMarker}{Environment.ProcessId}-{Guid.NewGuid():N}";
    }

    /// <summary>True for a temp file name this class makes for some target.</summary>
    public static bool IsTempName(string fileName) => fileName.Contains(TempMarker, StringComparison.Ordinal);

    // Only temps whose writer process is gone: a live writer (another thread, another run) keeps its temp file.
    private static void DeleteStaleTemps(string full)
    {
        string prefix = Path.GetFileName(full) + TempMarker;
        foreach (string temp in Directory.EnumerateFiles(Path.GetDirectoryName(full)!, prefix + "*"))
        {
            string rest = Path.GetFileName(temp)[prefix.Length..];
            int dash = rest.IndexOf('-');
            if (dash <= 0 || !int.TryParse(rest[..dash], out int pid) || IsRunning(pid)) continue;
            try { File.Delete(temp); }
            catch (IOException) { } // another writer is sweeping it right now
            catch (UnauthorizedAccessException) { } // not ours to delete
        }
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; } // no such process
        catch (InvalidOperationException) { return false; }
    }
}

namespace Vcmr.Data;

/// <summary>
/// Checks an output path before any work (the runner compiles this file in too): a file output must not be a
/// folder, must not lie below a regular file and must not be one of the command's inputs; a folder output must not
/// be a regular file. Paths are compared after resolving every symbolic link, so a link to an input, or a path
/// through a linked folder, is caught. Problems are <see cref="IOException"/>s whose message starts with the path.
/// </summary>
internal static class OutputTarget
{
    private static readonly StringComparison PathComparison =
        OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

    // Longer chains than this are loops (Linux stops at 40 as well).
    private const int MaxLinks = 40;

    /// <summary>The full path of a file output, after checking it; <paramref name="inputs"/> are (path, what it is) pairs.</summary>
    public static string CheckFile(string path, params (string Path, string Role)[] inputs)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"{path}: is a folder; give a file name");
        CheckAncestors(full, path);
        foreach (var (input, role) in inputs)
            if (SameFile(full, input))
                throw new IOException($"{path}: is the {role} ({Path.GetFullPath(input)}); writing there would replace it");
        return full;
    }

    /// <summary>The full path of a folder output, after checking that it is not a file nor below one.</summary>
    public static string CheckFolder(string path)
    {
        string full = Path.GetFullPath(path);
        if (File.Exists(full)) throw new IOException($"{path}: is a file, not a folder");
        CheckAncestors(full, path);
        return full;
    }

    /// <summary>
    /// Creates and deletes a file in the nearest existing folder of <paramref name="path"/>: a place where nothing can
    /// be written is found before the work that would write there, and no folder is created by the check.
    /// </summary>
    public static void CheckWritable(string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        while (dir != null && !Directory.Exists(dir)) dir = Path.GetDirectoryName(dir);
        if (dir == null) return;
        try
        {
            using (File.Create(Path.Combine(dir, $".write-check-{Environment.ProcessId}-{Guid.NewGuid():N}"), 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: cannot write in {dir} ({e.Message})", e);
        }
    }

    /// <summary>True when both paths name the same file once symbolic links are resolved.</summary>
    public static bool SameFile(string a, string b) => string.Equals(Resolve(a), Resolve(b), PathComparison);

    /// <summary>The full path with every symbolic link among its existing components resolved.</summary>
    public static string Resolve(string path) => Resolve(Path.GetFullPath(path), 0);

    private static string Resolve(string full, int links)
    {
        string? parent = Path.GetDirectoryName(full);
        string resolved = parent == null ? full : Path.Combine(Resolve(parent, links), Path.GetFileName(full));
        if (links >= MaxLinks) return resolved;
        try
        {
            var info = new FileInfo(resolved);
            if (info.LinkTarget == null) return resolved;
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            return target == null ? resolved : Resolve(target.FullName, links + 1);
        }
        catch (IOException) { return resolved; } // a link loop: the OS cannot open it either
        catch (UnauthorizedAccessException) { return resolved; }
    }

    private static void CheckAncestors(string full, string shown)
    {
        for (string? dir = Path.GetDirectoryName(full); dir != null && !Directory.Exists(dir); dir = Path.GetDirectoryName(dir))
            if (File.Exists(dir)) throw new IOException($"{shown}: {dir} is a file, not a folder");
    }
}

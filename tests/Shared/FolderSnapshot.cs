using System.Security.Cryptography;

namespace Vcmr.Testing;

/// <summary>
/// Every file and symbolic link under a folder with a hash of its bytes (or its link target), to assert that a
/// command given bad input changed no input and left no partial output behind.
/// </summary>
public sealed record FolderSnapshot(string Root, IReadOnlyDictionary<string, string> Entries)
{
    public static FolderSnapshot Take(string root)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            string name = Path.GetRelativePath(root, entry.FullName);
            if (entry.LinkTarget != null) entries[name] = "link -> " + entry.LinkTarget;
            else if (entry is FileInfo file) entries[name] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file.FullName)));
            else entries[name + "/"] = "folder";
        }
        return new FolderSnapshot(root, entries);
    }

    /// <summary>Fails listing what was added, removed or changed since this snapshot.</summary>
    public void AssertUnchanged()
    {
        var now = Take(Root).Entries;
        var added = now.Keys.Except(Entries.Keys).ToList();
        var removed = Entries.Keys.Except(now.Keys).ToList();
        var changed = Entries.Keys.Intersect(now.Keys).Where(k => Entries[k] != now[k]).ToList();
        Xunit.Assert.True(added.Count + removed.Count + changed.Count == 0,
            $"under {Root}: added [{string.Join(", ", added)}], removed [{string.Join(", ", removed)}], changed [{string.Join(", ", changed)}]");
    }
}

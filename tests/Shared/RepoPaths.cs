namespace Vcmr.Testing;

/// <summary>Paths the tests need: the repository root, the model assembly notebooks #r, and the shared TVR annotations.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The stable folder notebooks #r: the model assembly with every dependency and native.</summary>
    public static string ModelAssemblyFolder => Path.Combine(Root, "artifacts", "vcmr");

    public static string ModelAssembly => Path.Combine(ModelAssemblyFolder, "Vcmr.dll");

    /// <summary>../shared/data/tvr beside the repository, or null when this checkout does not have it.</summary>
    public static string? SharedTvr
    {
        get
        {
            string path = Path.GetFullPath(Path.Combine(Root, "..", "shared", "data", "tvr"));
            return Directory.Exists(path) ? path : null;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Vcmr.Notebooks.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Vcmr.Notebooks.sln not found above {AppContext.BaseDirectory}");
    }
}

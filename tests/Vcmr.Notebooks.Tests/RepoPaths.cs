namespace Vcmr.Notebooks.Tests;

/// <summary>The repository root and the stable folder that notebooks #r.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string ModelAssembly => Path.Combine(Root, "artifacts", "vcmr", "Vcmr.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Vcmr.Notebooks.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Vcmr.Notebooks.sln not found above {AppContext.BaseDirectory}");
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// `#r "nuget: …"` restore with a cache: a package set is restored once into a generated net10.0 project, and the
/// project plus its resolved runtime assemblies are kept under <see cref="Root"/>, keyed by a hash of the set, the
/// sources, the NuGet config and the target framework. Identical sets then cost a file read, in this run and later ones.
/// </summary>
public sealed class PackageCache
{
    /// <summary>The restore target framework (current .NET Interactive restores for net10.0).</summary>
    public const string TargetFramework = "net10.0";

    private const string AssemblyList = "assemblies.txt";
    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> memory = new();
    private readonly string? nugetConfig;

    /// <summary>A cache in <paramref name="root"/>; <paramref name="nugetConfig"/> replaces the user-level NuGet config when given.</summary>
    public PackageCache(string root, string? nugetConfig = null)
    {
        Root = Path.GetFullPath(root);
        this.nugetConfig = nugetConfig is null ? null : Path.GetFullPath(nugetConfig);
    }

    /// <summary>The per-user default: $TMPDIR/vcmr-notebooks-&lt;user&gt;/nuget.</summary>
    public static string DefaultRoot => Path.Combine(Path.GetTempPath(), $"vcmr-notebooks-{Environment.UserName}", "nuget");

    /// <summary>The cache folder.</summary>
    public string Root { get; }

    /// <summary>How many times this instance ran `dotnet restore` (cache hits do not count).</summary>
    public int Restores { get; private set; }

    /// <summary>
    /// The runtime assemblies of <paramref name="packages"/> and their dependencies, restored together; extra
    /// <paramref name="sources"/> (#i) add to the configured ones. Throws <see cref="InvalidOperationException"/> naming
    /// the package that cannot be restored.
    /// </summary>
    public IReadOnlyList<string> Resolve(IReadOnlyList<PackageReference> packages, IReadOnlyList<string> sources)
    {
        string key = Key(packages, sources);
        if (memory.TryGetValue(key, out var known)) return known;
        // Floating versions are resolved afresh in each run, as the kernel would; pinned sets are cached on disk.
        bool pinned = packages.All(p => p.IsPinned);
        string folder = Path.Combine(Root, key);
        IReadOnlyList<string>? assemblies = pinned ? ReadCached(folder) : null;
        if (assemblies is null)
        {
            assemblies = RestoreInto(folder, packages, sources, keep: pinned);
            Restores++;
        }
        memory[key] = assemblies;
        return assemblies;
    }

    private string Key(IReadOnlyList<PackageReference> packages, IReadOnlyList<string> sources)
    {
        var text = new StringBuilder($"tfm={TargetFramework}\n");
        foreach (var p in packages.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase))
            text.Append($"package={p.Name.ToLowerInvariant()}/{p.Version}\n");
        foreach (var s in sources.Order(StringComparer.Ordinal)) text.Append($"source={s}\n");
        if (nugetConfig is not null) text.Append($"config={nugetConfig}:{Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(nugetConfig)))}\n");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..24].ToLowerInvariant();
    }

    // A hit needs the list and every listed file: a cleaned NuGet folder means restoring again. An entry that another
    // runner is replacing right now reads as a miss.
    private static List<string>? ReadCached(string folder)
    {
        try
        {
            var assemblies = File.ReadAllLines(Path.Combine(folder, AssemblyList)).Where(l => l.Length > 0).ToList();
            return assemblies.All(File.Exists) ? assemblies : null;
        }
        catch (IOException) { return null; }
    }

    private IReadOnlyList<string> RestoreInto(string folder, IReadOnlyList<PackageReference> packages, IReadOnlyList<string> sources, bool keep)
    {
        // Restored beside the final folder and renamed into place, so a killed run never leaves a half-written entry.
        string work = $"{folder}.{Guid.NewGuid():N}.tmp";
        Directory.CreateDirectory(work);
        try
        {
            File.WriteAllText(Path.Combine(work, "restore.csproj"), Project(packages, sources));
            // Empty imports stop any Directory.Build/Packages.props above the cache folder from leaking in.
            File.WriteAllText(Path.Combine(work, "Directory.Build.props"), "<Project />");
            File.WriteAllText(Path.Combine(work, "Directory.Packages.props"), "<Project />");
            RunRestore(work, packages);
            var assemblies = RuntimeAssemblies(Path.Combine(work, "obj", "project.assets.json"));
            File.WriteAllLines(Path.Combine(work, AssemblyList), assemblies);
            if (keep) Publish(work, folder);
            return assemblies;
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    // Renames only, so a reader sees the old entry, no entry or the new one. Losing a race to another runner that
    // stored the same set is fine: its entry is equivalent.
    private static void Publish(string work, string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                string stale = $"{folder}.{Guid.NewGuid():N}.stale";
                Directory.Move(folder, stale);
                Directory.Delete(stale, recursive: true);
            }
            Directory.Move(work, folder);
        }
        catch (IOException) { }
    }

    private static string Project(IReadOnlyList<PackageReference> packages, IReadOnlyList<string> sources)
    {
        var references = string.Concat(packages.Select(p =>
            $"<PackageReference Include=\"{SecurityElement.Escape(p.Name)}\" Version=\"{SecurityElement.Escape(p.Version ?? "*")}\" />"));
        return $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>{TargetFramework}</TargetFramework>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
                <NuGetAudit>false</NuGetAudit>
                <RestoreAdditionalProjectSources>{SecurityElement.Escape(string.Join(';', sources))}</RestoreAdditionalProjectSources>
              </PropertyGroup>
              <ItemGroup>{references}</ItemGroup>
            </Project>
            """;
    }

    private void RunRestore(string work, IReadOnlyList<PackageReference> packages)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("restore");
        if (nugetConfig is not null) { psi.ArgumentList.Add("--configfile"); psi.ArgumentList.Add(nugetConfig); }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode == 0) return;
        var errors = (stdout.Result + stderr.Result).Split('\n').Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Select(l => l.Trim()).ToList();
        string reason = errors.FirstOrDefault() ?? "dotnet restore failed";
        // Name the package the first error is about; else every requested one.
        var culprit = packages.FirstOrDefault(p => errors.Any(e => e.Contains(p.Name, StringComparison.OrdinalIgnoreCase)));
        string what = culprit?.ToString() ?? string.Join(", ", packages);
        throw new InvalidOperationException($"package {what} is not available: {reason}");
    }

    private static List<string> RuntimeAssemblies(string assetsPath)
    {
        var assets = JsonNode.Parse(File.ReadAllText(assetsPath))!;
        string packages = assets["packageFolders"]!.AsObject().First().Key;
        var libraries = assets["libraries"]!.AsObject();
        var target = assets["targets"]!.AsObject().First().Value!.AsObject();
        var result = new List<string>();
        foreach (var (key, entry) in target)
        {
            if (entry?["runtime"] is not JsonObject runtime) continue;
            string folder = libraries[key]!["path"]!.GetValue<string>();
            result.AddRange(runtime.Select(r => r.Key).Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
                .Select(p => Path.Combine(packages, folder, p)));
        }
        return result;
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Vcmr.Notebooks.Execution;

/// <summary>#r "nuget: Name, Version": restores into a generated net10.0 project and returns the runtime assemblies.</summary>
public static class NuGetRestore
{
    /// <summary>Restores one package (with dependencies) from the configured sources; throws naming package and version on failure.</summary>
    public static IReadOnlyList<string> Restore(string name, string? version, IReadOnlyList<string> extraSources)
    {
        string dir = Path.Combine(Path.GetTempPath(), "vcmr-nuget-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string csproj = $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><TargetFramework>net10.0</TargetFramework><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup>
                  <ItemGroup><PackageReference Include="{System.Security.SecurityElement.Escape(name)}" Version="{System.Security.SecurityElement.Escape(version ?? "*")}" /></ItemGroup>
                </Project>
                """;
            File.WriteAllText(Path.Combine(dir, "restore.csproj"), csproj);
            File.WriteAllText(Path.Combine(dir, "Directory.Build.props"), "<Project />");
            File.WriteAllText(Path.Combine(dir, "Directory.Packages.props"), "<Project />");
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("restore");
            foreach (var source in extraSources) { psi.ArgumentList.Add("--source"); psi.ArgumentList.Add(source); }
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                string reason = (stdout.Result + stderr.Result).Split('\n')
                    .FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase))?.Trim() ?? "restore failed";
                throw new InvalidOperationException($"package {name} {version ?? "(latest)"} is not available: {reason}");
            }
            return RuntimeAssemblies(Path.Combine(dir, "obj", "project.assets.json"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
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

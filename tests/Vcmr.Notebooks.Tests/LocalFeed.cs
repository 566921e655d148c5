using System.IO.Compression;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Vcmr.Notebooks.Tests;

/// <summary>
/// A NuGet folder feed with one tiny package in two versions (a class library compiled here with Roslyn), and a NuGet
/// config that knows only that feed and keeps extracted packages in a private folder: restores never touch the network.
/// </summary>
internal sealed class LocalFeed
{
    public const string PackageId = "Vcmr.Tiny";
    public const string Version = "1.0.0";
    public const string NextVersion = "2.0.0";

    private LocalFeed(string source, string config)
    {
        Source = source;
        Config = config;
    }

    /// <summary>The folder holding Vcmr.Tiny.1.0.0.nupkg and Vcmr.Tiny.2.0.0.nupkg.</summary>
    public string Source { get; }

    /// <summary>nuget.config: cleared sources plus <see cref="Source"/>, a private globalPackagesFolder.</summary>
    public string Config { get; }

    /// <summary>A config with no source at all (a notebook adds the feed with #i).</summary>
    public string ConfigWithoutSources => Path.Combine(Path.GetDirectoryName(Config)!, "nuget.nosources.config");

    public static LocalFeed Create()
    {
        string root = TestNotebooks.TempFolder();
        string source = Directory.CreateDirectory(Path.Combine(root, "feed")).FullName;
        foreach (var version in new[] { Version, NextVersion }) WritePackage(source, version);
        string packages = Path.Combine(root, "packages");
        string config = Path.Combine(root, "nuget.config");
        File.WriteAllText(config, ConfigXml(packages, $"<add key=\"local\" value=\"{source}\" />"));
        File.WriteAllText(Path.Combine(root, "nuget.nosources.config"), ConfigXml(packages, ""));
        return new LocalFeed(source, config);
    }

    private static void WritePackage(string source, string version)
    {
        using var zip = ZipFile.Open(Path.Combine(source, $"{PackageId}.{version}.nupkg"), ZipArchiveMode.Create);
        using (var nuspec = new StreamWriter(zip.CreateEntry($"{PackageId}.nuspec").Open()))
            nuspec.Write($"""
                <?xml version="1.0" encoding="utf-8"?>
                <package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
                  <metadata><id>{PackageId}</id><version>{version}</version><authors>tests</authors><description>test package</description>
                    <dependencies><group targetFramework="net10.0" /></dependencies></metadata>
                </package>
                """);
        using var dll = zip.CreateEntry($"lib/net10.0/{PackageId}.dll").Open();
        dll.Write(Library());
    }

    private static string ConfigXml(string packages, string sources) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <config><add key="globalPackagesFolder" value="{packages}" /></config>
          <packageSources><clear />{sources}</packageSources>
        </configuration>
        """;

    // public static class Vcmr.Tiny.Answer { public static int Value => 42; }
    private static byte[] Library()
    {
        string runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var compilation = CSharpCompilation.Create(PackageId,
            [CSharpSyntaxTree.ParseText("namespace Vcmr.Tiny; public static class Answer { public static int Value => 42; }")],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location), MetadataReference.CreateFromFile(Path.Combine(runtime, "System.Runtime.dll"))],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var dll = new MemoryStream();
        var emitted = compilation.Emit(dll);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return dll.ToArray();
    }
}

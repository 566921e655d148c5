using Vcmr.Environment;
using Vcmr.Runtime;

namespace Vcmr.Tests.Environment;

/// <summary>The build step that marks GLIBCXX_3.4.32 weak in output copies of libLibTorchSharp.so.</summary>
public class NativeFixTests
{
    private const string Version = "GLIBCXX_3.4.32";

    private static string PackagedLibrary()
    {
        string packages = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }

    public static TheoryData<string> OutputCopies => new()
    {
        Path.Combine(RepoPaths.ModelAssemblyFolder, "libLibTorchSharp.so"),
        Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so"),
    };

    [SkippableTheory]
    [MemberData(nameof(OutputCopies))]
    public void TheEntryIsWeakExactlyWhenTheHostNeedsItAndNothingElseChanged(string output)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the fix applies to Linux builds only");
        string original = PackagedLibrary();
        Skip.IfNot(File.Exists(original), $"TorchSharp package not in the NuGet cache at {original}");

        byte[] built = File.ReadAllBytes(output), packaged = File.ReadAllBytes(original);
        var need = ElfVersions.ReadNeeds(built, output).Single(n => n.Version == Version);
        bool hostLacks = ElfVersions.HostLacks(Version, ElfVersions.FindHostLibStdCxx());
        Assert.Equal(hostLacks, need.IsWeak);

        Assert.Equal(packaged.Length, built.Length);
        var changed = Enumerable.Range(0, built.Length).Where(i => built[i] != packaged[i]).ToArray();
        long[] allowed = hostLacks ? new[] { need.FlagsOffset, need.FlagsOffset + 1 } : Array.Empty<long>();
        Assert.All(changed, i => Assert.Contains((long)i, allowed));
        Assert.Equal(hostLacks ? 1 : 0, changed.Length);
        // every other requirement is as shipped
        var shipped = ElfVersions.ReadNeeds(packaged, original);
        Assert.Equal(shipped.Where(n => n.Version != Version).Select(n => (n.Version, n.Flags)),
                     ElfVersions.ReadNeeds(built, output).Where(n => n.Version != Version).Select(n => (n.Version, n.Flags)));
    }

    [SkippableFact]
    public void ThePackagedLibraryNeedsTheVersionFromLibStdCxxAndTheCacheIsUntouched()
    {
        string original = PackagedLibrary();
        Skip.IfNot(File.Exists(original), $"TorchSharp package not in the NuGet cache at {original}");
        var need = ElfVersions.ReadNeeds(File.ReadAllBytes(original), original).Single(n => n.Version == Version);
        Assert.Equal("libstdc++.so.6", need.Library);
        Assert.False(need.IsWeak);
    }

    [SkippableFact]
    public void WeakeningIsIdempotentAndAtomic()
    {
        string original = PackagedLibrary();
        Skip.IfNot(File.Exists(original), $"TorchSharp package not in the NuGet cache at {original}");
        string host = ElfVersions.FindHostLibStdCxx() ?? "";
        Skip.If(host == "" || !ElfVersions.HostLacks(Version, host), "this host's libstdc++ has the version");
        string copy = Path.Combine(Directory.CreateTempSubdirectory("vcmr-elf").FullName, "libLibTorchSharp.so");
        File.Copy(original, copy);
        DateTime stamp = File.GetLastWriteTimeUtc(copy);

        Assert.StartsWith("marked", ElfVersions.WeakenIfHostLacks(copy, Version, host));
        byte[] once = File.ReadAllBytes(copy);
        Assert.Contains("already weak", ElfVersions.WeakenIfHostLacks(copy, Version, host));
        Assert.Equal(once, File.ReadAllBytes(copy));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(copy));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(copy)!)); // no temp file left behind
    }

    [Fact]
    public void ANonElfFileIsAClearError()
    {
        var e = Assert.Throws<InvalidDataException>(() => ElfVersions.ReadNeeds(new byte[100], "x.so"));
        Assert.Contains("x.so", e.Message);
    }
}

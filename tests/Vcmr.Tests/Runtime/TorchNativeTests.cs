using Vcmr.Runtime;

namespace Vcmr.Tests.Runtime;

public class TorchNativeTests
{
    [Fact]
    public void AMissingNativeLibraryIsOneMessageNamingTheFileAndTheFix()
    {
        string folder = Directory.CreateTempSubdirectory("vcmr-native").FullName;
        string message = TorchNative.LoadFrom(folder)!;
        Assert.Contains(Path.Combine(folder, TorchNative.LibraryFileName), message);
        Assert.Contains("artifacts/vcmr", message);
        Assert.DoesNotContain("\n", message);
    }

    [Fact]
    public void AnUnloadableNativeLibraryNamesTheFileAndTheLoaderReason()
    {
        string folder = Directory.CreateTempSubdirectory("vcmr-native").FullName;
        string path = Path.Combine(folder, TorchNative.LibraryFileName);
        File.WriteAllText(path, "not a shared library");
        string message = TorchNative.LoadFrom(folder)!;
        Assert.StartsWith($"{path} cannot be loaded:", message);
        Assert.Contains("ldd", message);
    }

    [Fact]
    public void AGlibcxxVersionFailurePointsAtTheBuildFix()
    {
        const string loader = "Unable to load shared library 'x' or one of its dependencies.\n" +
                              "/out/libLibTorchSharp.so: version `GLIBCXX_3.4.32' not found (required by /out/libLibTorchSharp.so)\n";
        string message = TorchNative.Explain("/out/libLibTorchSharp.so", loader);
        Assert.Contains("GLIBCXX_3.4.32' not found", message);
        Assert.Contains("dotnet build", message);
        Assert.Contains("environment/README.md", message);
    }
}

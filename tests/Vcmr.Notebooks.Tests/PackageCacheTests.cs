using System.Diagnostics;
using Vcmr.Notebooks.Execution;
using Xunit.Abstractions;

namespace Vcmr.Notebooks.Tests;

/// <summary>#r "nuget:" restores: one restore per package set, in a run and across runs, against a local feed only.</summary>
public class PackageCacheTests(ITestOutputHelper log)
{
    private static readonly PackageReference Tiny = new(LocalFeed.PackageId, LocalFeed.Version);

    [Fact]
    public void APinnedPackageSetIsRestoredOnceThenServedFromTheCacheInThisRunAndTheNext()
    {
        var feed = LocalFeed.Create();
        string root = TestNotebooks.TempFolder();

        var first = new PackageCache(root, feed.Config);
        var clock = Stopwatch.StartNew();
        var assemblies = first.Resolve([Tiny], []);
        double restoreMs = clock.Elapsed.TotalMilliseconds;
        Assert.Equal($"{LocalFeed.PackageId}.dll", Path.GetFileName(Assert.Single(assemblies)));
        Assert.True(File.Exists(assemblies[0]));
        Assert.Equal(assemblies, first.Resolve([Tiny], []));               // same run: no second restore
        Assert.Equal(1, first.Restores);

        var next = new PackageCache(root, feed.Config);                   // a later run
        clock.Restart();
        Assert.Equal(assemblies, next.Resolve([Tiny], []));
        double cachedMs = clock.Elapsed.TotalMilliseconds;
        Assert.Equal(0, next.Restores);
        var entry = Assert.Single(Directory.GetDirectories(root));        // the restore project and the list are kept
        Assert.True(File.Exists(Path.Combine(entry, "restore.csproj")) && File.Exists(Path.Combine(entry, "assemblies.txt")));
        log.WriteLine($"restore {restoreMs:F0} ms, cached {cachedMs:F1} ms");
    }

    [Fact]
    public void ACleanedPackageFolderOrAFloatingVersionRestoresAgain()
    {
        var feed = LocalFeed.Create();
        string root = TestNotebooks.TempFolder();
        var assemblies = new PackageCache(root, feed.Config).Resolve([Tiny], []);
        // as after `dotnet nuget locals global-packages --clear`: <packages>/vcmr.tiny/1.0.0/lib/net10.0/Vcmr.Tiny.dll
        Directory.Delete(Path.GetFullPath(Path.Combine(assemblies[0], "..", "..", "..", "..")), recursive: true);
        var again = new PackageCache(root, feed.Config);
        Assert.Equal(assemblies, again.Resolve([Tiny], []));
        Assert.Equal(1, again.Restores);
        Assert.True(File.Exists(assemblies[0]));

        var floating = new PackageCache(root, feed.Config);
        floating.Resolve([new PackageReference(LocalFeed.PackageId, null)], []);
        floating.Resolve([new PackageReference(LocalFeed.PackageId, null)], []);
        Assert.Equal(1, floating.Restores);                               // once per run ...
        Assert.Single(Directory.GetDirectories(root));                    // ... but "latest" is never pinned on disk
    }

    [Fact]
    public async Task ANotebookAddsAFeedWithHashIAndUsesThePackage()
    {
        var feed = LocalFeed.Create();
        string dir = TestNotebooks.TempFolder();
        string cache = TestNotebooks.TempFolder();
        string path = TestNotebooks.Write(dir, "tiny.ipynb",
            $"#i \"nuget: {feed.Source}\"\n#r \"nuget: {LocalFeed.PackageId}, {LocalFeed.Version}\"\nVcmr.Tiny.Answer.Value",
            $"#r \"nuget: {LocalFeed.PackageId}, {LocalFeed.Version}\"\nVcmr.Tiny.Answer.Value + 1");
        for (int run = 0; run < 2; run++)
        {
            var (code, console, output) = await TestNotebooks.Run([path], nugetConfig: feed.ConfigWithoutSources, packageCache: cache);
            Assert.True(code == 0, console);
            var cells = TestNotebooks.Executed(output, "tiny.ipynb")["cells"]!.AsArray();
            Assert.Contains("<pre>42</pre>", (string?)cells[0]!["outputs"]![0]!["data"]!["text/html"]);
            Assert.Contains("<pre>43</pre>", (string?)cells[1]!["outputs"]![0]!["data"]!["text/html"]);
        }
        Assert.Single(Directory.GetDirectories(cache));                   // one package set, one entry
    }

    [Fact]
    public async Task AnUnknownPackageNamesItselfAndTheCause()
    {
        var feed = LocalFeed.Create();
        string path = TestNotebooks.Write(TestNotebooks.TempFolder(), "missing.ipynb", "#r \"nuget: Vcmr.No.Such.Package, 1.2.3\"");
        var (code, console, _) = await TestNotebooks.Run([path], nugetConfig: feed.Config, packageCache: TestNotebooks.TempFolder());
        Assert.Equal(2, code);
        Assert.Contains("failed: missing.ipynb: cell 1: package Vcmr.No.Such.Package 1.2.3 is not available: ", console);
        Assert.Contains("NU1101", console);
    }
}

using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Vcmr.Environment;

namespace Vcmr.Notebooks.Tests;

/// <summary>
/// The model assembly folder agrees with the kernel it is loaded into: one FSharp.Core (the kernel's), every F# member
/// that Plotly.NET and the suite use present in it, no assembly the kernel holds in another version, and the runner on
/// the same FSharp.Core as dotnet-repl and VS Code's kernel (environment/README.md).
/// </summary>
public class KernelAlignmentTests
{
    private static string KernelFSharpCore => Assembly.Load("FSharp.Core").Location;

    private static IEnumerable<string> ModelFolderAssemblies =>
        Directory.GetFiles(RepoPaths.ModelAssemblyFolder, "*.dll").Where(f => new PEReader(File.OpenRead(f)).HasMetadata);

    /// <summary>The dotnet-repl tool's folder in the NuGet cache, when the build restored it.</summary>
    private static string? ReplToolFolder()
    {
        string packages = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string manifest = File.ReadAllText(Path.Combine(RepoPaths.Root, ".config", "dotnet-tools.json"));
        string version = System.Text.Json.JsonDocument.Parse(manifest).RootElement.GetProperty("tools").GetProperty("dotnet-repl").GetProperty("version").GetString()!;
        string folder = Path.Combine(packages, "dotnet-repl", version, "tools", "net10.0", "any");
        return File.Exists(Path.Combine(folder, "dotnet-repl.dll")) ? folder : null;
    }

    [Fact]
    public void TheModelFolderLeavesFSharpCoreToTheKernelAndReferencesNoHigherVersion()
    {
        Assert.False(File.Exists(Path.Combine(RepoPaths.ModelAssemblyFolder, "FSharp.Core.dll")), "artifacts/vcmr must not carry an FSharp.Core");
        var kernel = AssemblyName.GetAssemblyName(KernelFSharpCore).Version!;
        Assert.Equal(new Version(10, 0, 0, 0), kernel);
        var users = new List<string>();
        foreach (var dll in ModelFolderAssemblies)
            foreach (var reference in AssemblyRefs.Read(File.ReadAllBytes(dll), dll).Where(r => r.Name == "FSharp.Core"))
            {
                Assert.True(reference.Version <= kernel, $"{Path.GetFileName(dll)} references FSharp.Core {reference.Version}, the kernel has {kernel}");
                users.Add(Path.GetFileName(dll));
            }
        Assert.Superset(new HashSet<string> { "Vcmr.dll", "Plotly.NET.dll", "Plotly.NET.CSharp.dll", "DynamicObj.dll", "Giraffe.ViewEngine.dll" }, users.ToHashSet());
    }

    [Fact]
    public void EveryFSharpCoreTypeAndMemberTheModelFolderUsesExistsInTheKernelsFSharpCore()
    {
        var kernels = new List<string> { KernelFSharpCore };
        if (ReplToolFolder() is { } tool) kernels.Add(Path.Combine(tool, "FSharp.Core.dll"));
        foreach (var fsharpCore in kernels)
        {
            var defined = FSharpCoreUsage.Definitions(fsharpCore);
            var missing = new List<string>();
            int checkedMembers = 0;
            foreach (var dll in ModelFolderAssemblies)
            {
                var (types, members) = FSharpCoreUsage.References(dll);
                missing.AddRange(types.Where(t => !defined.ContainsKey(t)).Select(t => $"{Path.GetFileName(dll)}: type {t}"));
                missing.AddRange(members.Where(m => !FSharpCoreUsage.Resolves(defined, m)).Select(m => $"{Path.GetFileName(dll)}: {m}"));
                checkedMembers += members.Count;
            }
            Assert.True(missing.Count == 0, $"not in {fsharpCore}:\n{string.Join("\n", missing)}");
            Assert.True(checkedMembers > 500, $"only {checkedMembers} FSharp.Core member references found: the reader is broken");
        }
    }

    [Fact]
    public void TheCheckFindsAMemberThatFSharpCoreLacks()
    {
        var defined = FSharpCoreUsage.Definitions(KernelFSharpCore);
        Assert.True(FSharpCoreUsage.Resolves(defined, "Microsoft.FSharp.Core.FSharpOption`1::get_Value instance !0 <0>()"));
        Assert.False(FSharpCoreUsage.Resolves(defined, "Microsoft.FSharp.Core.FSharpOption`1::get_Valeu instance !0 <0>()"));
        Assert.False(FSharpCoreUsage.Resolves(defined, "Microsoft.FSharp.Core.FSharpOption`1::get_Value instance String <0>()"));
        Assert.True(FSharpCoreUsage.Resolves(defined, "Microsoft.FSharp.Core.FSharpFunc`2::Invoke instance !1 <0>(!0)"));
        Assert.False(FSharpCoreUsage.Resolves(defined, "Microsoft.FSharp.Core.NoSuchType::Invoke instance !1 <0>(!0)"));
    }

    [SkippableFact]
    public void TheRunnerHasTheFSharpCoreThatTheKernelToolsShip()
    {
        string? tool = ReplToolFolder();
        Skip.If(tool is null, "dotnet-repl is not restored (the build runs `dotnet tool restore`)");
        var shipped = AssemblyName.GetAssemblyName(Path.Combine(tool, "FSharp.Core.dll"));
        var runner = AssemblyName.GetAssemblyName(KernelFSharpCore);
        Assert.Equal(shipped.Version, runner.Version);
        Assert.Equal(shipped.GetPublicKeyToken(), runner.GetPublicKeyToken());
    }

    [SkippableFact]
    public void NoAssemblyInTheModelFolderIsOneTheKernelHoldsInAnotherVersion()
    {
        string? tool = ReplToolFolder();
        Skip.If(tool is null, "dotnet-repl is not restored (the build runs `dotnet tool restore`)");
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        foreach (var dll in ModelFolderAssemblies)
            foreach (var folder in new[] { tool, framework })
            {
                string held = Path.Combine(folder, Path.GetFileName(dll));
                if (File.Exists(held))
                    Assert.True(AssemblyName.GetAssemblyName(held).Version == AssemblyName.GetAssemblyName(dll).Version,
                        $"{Path.GetFileName(dll)}: the kernel holds {AssemblyName.GetAssemblyName(held).Version}, artifacts/vcmr has {AssemblyName.GetAssemblyName(dll).Version}");
            }
    }

    [Fact]
    public void TheBuildsAssemblyRefReaderAgreesWithSystemReflectionMetadata()
    {
        var files = ModelFolderAssemblies.Append(KernelFSharpCore).Append(typeof(object).Assembly.Location).Append(typeof(Microsoft.DotNet.Interactive.Kernel).Assembly.Location).ToList();
        foreach (var dll in files)
        {
            byte[] bytes = File.ReadAllBytes(dll);
            using var pe = new PEReader(new MemoryStream(bytes));
            var reader = pe.GetMetadataReader();
            long start = pe.PEHeaders.MetadataStartOffset + reader.GetTableMetadataOffset(TableIndex.AssemblyRef);
            int size = reader.GetTableRowSize(TableIndex.AssemblyRef);
            var expected = reader.AssemblyReferences.Select((h, i) =>
                (reader.GetString(reader.GetAssemblyReference(h).Name), reader.GetAssemblyReference(h).Version, start + (long)i * size));
            Assert.Equal(expected, AssemblyRefs.Read(bytes, dll).Select(r => (r.Name, r.Version, r.VersionOffset)));
        }
    }

    [Fact]
    public void LoweringRewritesOnlyTheVersionFieldsAtomicallyAndLeavesAHardLinkedSourceAlone()
    {
        string dir = TestNotebooks.TempFolder();
        string original = Path.Combine(dir, "source.dll"), copy = Path.Combine(dir, "copy.dll");
        File.Copy(Path.Combine(RepoPaths.ModelAssemblyFolder, "Plotly.NET.dll"), original);
        byte[] before = File.ReadAllBytes(original);
        // the build lowered the folder's copy to 10.0: raise it to 10.1 as the package ships it, then hard-link a build output to it
        var row = AssemblyRefs.Read(before, original).Single(r => r.Name == "FSharp.Core");
        before[row.VersionOffset + 2] = 1;
        File.WriteAllBytes(original, before);
        Assert.Equal(0, Link(original, copy));
        var stamp = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(copy, stamp);

        Assert.Equal($"{copy}: FSharp.Core 10.1.0.0 -> 10.0.0.0", AssemblyRefs.Lower(copy, "FSharp.Core", new Version(10, 0, 0, 0)));
        Assert.Null(AssemblyRefs.Lower(copy, "FSharp.Core", new Version(10, 0, 0, 0)));      // idempotent
        byte[] after = File.ReadAllBytes(copy);
        Assert.Equal(before, File.ReadAllBytes(original));                                  // the linked source is untouched
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(copy));                                  // incremental copies see it up to date
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        Assert.Equal([(int)row.VersionOffset + 2], changed);                                  // minor 1 -> 0, nothing else
    }

    private static int Link(string source, string link)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("ln") { ArgumentList = { source, link } };
        using var process = System.Diagnostics.Process.Start(psi)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}

using Vcmr.Data;
using Vcmr.Tests.Support;

namespace Vcmr.Tests.Data;

public class AtomicFileTests
{
    private static string NewFolder() => Directory.CreateTempSubdirectory("vcmr-atomic").FullName;

    [Fact]
    public void AWriterThatThrowsLeavesTheOldFileAndNoTempFile()
    {
        string dir = NewFolder();
        string path = Path.Combine(dir, "checkpoint.json");
        AtomicFile.WriteAllText(path, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteStream(path, s =>
        {
            s.Write("half"u8);
            s.Flush();
            Assert.Equal("old", File.ReadAllText(path)); // mid-write, readers still see the old file
            throw new InvalidOperationException("crash mid-write");
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir));
    }

    [Fact]
    public void AWriterKilledMidWriteLeavesTheOldFileAndTheNextWriteRemovesItsTempFile()
    {
        string dir = NewFolder();
        string path = Path.Combine(dir, "submission.json");
        AtomicFile.WriteAllText(path, "old");
        using (var child = ChildProcess.StartAndWaitReady("atomic-write-and-hang", path))
        {
            Assert.Single(Directory.GetFiles(dir), f => AtomicFile.IsTempName(Path.GetFileName(f))); // the half-written temp
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(2, Directory.GetFiles(dir).Length); // a killed process cannot delete its temp file ...
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir)); // ... the next write of the target does
    }

    [Fact]
    public void ConcurrentWritersUseTheirOwnTempFilesAndOneCompleteVersionWins()
    {
        string dir = NewFolder();
        string path = Path.Combine(dir, "metrics.json");
        var temps = new System.Collections.Concurrent.ConcurrentBag<string>();
        var contents = Enumerable.Range(0, 8).Select(i => new string((char)('a' + i), 100_000)).ToArray();
        Parallel.For(0, contents.Length, i => AtomicFile.WriteVia(path, temp =>
        {
            temps.Add(temp);
            File.WriteAllText(temp, contents[i]);
        }));
        Assert.Equal(contents.Length, temps.Distinct().Count());
        Assert.Contains(File.ReadAllText(path), contents);
        Assert.Equal([path], Directory.GetFiles(dir));
    }

    [Fact]
    public async Task ALiveWritersTempFileIsNotSweptByAnotherWrite()
    {
        string dir = NewFolder();
        string path = Path.Combine(dir, "x.txt");
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var slow = Task.Run(() => AtomicFile.WriteVia(path, temp =>
        {
            File.WriteAllText(temp, "slow");
            inside.Set();
            release.Wait();
        }));
        inside.Wait();
        AtomicFile.WriteAllText(path, "fast");
        release.Set();
        await slow; // its temp file was still there to be renamed
        Assert.Equal("slow", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir));
    }

    [Fact]
    public void AWriteReplacesTheFileAndCreatesFolders()
    {
        string path = Path.Combine(NewFolder(), "a", "b", "x.txt");
        AtomicFile.WriteAllText(path, "one");
        AtomicFile.WriteAllText(path, "two");
        Assert.Equal("two", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void AFolderOrAPathBelowAFileIsRefusedBeforeWriting()
    {
        string dir = NewFolder();
        string file = Path.Combine(dir, "afile");
        File.WriteAllText(file, "keep");
        var e = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(dir, "x"));
        Assert.Equal($"{dir}: is a folder; give a file name", e.Message);
        e = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(Path.Combine(file, "sub", "m.json"), "x"));
        Assert.Equal($"{Path.Combine(file, "sub", "m.json")}: {file} is a file, not a folder", e.Message);
        Assert.Equal([file], Directory.GetFiles(dir));
        Assert.Equal("keep", File.ReadAllText(file));
    }
}

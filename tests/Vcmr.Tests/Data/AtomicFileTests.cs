using Vcmr.Data;

namespace Vcmr.Tests.Data;

public class AtomicFileTests
{
    [Fact]
    public void AFailedWriteLeavesTheOldFileAndNoTempFile()
    {
        string dir = Directory.CreateTempSubdirectory("vcmr-atomic").FullName;
        string path = Path.Combine(dir, "checkpoint.json");
        AtomicFile.WriteAllText(path, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteStream(path, s =>
        {
            s.Write("half"u8);
            throw new InvalidOperationException("crash mid-write");
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(dir));
    }

    [Fact]
    public void AWriteReplacesTheFileAndCreatesFolders()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("vcmr-atomic").FullName, "a", "b", "x.txt");
        AtomicFile.WriteAllText(path, "one");
        AtomicFile.WriteAllText(path, "two");
        Assert.Equal("two", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }
}

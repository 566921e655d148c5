using Vcmr.Data;

namespace Vcmr.Tests.Data;

public class FeatureFileWriterTests
{
    private static FeatureFileWriter TwoKeys(string path) =>
        FeatureFileWriter.Create(path, [("a", 2, 3), ("b", 1, 3)], [("a", 2)]);

    [Fact]
    public void StreamedDatasetsReadBackInAnyWriteOrder()
    {
        string path = FeatureStoreTests.TempFile("v.h5");
        using (var writer = TwoKeys(path))
        {
            writer.Write("b", FeatureStoreTests.Matrix(1, 3, 50));
            writer.WriteMask("a", [1, 0]);
            writer.Write("a", FeatureStoreTests.Matrix(2, 3));
            Assert.False(File.Exists(path)); // only a temp file until Commit
            writer.Commit();
        }
        using var store = FeatureStore.Open(path, 3);
        Assert.Equal(FeatureStoreTests.Matrix(2, 3).Data, store.Read("a").Data);
        Assert.Equal([50f, 51f, 52f], store.Read("b").Data);
        Assert.Equal([1f, 0f], store.ReadMask("a")!);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void WrongShapesAndUnknownKeysNameFileAndKey()
    {
        string path = FeatureStoreTests.TempFile("v.h5");
        using var writer = TwoKeys(path);
        var e = Assert.Throws<ArgumentException>(() => writer.Write("a", FeatureStoreTests.Matrix(3, 3)));
        Assert.Contains($"{path}: key 'a' has shape (3, 3), declared (2, 3)", e.Message);
        Assert.Contains("key 'c' was not declared", Assert.Throws<ArgumentException>(() => writer.Write("c", FeatureStoreTests.Matrix(1, 3))).Message);
        writer.Write("b", FeatureStoreTests.Matrix(1, 3));
        Assert.Contains("key 'b' is written twice", Assert.Throws<ArgumentException>(() => writer.Write("b", FeatureStoreTests.Matrix(1, 3))).Message);
        Assert.Contains("key 'a' is declared twice",
            Assert.Throws<ArgumentException>(() => FeatureFileWriter.Create(path, [("a", 1, 1), ("a", 1, 1)])).Message);
    }

    [Fact]
    public void AnIncompleteFileIsNeverPublished()
    {
        string path = FeatureStoreTests.TempFile("v.h5");
        using (var writer = TwoKeys(path))
        {
            writer.Write("a", FeatureStoreTests.Matrix(2, 3));
            var e = Assert.Throws<InvalidOperationException>(writer.Commit);
            Assert.Contains($"{path}: key 'b' was declared but never written", e.Message);
        }
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!)); // no target, no temp file
    }
}

using Vcmr.Data;

namespace Vcmr.Tests.Data;

public class FeatureStoreTests
{
    internal static string TempFile(string name) => Path.Combine(Directory.CreateTempSubdirectory("vcmr-h5").FullName, name);

    internal static FeatureMatrix Matrix(int rows, int cols, float offset = 0) =>
        new(Enumerable.Range(0, rows * cols).Select(i => i + offset).ToArray(), rows, cols);

    [Fact]
    public void RoundTripKeepsShapesValuesAndMasks()
    {
        string path = TempFile("sub.h5");
        var a = Matrix(3, 4);
        var b = Matrix(1, 4, 100);
        FeatureStoreWriter.Write(path, new Dictionary<string, FeatureMatrix> { ["vid_a"] = a, ["vid_b"] = b },
            new Dictionary<string, float[]> { ["vid_a"] = [1, 0, 1] });

        using var store = FeatureStore.Open(path, expectedDim: 4);
        var readA = store.Read("vid_a");
        Assert.Equal((3, 4), (readA.Rows, readA.Cols));
        Assert.Equal(a.Data, readA.Data);
        Assert.Equal(b.Data, store.Read("vid_b").Data);
        Assert.Equal([1f, 0f, 1f], store.ReadMask("vid_a")!);
        Assert.Null(store.ReadMask("vid_b"));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp-*"));
    }

    [Fact]
    public void ReadIntoFillsABufferPrefixAndChecksItsSize()
    {
        string path = TempFile("v.h5");
        FeatureStoreWriter.Write(path, new Dictionary<string, FeatureMatrix> { ["small"] = Matrix(2, 3), ["big"] = Matrix(4, 3, 10) },
            new Dictionary<string, float[]> { ["small"] = [1, 1] });
        using var store = FeatureStore.Open(path);
        Assert.Equal(["big", "small", "small-mask"], store.Keys.Order());
        var buffer = Enumerable.Repeat(-1f, 12).ToArray();
        Assert.Equal((2, 3), store.ReadInto("small", buffer));
        Assert.Equal([0f, 1, 2, 3, 4, 5, -1, -1, -1, -1, -1, -1], buffer); // the rest of the buffer is untouched
        Assert.Equal((4, 3), store.Shape("big"));
        var e = Assert.Throws<ArgumentException>(() => store.ReadInto("big", new float[11]));
        Assert.Contains($"{path}: key 'big' has shape (4, 3) but the buffer holds 11 values", e.Message);
    }

    [Fact]
    public void MissingKeyNamesFileAndKey()
    {
        string path = TempFile("q.h5");
        FeatureStoreWriter.Write(path, new Dictionary<string, FeatureMatrix> { ["90200"] = Matrix(2, 3) });
        using var store = FeatureStore.Open(path);
        var e = Assert.Throws<DataFormatException>(() => store.Read("90201"));
        Assert.Contains(path, e.Message);
        Assert.Contains("'90201' not found", e.Message);
    }

    [Fact]
    public void DimensionMismatchNamesShape()
    {
        string path = TempFile("v.h5");
        FeatureStoreWriter.Write(path, new Dictionary<string, FeatureMatrix> { ["v"] = Matrix(2, 3) });
        using var store = FeatureStore.Open(path, expectedDim: 5);
        var e = Assert.Throws<DataFormatException>(() => store.Read("v"));
        Assert.Contains("key 'v' has shape (2, 3), expected feature dim 5", e.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void NonFiniteValuesAreRejected(float bad)
    {
        string path = TempFile("v.h5");
        var m = Matrix(2, 2);
        m.Data[3] = bad;
        FeatureStoreWriter.Write(path, new Dictionary<string, FeatureMatrix> { ["v"] = m });
        using var store = FeatureStore.Open(path);
        var e = Assert.Throws<DataFormatException>(() => store.Read("v"));
        Assert.Contains("key 'v' shape (2, 2) has non-finite value", e.Message);
        Assert.Contains("flat index 3", e.Message);
    }

    [Fact]
    public void MissingOrCorruptFileIsADataError()
    {
        string path = TempFile("none.h5");
        Assert.Contains("not found", Assert.Throws<DataFormatException>(() => FeatureStore.Open(path)).Message);
        File.WriteAllText(path, "not hdf5");
        Assert.Contains("not a readable HDF5 file", Assert.Throws<DataFormatException>(() => FeatureStore.Open(path)).Message);
    }
}

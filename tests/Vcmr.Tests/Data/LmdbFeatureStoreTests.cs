using System.Text.Json;
using Vcmr.Data;
using Vcmr.Tests.Support;

namespace Vcmr.Tests.Data;

/// <summary>CONQUER's LMDB feature stores: the suite's writer and reader against each other, and against Python's lmdb,
/// msgpack_numpy and numpy (Debian's python3-lmdb, python3-msgpack, python3-msgpack-numpy, python3-numpy) where installed.</summary>
public class LmdbFeatureStoreTests
{
    private static string TempDir(string name) => Path.Combine(Directory.CreateTempSubdirectory("vcmr-lmdb").FullName, name);

    private static FeatureMatrix Matrix(int rows, int cols, float offset = 0) =>
        new(Enumerable.Range(0, rows * cols).Select(i => (i + offset) / 8f).ToArray(), rows, cols);

    [Theory]
    [InlineData(FeatureEncoding.MsgpackNumpy)]
    [InlineData(FeatureEncoding.Npz)]
    public void RoundTripKeepsKeysShapesAndValues(FeatureEncoding encoding)
    {
        string path = TempDir("store");
        var (a, b) = (Matrix(3, 4), Matrix(1, 4, 100));
        LmdbFeatureStore.Write(path, [("castle_s01e01_seg02_clip_00", a), ("1234", b)], encoding);
        using var store = FeatureStore.Open(path, expectedDim: 4);
        Assert.IsType<LmdbFeatureStore>(store);
        Assert.Equal(["1234", "castle_s01e01_seg02_clip_00"], store.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((3, 4), store.Shape("castle_s01e01_seg02_clip_00"));
        Assert.Equal(a.Data, store.Read("castle_s01e01_seg02_clip_00").Data);
        Assert.Equal(b.Data, store.Read("1234").Data);
        Assert.True(store.Contains("1234"));
        Assert.False(store.Contains("4321"));
        Assert.Contains("key '4321' not found", Assert.Throws<DataFormatException>(() => store.Read("4321")).Message);
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(path)!, "*.tmp-*"));
    }

    [SkippableFact]
    public void PythonReadsTheSuitesStoresAsTheReferenceLoaderDoes()
    {
        var python = Python.With("lmdb", "msgpack", "msgpack_numpy", "numpy");
        Skip.If(python is null, "needs Python with lmdb, msgpack, msgpack_numpy and numpy (Debian: python3-lmdb python3-msgpack python3-msgpack-numpy python3-numpy)");
        string video = TempDir("video"), sub = TempDir("sub");
        LmdbFeatureStore.Write(video, [("v1", Matrix(5, 6)), ("v2", Matrix(2, 6, 7))], FeatureEncoding.MsgpackNumpy);
        LmdbFeatureStore.Write(sub, [("v1", Matrix(5, 3, 1)), ("v2", Matrix(2, 3, 9))], FeatureEncoding.Npz);
        // second_stage_start_end_dataset.py's reads: msgpack_numpy.loads(dump, raw=False)['features'] and np.load(BytesIO)['features']
        const string script = """
            import io, json, sys, lmdb, msgpack_numpy, numpy as np
            out = {}
            for path, kind in ((sys.argv[1], "msgpack"), (sys.argv[2], "npz")):
                with lmdb.open(path, readonly=True, create=False, readahead=False).begin(buffers=True) as txn:
                    for key in (b"v1", b"v2"):
                        dump = txn.get(key)
                        if kind == "msgpack":
                            f = {k: np.copy(v) for k, v in msgpack_numpy.loads(dump, raw=False).items()}["features"]
                        else:
                            with io.BytesIO(dump) as reader:
                                f = np.load(reader, allow_pickle=True)["features"]
                        out[kind + "/" + key.decode()] = [str(f.dtype), list(f.shape), f.ravel().tolist()]
            print(json.dumps(out))
            """;
        string stdout = Python.Output(python!, script, video, sub);
        using var doc = JsonDocument.Parse(stdout);
        void Expect(string key, FeatureMatrix m)
        {
            var e = doc.RootElement.GetProperty(key);
            Assert.Equal("float32", e[0].GetString());
            Assert.Equal([m.Rows, m.Cols], e[1].EnumerateArray().Select(x => x.GetInt32()));
            Assert.Equal(m.Data, e[2].EnumerateArray().Select(x => (float)x.GetDouble()));
        }
        Expect("msgpack/v1", Matrix(5, 6));
        Expect("msgpack/v2", Matrix(2, 6, 7));
        Expect("npz/v1", Matrix(5, 3, 1));
        Expect("npz/v2", Matrix(2, 3, 9));
    }

    [SkippableFact]
    public void TheSuiteReadsStoresPythonWroteInEveryEncodingTheReleaseMayUse()
    {
        var python = Python.With("lmdb", "msgpack", "msgpack_numpy", "numpy");
        Skip.If(python is null, "needs Python with lmdb, msgpack, msgpack_numpy and numpy (Debian: python3-lmdb python3-msgpack python3-msgpack-numpy python3-numpy)");
        string path = TempDir("py");
        // value (i * cols + j) / 8 of a (rows, cols) matrix, stored as float16 / float32 / float64, C or Fortran order,
        // msgpack_numpy (as HERO's feature writer) or np.savez / np.savez_compressed
        const string script = """
            import io, sys, lmdb, msgpack, msgpack_numpy, numpy as np
            def m(rows, cols): return (np.arange(rows * cols).reshape(rows, cols) / 8)
            env = lmdb.open(sys.argv[1], map_size=1 << 24)
            with env.begin(write=True) as txn:
                txn.put(b"half", msgpack_numpy.packb({"features": m(3, 4).astype(np.float16)}))
                txn.put(b"legacy_raw", msgpack.packb({"features": msgpack_numpy.encode(m(2, 4).astype(np.float32))}, use_bin_type=False))
                for name, arr, save in ((b"npz32", m(4, 5).astype(np.float32), np.savez),
                                        (b"npz64", m(2, 5).astype(np.float64), np.savez_compressed),
                                        (b"fortran", np.asfortranarray(m(3, 5).astype(np.float32)), np.savez),
                                        (b"bigendian", m(2, 5).astype(">f4"), np.savez)):
                    buffer = io.BytesIO()
                    save(buffer, features=arr)
                    txn.put(name, buffer.getvalue())
            env.close()
            """;
        Python.Output(python!, script, path);
        using var store = FeatureStore.Open(path);
        foreach (var (key, rows, cols) in new[] { ("half", 3, 4), ("legacy_raw", 2, 4) })
            Assert.Equal(Matrix(rows, cols).Data, store.Read(key).Data);
        using var text = FeatureStore.Open(path); // a second store: the first fixed its width at 4
        foreach (var (key, rows, cols) in new[] { ("npz32", 4, 5), ("npz64", 2, 5), ("fortran", 3, 5), ("bigendian", 2, 5) })
        {
            Assert.Equal((rows, cols), text.Shape(key));
            Assert.Equal(Matrix(rows, cols).Data, text.Read(key).Data);
        }
    }

    [Fact]
    public void BadValuesAndFoldersAreErrorsNamingTheStoreAndKey()
    {
        string path = TempDir("bad");
        Assert.Contains("has no data.mdb", Assert.Throws<DataFormatException>(() => LmdbFeatureStore.Open(path.Replace("bad", "absent")).Dispose()).Message);
        Directory.CreateDirectory(path);
        Assert.Equal($"{path}: is a folder, not a feature file", Assert.Throws<DataFormatException>(() => FeatureStore.Open(path)).Message);
        var nan = Matrix(2, 3);
        nan.Data[4] = float.NaN;
        LmdbFeatureStore.Write(path, [("ok", Matrix(2, 3)), ("nan", nan), ("wide", Matrix(2, 4))], FeatureEncoding.Npz);
        using var store = FeatureStore.Open(path, expectedDim: 3);
        Assert.Contains($"{path}: key 'nan' shape (2, 3) has non-finite value NaN at flat index 4",
            Assert.Throws<DataFormatException>(() => store.Read("nan")).Message);
        Assert.Contains($"{path}: key 'wide' has shape (2, 4), expected feature dim 3",
            Assert.Throws<DataFormatException>(() => store.Shape("wide")).Message);
        Assert.Contains("neither an .npz (np.savez) nor a msgpack_numpy dict",
            Assert.Throws<DataFormatException>(() => NumpyFeatures.Decode([1, 2, 3], "x: key 'y'")).Message);
        var encoded = NumpyFeatures.Encode(Matrix(2, 3), FeatureEncoding.MsgpackNumpy);
        Assert.Contains("x: key 'y': the value is not a msgpack_numpy dict",
            Assert.Throws<DataFormatException>(() => NumpyFeatures.Decode(encoded[..^5], "x: key 'y'")).Message);
        Assert.Contains("the value is not a readable .npz",
            Assert.Throws<DataFormatException>(() => NumpyFeatures.Decode(NumpyFeatures.Encode(Matrix(2, 3), FeatureEncoding.Npz)[..40], "x: key 'y'")).Message);
    }
}

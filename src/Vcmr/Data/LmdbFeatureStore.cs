using System.Text;
using LightningDB;
using Vcmr.Inference;

namespace Vcmr.Data;

/// <summary>
/// A feature store in the LMDB layout of CONQUER's release (tvr_feature_release/, read by
/// data_loader/second_stage_start_end_dataset.py): an LMDB 0.9 environment (a folder with data.mdb) whose key is the
/// vid_name or str(desc_id) and whose value is a <c>{'features': (rows, D)}</c> dict, msgpack_numpy-encoded (the video
/// store) or an in-memory .npz (the subtitle and query stores); see <see cref="NumpyFeatures"/>. The environment is
/// opened read-only and memory-mapped; a value's shape is cached after its first read.
/// </summary>
public sealed class LmdbFeatureStore : FeatureStore
{
    private readonly LightningEnvironment _env;
    private readonly LightningTransaction _tx;
    private readonly LightningDatabase _db;
    private readonly Dictionary<string, (int Rows, int Cols)> _shapes = new(StringComparer.Ordinal);
    private List<string>? _keys;

    private LmdbFeatureStore(string path, int? dim, LightningEnvironment env, LightningTransaction tx, LightningDatabase db) : base(path, dim) =>
        (_env, _tx, _db) = (env, tx, db);

    public static new LmdbFeatureStore Open(string path, int? expectedDim = null)
    {
        if (!File.Exists(System.IO.Path.Combine(path, "data.mdb")))
            throw new DataFormatException($"{path}: not an LMDB feature store (the folder has no data.mdb)");
        LmdbNative.EnsureLoaded();
        LightningEnvironment? env = null;
        LightningTransaction? tx = null;
        try
        {
            env = new LightningEnvironment(path);
            env.Open(EnvironmentOpenFlags.ReadOnly | EnvironmentOpenFlags.NoLock | EnvironmentOpenFlags.NoReadAhead | EnvironmentOpenFlags.NoThreadLocalStorage);
            tx = env.BeginTransaction(TransactionBeginFlags.ReadOnly);
            return new LmdbFeatureStore(path, expectedDim, env, tx, tx.OpenDatabase());
        }
        catch (LightningException e)
        {
            tx?.Dispose();
            env?.Dispose();
            throw new DataFormatException($"{path}: not a readable LMDB environment ({e.Message})", e);
        }
    }

    public override IReadOnlyCollection<string> Keys => _keys ??= ReadKeys();

    private List<string> ReadKeys()
    {
        var keys = new List<string>();
        using var cursor = _tx.CreateCursor(_db);
        for (var (rc, key, _) = cursor.First(); rc == MDBResultCode.Success; (rc, key, _) = cursor.Next())
            keys.Add(Encoding.UTF8.GetString(key.AsSpan()));
        return keys;
    }

    public override bool Contains(string key) => _tx.Get(_db, Encoding.UTF8.GetBytes(key)).resultCode == MDBResultCode.Success;

    public override (int Rows, int Cols) Shape(string key)
    {
        if (_shapes.TryGetValue(key, out var shape)) return shape;
        var (rows, cols) = NumpyFeatures.Shape(Value(key), Where(key));
        return _shapes[key] = CheckShape(key, [(ulong)rows, (ulong)cols]);
    }

    public override (int Rows, int Cols) ReadInto(string key, Span<float> buffer)
    {
        var m = NumpyFeatures.Decode(Value(key), Where(key));
        var (rows, cols) = _shapes[key] = CheckShape(key, [(ulong)m.Rows, (ulong)m.Cols]);
        if (buffer.Length < rows * cols)
            throw new ArgumentException($"{Path}: key '{key}' has shape ({rows}, {cols}) but the buffer holds {buffer.Length} values", nameof(buffer));
        var values = m.Data.AsSpan(0, rows * cols);
        CheckFinite(key, values, [(ulong)rows, (ulong)cols]);
        values.CopyTo(buffer);
        return (rows, cols);
    }

    private string Where(string key) => $"{Path}: key '{key}'";

    private byte[] Value(string key)
    {
        var (rc, _, value) = _tx.Get(_db, Encoding.UTF8.GetBytes(key));
        return rc == MDBResultCode.Success ? value.AsSpan().ToArray()
            : throw new DataFormatException($"{Path}: key '{key}' not found");
    }

    /// <summary>Writes <paramref name="matrices"/> as an LMDB feature store in <paramref name="encoding"/>, atomically
    /// (built beside <paramref name="path"/> and renamed over it), committing in slices so memory stays bounded.</summary>
    public static void Write(string path, IEnumerable<(string Key, FeatureMatrix Matrix)> matrices, FeatureEncoding encoding)
    {
        LmdbNative.EnsureLoaded();
        AtomicFile.WriteDirectory(path, temp =>
        {
            using var env = new LightningEnvironment(temp, new EnvironmentConfiguration { MapSize = 1L << 40 });
            env.Open();
            using var items = matrices.GetEnumerator();
            bool more = true;
            while (more)
            {
                using var tx = env.BeginTransaction();
                using var db = tx.OpenDatabase(configuration: new DatabaseConfiguration { Flags = DatabaseOpenFlags.Create });
                long bytes = 0;
                while (bytes < SliceBytes && (more = items.MoveNext()))
                {
                    var value = NumpyFeatures.Encode(items.Current.Matrix, encoding);
                    var rc = tx.Put(db, Encoding.UTF8.GetBytes(items.Current.Key), value);
                    if (rc != MDBResultCode.Success) throw new IOException($"{path}: writing key '{items.Current.Key}' failed ({rc})");
                    bytes += value.Length;
                }
                var commit = tx.Commit();
                if (commit != MDBResultCode.Success) throw new IOException($"{path}: commit failed ({commit})");
            }
        });
    }

    // LMDB 0.9 caps the dirty pages of one transaction (~512 MB)
    private const long SliceBytes = 64L << 20;

    public override void Dispose()
    {
        _db.Dispose();
        _tx.Dispose();
        _env.Dispose();
    }
}

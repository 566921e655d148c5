using System.Buffers;
using System.Globalization;
using System.Text;
using LightningDB;
using MessagePack;
using Vcmr.Data;

namespace Vcmr.Inference;

/// <summary>
/// First-stage ranklists in CONQUER's release format (data_loader/second_stage_start_end_dataset.py of
/// houzhijian/CONQUER): an LMDB 0.9 environment (a folder with data.mdb) whose key <c>str(desc_id)</c> holds a
/// msgpack list of <c>[video_idx, score]</c>, best first (top-100 for val/test, top-2000 for train in the release).
/// video_idx is the global index of tvr_video2dur_idx.json.
/// </summary>
public static class CandidatesLmdb
{
    /// <summary>Reads every list of a ranklist folder, checking each key and entry; errors name the folder and key.</summary>
    /// <param name="video2Idx">the videos the lists may name ({vid_name: video_idx}).</param>
    /// <param name="descIds">the queries the lists may be for; null accepts any desc_id.</param>
    public static VideoCandidates Read(string path, IReadOnlyDictionary<string, int> video2Idx, IReadOnlyCollection<int>? descIds = null)
    {
        if (!Directory.Exists(path))
            throw File.Exists(path) ? new DataFormatException($"{path}: a ranklist is an LMDB folder (holding data.mdb), not a file")
                : new DirectoryNotFoundException($"ranklist folder '{path}' does not exist");
        LmdbNative.EnsureLoaded();
        var known = video2Idx.Values.ToHashSet();
        var wanted = descIds as IReadOnlySet<int> ?? descIds?.ToHashSet();
        var lists = new Dictionary<int, IReadOnlyList<VideoCandidate>>();
        try
        {
            using var env = new LightningEnvironment(path);
            env.Open(EnvironmentOpenFlags.ReadOnly | EnvironmentOpenFlags.NoLock | EnvironmentOpenFlags.NoReadAhead);
            using var tx = env.BeginTransaction(TransactionBeginFlags.ReadOnly);
            using var db = tx.OpenDatabase();
            using var cursor = tx.CreateCursor(db);
            for (var (rc, key, value) = cursor.First(); rc == MDBResultCode.Success; (rc, key, value) = cursor.Next())
            {
                string k = Encoding.UTF8.GetString(key.AsSpan());
                if (!int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out int descId))
                    throw new DataFormatException($"{path}: key '{k}': not a desc_id (str of a non-negative integer)");
                if (wanted is not null && !wanted.Contains(descId))
                    throw new DataFormatException($"{path}: key '{k}': desc_id {descId} is not one of the {wanted.Count} queries");
                var list = Decode(value.AsSpan().ToArray(), $"{path}: key '{k}'");
                for (int i = 0; i < list.Count; i++)
                    if (!known.Contains(list[i].VideoIdx))
                        throw new DataFormatException($"{path}: key '{k}': video_idx {list[i].VideoIdx} (entry {i}) is not a video of the index ({video2Idx.Count} videos)");
                lists[descId] = list;
            }
        }
        catch (LightningException e)
        {
            throw new DataFormatException($"{path}: not a readable LMDB environment ({e.Message})", e);
        }
        return new VideoCandidates(video2Idx, lists, path);
    }

    /// <summary>Writes the lists as a ranklist folder (scores as float64), atomically: the folder is built beside
    /// <paramref name="path"/> and renamed over it.</summary>
    public static void Write(string path, VideoCandidates candidates)
    {
        LmdbNative.EnsureLoaded();
        var entries = candidates.DescIds.Order().Select(id => (Key: Encoding.ASCII.GetBytes(id.ToString(CultureInfo.InvariantCulture)),
            Value: Encode(candidates[id]))).ToList();
        AtomicFile.WriteDirectory(path, temp =>
        {
            using var env = new LightningEnvironment(temp, new EnvironmentConfiguration { MapSize = MapSize(entries.Sum(e => (long)e.Key.Length + e.Value.Length), entries.Count) });
            env.Open();
            // LMDB 0.9 caps the dirty pages of one transaction (~512 MB): commit in slices
            foreach (var slice in Slices(entries))
            {
                using var tx = env.BeginTransaction();
                using var db = tx.OpenDatabase(configuration: new DatabaseConfiguration { Flags = DatabaseOpenFlags.Create });
                foreach (var (key, value) in slice)
                {
                    var rc = tx.Put(db, key, value);
                    if (rc != MDBResultCode.Success) throw new IOException($"{path}: writing key '{Encoding.ASCII.GetString(key)}' failed ({rc})");
                }
                var commit = tx.Commit();
                if (commit != MDBResultCode.Success) throw new IOException($"{path}: commit failed ({commit})");
            }
        });
    }

    private const long SliceBytes = 64L << 20;

    private static IEnumerable<List<(byte[] Key, byte[] Value)>> Slices(List<(byte[] Key, byte[] Value)> entries)
    {
        var slice = new List<(byte[], byte[])>();
        long bytes = 0;
        foreach (var e in entries)
        {
            slice.Add(e);
            bytes += e.Key.Length + e.Value.Length;
            if (bytes < SliceBytes) continue;
            yield return slice;
            (slice, bytes) = ([], 0);
        }
        if (slice.Count > 0 || entries.Count == 0) yield return slice;
    }

    // Room for every entry on its own pages twice over (B-tree pages, pages freed between slices) plus slack; the
    // map is address space, not disk.
    private static long MapSize(long bytes, int entries) => (2 * (bytes + 2L * 4096 * entries) + (16L << 20) + 4095) / 4096 * 4096;

    private static byte[] Encode(IReadOnlyList<VideoCandidate> list)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * list.Count + 8);
        var w = new MessagePackWriter(buffer);
        w.WriteArrayHeader(list.Count);
        foreach (var c in list)
        {
            w.WriteArrayHeader(2);
            w.Write(c.VideoIdx);
            w.Write(c.Score);
        }
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A msgpack list of [video_idx, score] pairs (integer index; integer or float score).</summary>
    internal static List<VideoCandidate> Decode(byte[] bytes, string where)
    {
        var reader = new MessagePackReader(bytes);
        try
        {
            if (reader.NextMessagePackType != MessagePackType.Array) throw new DataFormatException($"{where}: the value is not a msgpack list");
            int n = reader.ReadArrayHeader();
            var list = new List<VideoCandidate>(n);
            for (int i = 0; i < n; i++)
            {
                if (reader.NextMessagePackType != MessagePackType.Array || reader.ReadArrayHeader() != 2
                    || reader.NextMessagePackType != MessagePackType.Integer)
                    throw new DataFormatException($"{where}: entry {i} is not [video_idx, score]");
                long video = reader.ReadInt64();
                double score = reader.NextMessagePackType switch
                {
                    MessagePackType.Float => reader.ReadDouble(),
                    MessagePackType.Integer => reader.ReadInt64(),
                    _ => throw new DataFormatException($"{where}: entry {i}: the score is not a number"),
                };
                if (video is < 0 or > int.MaxValue) throw new DataFormatException($"{where}: entry {i}: video_idx {video} is out of range");
                if (!double.IsFinite(score)) throw new DataFormatException($"{where}: entry {i}: score {score} is not finite");
                list.Add(new VideoCandidate((int)video, score));
            }
            if (!reader.End) throw new DataFormatException($"{where}: bytes follow the list");
            return list;
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException)
        {
            throw new DataFormatException($"{where}: the value is not a msgpack list of [video_idx, score] ({e.Message})", e);
        }
    }
}

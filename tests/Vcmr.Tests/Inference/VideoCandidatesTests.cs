using System.Globalization;
using System.Text;
using System.Text.Json;
using LightningDB;
using Vcmr.Data;
using Vcmr.Inference;
using Vcmr.Tests.Support;

namespace Vcmr.Tests.Inference;

public sealed class VideoCandidatesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vcmr-cand").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly Dictionary<string, int> Video2Idx = new() { ["a"] = 10, ["b"] = 11, ["c"] = 12, ["d"] = 300 };

    private static VideoCandidates Sample() => new(Video2Idx, new Dictionary<int, IReadOnlyList<VideoCandidate>>
    {
        [5] = [new(12, 0.75), new(10, 0.5), new(300, -0.125)],
        [90017] = [new(11, 1e-3)],
        [7] = [],
    }, "sample");

    private static void RequireLmdb()
    {
        try
        {
            LmdbNative.EnsureLoaded();
        }
        catch (DllNotFoundException e)
        {
            Skip.If(true, e.Message);
        }
    }

    private static void AssertSame(VideoCandidates expected, VideoCandidates actual)
    {
        Assert.Equal(expected.DescIds.Order(), actual.DescIds.Order());
        foreach (var id in expected.DescIds) Assert.Equal(expected[id], actual[id]);
    }

    [SkippableFact]
    public void LmdbRoundTripKeepsEveryListInOrderAndReplacesAnOldFolderAtomically()
    {
        RequireLmdb();
        string path = Path.Combine(_dir, "val_top100");
        CandidatesLmdb.Write(path, Sample().Top(1));
        CandidatesLmdb.Write(path, Sample()); // over the first one
        AssertSame(Sample(), CandidatesLmdb.Read(path, Video2Idx, [5, 7, 90017]));
        Assert.Equal([path], Directory.GetFileSystemEntries(_dir)); // no temp or set-aside folder is left
        Assert.True(File.Exists(Path.Combine(path, "data.mdb")));
    }

    [Fact]
    public void SubmissionVrListsBecomeCandidatesAndBack()
    {
        var sub = Sample().ToSubmission();
        Assert.Null(sub.Vcmr);
        Assert.Equal([5, 7, 90017], sub.Vr!.Select(q => q.DescId));
        Assert.Equal(new Prediction(12, 0, 0, 0.75), sub.Vr![0].Predictions[0]);
        AssertSame(Sample(), VideoCandidates.FromSubmission(sub, "sub.json"));
        var e = Assert.Throws<DataFormatException>(() => VideoCandidates.FromSubmission(sub with { Vr = null }, "sub.json"));
        Assert.Contains("sub.json", e.Message);
    }

    [Fact]
    public void AListNamingAVideoOutsideTheIndexOrAMissingQueryIsAnErrorNamingTheSource()
    {
        var e = Assert.Throws<DataFormatException>(() => new VideoCandidates(Video2Idx,
            new Dictionary<int, IReadOnlyList<VideoCandidate>> { [3] = [new(10, 1), new(13, 0.5)] }, "lists.lmdb"));
        Assert.Contains("lists.lmdb: desc_id 3: video_idx 13 (entry 1)", e.Message);
        Assert.Contains("sample: desc_id 4 has no first-stage candidates", Assert.Throws<KeyNotFoundException>(() => Sample().Top(5)[4]).Message);
    }

    // Writes raw (key, value) records as a foreign tool would.
    private string RawLmdb(string name, params (string Key, byte[] Value)[] records)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(path);
        using var env = new LightningEnvironment(path);
        env.Open();
        using var tx = env.BeginTransaction();
        using var db = tx.OpenDatabase(configuration: new DatabaseConfiguration { Flags = DatabaseOpenFlags.Create });
        foreach (var (k, v) in records) tx.Put(db, Encoding.ASCII.GetBytes(k), v);
        tx.Commit();
        return path;
    }

    // msgpack by hand: fixarray headers, positive fixint / uint16, float64
    private static byte[] List(params (int Video, double Score)[] entries)
    {
        var b = new List<byte> { (byte)(0x90 | entries.Length) };
        foreach (var (v, s) in entries)
        {
            b.Add(0x92);
            if (v < 128) b.Add((byte)v);
            else b.AddRange([0xcd, (byte)(v >> 8), (byte)v]);
            b.Add(0xcb);
            b.AddRange(BitConverter.GetBytes(s).Reverse());
        }
        return b.ToArray();
    }

    [SkippableTheory]
    [InlineData("12x", "key '12x': not a desc_id")]
    [InlineData("99", "key '99': desc_id 99 is not one of the 2 queries")]
    [InlineData("5:video", "key '5': video_idx 13 (entry 1) is not a video of the index")]
    [InlineData("5:value", "key '5': the value is not a msgpack list")]
    [InlineData("5:entry", "key '5': entry 0 is not [video_idx, score]")]
    public void ARanklistWithABadKeyOrEntryIsAnErrorNamingTheFolderAndKey(string bad, string message)
    {
        RequireLmdb();
        (string, byte[]) record = bad switch
        {
            "5:video" => ("5", List((10, 0.5), (13, 0.25))),
            "5:value" => ("5", [0xcb, 0, 0, 0, 0, 0, 0, 0, 0]),
            "5:entry" => ("5", [0x91, 0x93, 1, 2, 3]),
            _ => (bad, List((10, 0.5))),
        };
        string path = RawLmdb("bad", ("7", List((11, 1))), record);
        var e = Assert.Throws<DataFormatException>(() => CandidatesLmdb.Read(path, Video2Idx, [5, 7]));
        Assert.Contains($"{path}: {message}", e.Message);
    }

    [SkippableFact]
    public void AFileOrAMissingFolderIsNamed()
    {
        RequireLmdb();
        string file = Path.Combine(_dir, "ranklist.mdb");
        File.WriteAllText(file, "x");
        Assert.Contains("LMDB folder", Assert.Throws<DataFormatException>(() => CandidatesLmdb.Read(file, Video2Idx)).Message);
        Assert.Throws<DirectoryNotFoundException>(() => CandidatesLmdb.Read(Path.Combine(_dir, "none"), Video2Idx));
    }

    [SkippableFact]
    public void RanklistsMatchPythonsLmdbAndMsgpackBothWays()
    {
        RequireLmdb();
        var python = Python.With("lmdb", "msgpack");
        Skip.If(python is null, "no python3 with the lmdb and msgpack modules (Debian: python3-lmdb python3-msgpack)");
        // Python writes a ranklist as CONQUER's release holds them (integer and float scores), C# reads it ...
        string fromPython = Path.Combine(_dir, "from_python");
        Python.Output(python!, """
            import sys, lmdb, msgpack
            env = lmdb.open(sys.argv[1], map_size=1 << 24)
            with env.begin(write=True) as tx:
                tx.put(b"5", msgpack.dumps([[12, 0.75], [10, 0.5], [300, -0.125]]))
                tx.put(b"90017", msgpack.dumps([[11, 1]]))
                tx.put(b"7", msgpack.dumps([]))
            env.close()
            """, fromPython);
        var read = CandidatesLmdb.Read(fromPython, Video2Idx);
        Assert.Equal([new VideoCandidate(12, 0.75), new(10, 0.5), new(300, -0.125)], read[5]);
        Assert.Equal([new VideoCandidate(11, 1)], read[90017]);
        Assert.Empty(read[7]);
        // ... and Python reads what C# writes, as CONQUER's loader opens it
        string fromCs = Path.Combine(_dir, "from_cs");
        CandidatesLmdb.Write(fromCs, Sample());
        var stdout = Python.Output(python!, """
            import sys, json, lmdb, msgpack
            env = lmdb.open(sys.argv[1], readonly=True, create=False, max_readers=4096 * 8, readahead=False)
            with env.begin(buffers=True) as tx:
                print(json.dumps({bytes(k).decode(): msgpack.loads(bytes(v)) for k, v in tx.cursor()}))
            """, fromCs);
        var lists = JsonSerializer.Deserialize<Dictionary<string, double[][]>>(stdout)!;
        Assert.Equal(["5", "7", "90017"], lists.Keys.Order(StringComparer.Ordinal));
        foreach (var id in Sample().DescIds)
            Assert.Equal(Sample()[id].Select(c => new[] { c.VideoIdx, c.Score }), lists[id.ToString(CultureInfo.InvariantCulture)]);
    }
}

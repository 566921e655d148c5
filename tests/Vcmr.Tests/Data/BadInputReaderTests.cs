using PureHDF;
using Vcmr.Data;
using Vcmr.Evaluation;

namespace Vcmr.Tests.Data;

/// <summary>
/// The library's readers and writers given bad input: each error is a <see cref="DataFormatException"/> (or, for an
/// option, an <see cref="ArgumentException"/>) naming the file and key, line or option and what is wrong.
/// </summary>
public class BadInputReaderTests
{
    private static string Folder() => Directory.CreateTempSubdirectory("vcmr-bad").FullName;

    private static string H5(string name, Action<H5File> fill)
    {
        string path = Path.Combine(Folder(), name);
        var file = new H5File();
        fill(file);
        file.Write(path);
        return path;
    }

    [Fact]
    public void Float64AndFloat16StoresAreReadAsFloat32()
    {
        double[] wide = [0.1, -2.5, 3e10, 1e-30, 0, 7];
        Half[] narrow = [(Half)0.5, (Half)(-2), (Half)65504, Half.Epsilon, (Half)0, (Half)1];
        string path = H5("mixed.h5", f =>
        {
            f["f64"] = new H5Dataset<double[]>(wide, fileDims: [2, 3]);
            f["f16"] = new H5Dataset<Half[]>(narrow, fileDims: [2, 3]);
        });
        using var store = FeatureStore.Open(path);
        Assert.Equal(wide.Select(x => (float)x), store.Read("f64").Data);
        var buffer = new float[6];
        Assert.Equal((2, 3), store.ReadInto("f16", buffer));
        Assert.Equal(narrow.Select(x => (float)x), buffer);
    }

    [Theory]
    [InlineData("int32")]
    [InlineData("uint8")]
    public void OtherTypesAreErrorsNamingFileKeyAndType(string type)
    {
        string path = H5("ints.h5", f => f["vid_a"] = type == "int32"
            ? new H5Dataset<int[]>([1, 2, 3, 4], fileDims: [2, 2]) : new H5Dataset<byte[]>([1, 2, 3, 4], fileDims: [2, 2]));
        using var store = FeatureStore.Open(path);
        var e = Assert.Throws<DataFormatException>(() => store.Read("vid_a"));
        Assert.Equal($"{path}: key 'vid_a' holds {type} values; feature stores must hold floats (float16, float32 or float64)", e.Message);
    }

    [Fact]
    public void AFloat64ValueBeyondFloat32IsAnError()
    {
        string path = H5("huge.h5", f => f["vid_a"] = new H5Dataset<double[]>([1, 1e300], fileDims: [1, 2]));
        using var store = FeatureStore.Open(path);
        Assert.Equal($"{path}: key 'vid_a' value 1E+300 at flat index 1 does not fit in float32", Assert.Throws<DataFormatException>(() => store.Read("vid_a")).Message);
    }

    [Fact]
    public void ACutOffStoreIsRefusedAtOpen()
    {
        string path = Path.Combine(Folder(), "video.h5");
        FeatureStoreWriter.Write(path, Enumerable.Range(0, 20).ToDictionary(i => $"vid_{i:D2}", _ => new FeatureMatrix(new float[10 * 64], 10, 64)));
        long full = new FileInfo(path).Length, cut = full * 6 / 10;
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(cut);
        var e = Assert.Throws<DataFormatException>(() => FeatureStore.Open(path));
        // PureHDF writes the key list at the end of the file, so no key can be named
        Assert.Equal($"{path}: the file is cut off: it has {cut:N0} bytes, its HDF5 header says {full:N0}; its key list lies beyond the end "
            + "(an interrupted download or copy? fetch the file again)", e.Message);
    }

    [SkippableFact]
    public void ACutOffStoreWrittenByH5pyNamesTheFirstKeyBeyondTheEnd()
    {
        string? python = Support.Python.With("h5py", "numpy");
        Skip.If(python == null, "needs python3 with h5py and numpy to write an HDF5 file as the release does");
        string path = Path.Combine(Folder(), "video.h5");
        // as the release: datasets created one by one (headers near the start), values after them in key order
        Support.Python.Script(python!, $$"""
            import h5py, numpy as np
            with h5py.File("{{path}}", "w") as f:
                for i in range(20): f.create_dataset(f"vid_{i:02d}", data=np.ones((10, 64), "f4"))
            """);
        long full = new FileInfo(path).Length;
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(full * 6 / 10);
        var e = Assert.Throws<DataFormatException>(() => FeatureStore.Open(path));
        Assert.StartsWith($"{path}: the file is cut off: it has {full * 6 / 10:N0} bytes, its HDF5 header says {full:N0}; key 'vid_", e.Message);
        Assert.InRange(int.Parse(e.Message.Split('\'')[1][4..], System.Globalization.CultureInfo.InvariantCulture), 5, 15); // ~60 % of the values are there
    }

    [SkippableFact]
    public void H5pyFloat64StoresReadLikeFloat32AndBigEndianIsNamed()
    {
        string? python = Support.Python.With("h5py", "numpy");
        Skip.If(python == null, "needs python3 with h5py and numpy to write h5py's default float64 and a big-endian file");
        string dir = Folder();
        Support.Python.Script(python!, $$"""
            import h5py, numpy as np
            x = np.arange(12).reshape(3, 4) / 8
            with h5py.File("{{dir}}/f64.h5", "w") as f: f["vid_a"] = x
            with h5py.File("{{dir}}/be.h5", "w") as f: f["vid_a"] = x.astype(">f4")
            """);
        using (var store = FeatureStore.Open($"{dir}/f64.h5"))
            Assert.Equal(Enumerable.Range(0, 12).Select(i => i / 8f), store.Read("vid_a").Data);
        using var bigEndian = FeatureStore.Open($"{dir}/be.h5");
        Assert.StartsWith($"{dir}/be.h5: key 'vid_a' (float32): cannot read the values (", Assert.Throws<DataFormatException>(() => bigEndian.Read("vid_a")).Message);
    }

    [Fact]
    public void ShapesWithoutValuesAreErrors()
    {
        string path = H5("empty.h5", f => f["vid_a"] = new H5Dataset<float[]>([], fileDims: [0, 4]));
        using var store = FeatureStore.Open(path);
        Assert.Equal($"{path}: key 'vid_a' has shape (0, 4): no values (a video needs at least one clip, a query one token)",
            Assert.Throws<DataFormatException>(() => store.Shape("vid_a")).Message);
    }

    [Fact]
    public void AMissingOrNonHdf5StoreIsNamed()
    {
        string dir = Folder();
        Assert.Equal($"{dir}/nope.h5: feature file not found", Assert.Throws<DataFormatException>(() => FeatureStore.Open($"{dir}/nope.h5")).Message);
        Assert.Equal($"{dir}: is a folder, not a feature file", Assert.Throws<DataFormatException>(() => FeatureStore.Open(dir)).Message);
        File.WriteAllText($"{dir}/text.h5", "not hdf5");
        Assert.StartsWith($"{dir}/text.h5: not a readable HDF5 file", Assert.Throws<DataFormatException>(() => FeatureStore.Open($"{dir}/text.h5")).Message);
    }

    [Theory]
    [InlineData("""{"vid_a": [30, 0]}""", "key vid_a: expected a split {vid_name: [duration, video_idx]}, got an array [30, 0] (the file is {split: {vid_name: [duration, video_idx]}}; is the split level missing?)")]
    [InlineData("""{"val": {"vid_a": [30, "0"]}}""", "key val/vid_a: expected [duration, video_idx] (a number and an integer), got an array [30, \"0\"]")]
    [InlineData("""{"val": {"vid_a": [0, 1]}}""", "key val/vid_a: duration 0 is not positive")]
    [InlineData("""[1, 2]""", "expected an object {split: {vid_name: [duration, video_idx]}}, got an array")]
    [InlineData("""{"val": {""", ":1: not valid JSON")]
    [InlineData("", "the file is empty")]
    public void VideoIndexOfTheWrongShapeIsNamed(string json, string expected)
    {
        string path = Path.Combine(Folder(), "tvr_video2dur_idx.json");
        File.WriteAllText(path, json);
        var e = Assert.Throws<DataFormatException>(() => VideoIndex.Read(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ByteOrderMarksIntegralFloatsAndCrlfAreRead()
    {
        string dir = Folder();
        File.WriteAllText($"{dir}/idx.json", "\uFEFF" + """{"val": {"vid_a": [30, 7.0]}}""");
        Assert.Equal(7, VideoIndex.Read($"{dir}/idx.json")["val"]["vid_a"].Index);
        File.WriteAllText($"{dir}/val.jsonl", "\uFEFF" + """{"vid_name": "vid_a", "duration": 30, "ts": [1, 2], "desc": "x", "type": "v", "desc_id": 5.0}""" + "\r\n\r\n");
        Assert.Equal(5, TvrAnnotations.Read($"{dir}/val.jsonl").Single().DescId);
        File.WriteAllText($"{dir}/subs.jsonl", "\uFEFF" + """{"vid_name": "vid_a", "sub": [{"text": "A : hi", "start": 0, "end": 1}]}""" + "\r\n");
        Assert.Single(TvrSubtitles.Read($"{dir}/subs.jsonl"));
    }

    [Theory]
    [InlineData("""{"vid_name": "a", "sub": [{"text": "x", "start": "0.5", "end": 1}]}""", ":1: a sub[0]: key 'start' must be a finite number, got a string \"0.5\"")]
    [InlineData("""{"vid_name": "a", "sub": [["x", 0, 1]]}""", ":1: a sub[0]: expected an object {text, start, end}, got an array [\"x\", 0, 1]")]
    [InlineData("""{"vid_name": 5, "sub": []}""", ":1: key 'vid_name' must be a string, got 5")]
    public void SubtitlesOfTheWrongShapeAreNamed(string line, string expected)
    {
        string path = Path.Combine(Folder(), "subs.jsonl");
        File.WriteAllText(path, line + "\n");
        Assert.Equal(path + expected, Assert.Throws<DataFormatException>(() => TvrSubtitles.Read(path)).Message);
    }

    [Theory]
    [InlineData("TrainVideos", "SynthOptions.TrainVideos = -1: must be 0 or more")]
    [InlineData("VideoDim", "SynthOptions.VideoDim = 0: must be at least 1")]
    [InlineData("SpeechProbability", "SynthOptions.SpeechProbability = 1.5: must be a probability in [0, 1]")]
    [InlineData("Noise", "SynthOptions.Noise = NaN: must be a finite number, 0 or more")]
    [InlineData("QueriesPerVideo", "SynthOptions.QueriesPerVideo = 0: must be at least 1")]
    [InlineData("NoVideos", "SynthOptions: TrainVideos, ValVideos and TestVideos are all 0: a corpus needs a video")]
    public void SyntheticCorpusOptionsAreCheckedBeforeAnythingIsWritten(string option, string expected)
    {
        var tiny = new SynthOptions(TrainVideos: 1, ValVideos: 1, TestVideos: 0, VideoDim: 8, TextDim: 8);
        var options = option switch
        {
            "TrainVideos" => tiny with { TrainVideos = -1 },
            "VideoDim" => tiny with { VideoDim = 0 },
            "SpeechProbability" => tiny with { SpeechProbability = 1.5 },
            "Noise" => tiny with { Noise = float.NaN },
            "QueriesPerVideo" => tiny with { QueriesPerVideo = 0 },
            _ => tiny with { TrainVideos = 0, ValVideos = 0 },
        };
        string dir = Path.Combine(Folder(), "corpus");
        Assert.Equal(expected, Assert.Throws<ArgumentException>(() => TvrSynth.Generate(dir, options)).Message);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void TheGeneratorNeverWritesOverFilesItDidNotWrite()
    {
        string dir = Folder();
        File.WriteAllText(Path.Combine(dir, "tvr_val_release.jsonl"), "real annotations");
        var before = FolderSnapshot.Take(dir);
        var e = Assert.Throws<IOException>(() => TvrSynth.Generate(dir, new SynthOptions(TrainVideos: 1, ValVideos: 1, TestVideos: 0, VideoDim: 8, TextDim: 8)));
        Assert.StartsWith($"{dir}: holds tvr_val_release.jsonl but no manifest.json of a synthetic corpus", e.Message);
        before.AssertUnchanged();
    }

    [Fact]
    public void FeatureOptionsAndNotebookParametersNameTheOption()
    {
        int valVideos = 0;
        Assert.Equal("valVideos = 0: must be at least 1 (model selection needs val queries)",
            Assert.Throws<ArgumentException>(() => ParameterCheck.AtLeast(valVideos, 1, "model selection needs val queries")).Message);
        Assert.Equal("FeatureOptions.MaxCtxLen (max_ctx_l) = 0: must be at least 1 clip",
            Assert.Throws<ArgumentException>(() => new FeatureOptions(MaxCtxLen: 0).Validate()).Message);
    }

    [Fact]
    public void AnIncompleteReleaseNamesEveryMissingFile()
    {
        string dir = Folder();
        File.WriteAllText(Path.Combine(dir, "tvr_val_release.jsonl"), "");
        var e = Assert.Throws<DataFormatException>(() => TvrRelease.Open(dir));
        Assert.StartsWith($"{dir}: not a complete TVR release, missing {dir}/tvr_video2dur_idx.json, {dir}/tvr_feature_release/video_feature/", e.Message);
        Assert.DoesNotContain("tvr_val_release.jsonl", e.Message);
        Assert.Equal($"{dir}/typo: no such folder (expected the data/ folder of a TVR release)", Assert.Throws<DataFormatException>(() => TvrRelease.Open($"{dir}/typo")).Message);
    }

    [Fact]
    public void EvaluationNeverSavesOverItsInputs()
    {
        string dir = Folder();
        File.WriteAllText($"{dir}/gt.jsonl", "{}");
        File.WriteAllText($"{dir}/sub.json", "{}");
        var before = FolderSnapshot.Take(dir);
        var e = Assert.Throws<IOException>(() => TvrEvaluation.EvaluateFiles($"{dir}/sub.json", $"{dir}/gt.jsonl", $"{dir}/gt.jsonl"));
        Assert.Equal($"{dir}/gt.jsonl: is the ground truth ({dir}/gt.jsonl); writing there would replace it", e.Message);
        before.AssertUnchanged();
    }
}

namespace Vcmr.Data;

/// <summary>Where the files of one TVR corpus are (the synthetic corpus or the real release) and how its features are read.</summary>
public interface ITvrCorpus
{
    /// <summary>tvr_{split}_release.jsonl for train, val or test_public.</summary>
    string Annotations(string split);
    string VideoIndexPath { get; }
    string VideoFeatures { get; }
    string SubtitleFeatures { get; }
    string QueryFeatures { get; }
    /// <summary>tvqa_preprocessed_subtitles.jsonl.</summary>
    string Subtitles { get; }
    /// <summary>How this corpus's stored features become model inputs.</summary>
    FeatureOptions FeatureOptions { get; }
}

/// <summary>
/// The real TVR release as the reference lays it out: annotations and subtitles in <paramref name="DataDir"/> (the
/// repository's data/ folder) and the extracted 33 GB feature archive in DataDir/tvr_feature_release/. The video file
/// is the ResNet+I3D concatenation, already L2-normalised per part, so it is read with --no_norm_vfeat.
/// </summary>
public sealed record TvrRelease(string DataDir) : ITvrCorpus
{
    private string Features => Path.Combine(DataDir, "tvr_feature_release");

    public string Annotations(string split) => Path.Combine(DataDir, $"tvr_{split}_release.jsonl");
    public string VideoIndexPath => Path.Combine(DataDir, "tvr_video2dur_idx.json");
    public string Subtitles => Path.Combine(DataDir, "tvqa_preprocessed_subtitles.jsonl");
    public string VideoFeatures => Path.Combine(Features, "video_feature", "tvr_resnet152_rgb_max_i3d_rgb600_avg_cat_cl-1.5.h5");
    public string SubtitleFeatures => Path.Combine(Features, "bert_feature", "sub_query", "tvr_sub_pretrained_w_sub_query_max_cl-1.5.h5");
    public string QueryFeatures => Path.Combine(Features, "bert_feature", "sub_query", "tvr_query_pretrained_w_sub_query.h5");
    public FeatureOptions FeatureOptions => new(NormalizeVideo: false);

    /// <summary>Every file the suite needs: val annotations, the video index and the three feature files.</summary>
    private string[] RequiredFiles => [Annotations("val"), VideoIndexPath, VideoFeatures, SubtitleFeatures, QueryFeatures];

    /// <summary>True when every file the suite reads (val annotations, index, the three feature files) exists.</summary>
    public bool IsComplete => RequiredFiles.All(File.Exists);

    /// <summary>The release in <paramref name="dataDir"/> after checking that every file the suite reads is there;
    /// otherwise a <see cref="DataFormatException"/> naming each missing file.</summary>
    public static TvrRelease Open(string dataDir)
    {
        if (!Directory.Exists(dataDir))
            throw new DataFormatException($"{Path.GetFullPath(dataDir)}: no such folder (expected the data/ folder of a TVR release)");
        var release = new TvrRelease(dataDir);
        var missing = release.RequiredFiles.Where(f => !File.Exists(f)).Select(Path.GetFullPath).ToList();
        if (missing.Count > 0)
            throw new DataFormatException($"{Path.GetFullPath(dataDir)}: not a complete TVR release, missing {string.Join(", ", missing)}");
        return release;
    }
}

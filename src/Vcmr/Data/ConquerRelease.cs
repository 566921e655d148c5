namespace Vcmr.Data;

/// <summary>
/// CONQUER's feature release as it ships (tvr_feature_release/, the 21 GB archive its README links; paths from
/// config/tvr_data_config.json): annotations, the video index and the first-stage ranklists in data/, the video
/// features (ResNet-152 + SlowFast, 4352 wide, msgpack_numpy in LMDB) in video_feature/, the subtitle and query
/// features (fine-tuned RoBERTa, 768 wide, np.savez in LMDB) in sub_query_feature/. Its training annotations are the
/// queries whose ground-truth video is in HERO's top 100 (tvr_train_select100_release.jsonl). Features are read as
/// the reference's loader reads them (<see cref="FeatureOptions.Conquer"/>).
/// </summary>
/// <param name="Root">The extracted tvr_feature_release folder (the reference's root_path).</param>
public sealed record ConquerRelease(string Root) : ITvrCorpus
{
    private string DataDir => Path.Combine(Root, "data");

    public string Annotations(string split) => Path.Combine(DataDir, split switch
    {
        "train" => "tvr_train_select100_release.jsonl",
        _ => $"tvr_{split}_release.jsonl",
    });

    public string VideoIndexPath => Path.Combine(DataDir, "tvr_video2dur_idx.json");
    public string VideoFeatures => Path.Combine(Root, "video_feature", "resnet_slowfast_1.5");
    public string SubtitleFeatures => Path.Combine(Root, "sub_query_feature", "tvr_sub_pretrained_w_sub_query_max_cl-1.5");
    public string QueryFeatures => Path.Combine(Root, "sub_query_feature", "tvr_query_pretrained_w_sub_query");
    /// <summary>Not part of CONQUER's release (TVRetrieval's data/ has it); absent unless copied in.</summary>
    public string Subtitles => Path.Combine(DataDir, "tvqa_preprocessed_subtitles.jsonl");
    public FeatureOptions FeatureOptions => FeatureOptions.Conquer;

    /// <summary>The first-stage ranklist folder of a split: HERO's top 2000 for the selected training queries, top 100
    /// for val and test_public.</summary>
    public string Ranklist(string split) => Path.Combine(DataDir, split switch
    {
        "train" => "train_select100_top2000",
        "val" => "tvr_val_top100_hero",
        "test_public" => "tvr_test_public_top100_hero",
        _ => throw new ArgumentException($"CONQUER's release has no ranklist for split '{split}' (train, val, test_public)", nameof(split)),
    });

    /// <summary>True when the val annotations, the index and the three feature stores exist.</summary>
    public bool IsComplete => File.Exists(Annotations("val")) && File.Exists(VideoIndexPath)
        && new[] { VideoFeatures, SubtitleFeatures, QueryFeatures }.All(p => File.Exists(StoreFile(p)));

    /// <summary>The file that holds an LMDB store's (or ranklist's) data: data.mdb in its folder.</summary>
    public static string StoreFile(string store) => Path.Combine(store, "data.mdb");

    /// <summary>
    /// Writes <paramref name="source"/> (e.g. a synthetic corpus) in this layout: annotations of every split it has
    /// (the training file keeps <paramref name="trainQueries"/> when given, as the release keeps the queries HERO ranks
    /// in its top 100), the video index, and the three stores in the release's encodings, stored values as read (no
    /// normalisation, full length). Ranklists are written separately (CandidatesLmdb.Write to <see cref="Ranklist"/>).
    /// </summary>
    public static ConquerRelease Write(ITvrCorpus source, string root, IReadOnlyCollection<int>? trainQueries = null)
    {
        var release = new ConquerRelease(root);
        Directory.CreateDirectory(release.DataDir);
        var index = VideoIndex.Read(source.VideoIndexPath);
        foreach (var split in index.Splits)
        {
            if (!File.Exists(source.Annotations(split))) continue;
            var queries = TvrAnnotations.Read(source.Annotations(split), index[split]);
            if (split == "train" && trainQueries is not null) queries = queries.Where(q => trainQueries.Contains(q.DescId)).ToList();
            TvrAnnotations.Write(release.Annotations(split), queries);
        }
        index.Write(release.VideoIndexPath);
        Copy(source.VideoFeatures, release.VideoFeatures, FeatureEncoding.MsgpackNumpy);
        Copy(source.SubtitleFeatures, release.SubtitleFeatures, FeatureEncoding.Npz);
        Copy(source.QueryFeatures, release.QueryFeatures, FeatureEncoding.Npz);
        return release;
    }

    private static void Copy(string from, string to, FeatureEncoding encoding)
    {
        using var store = FeatureStore.Open(from);
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        LmdbFeatureStore.Write(to, store.Keys.Where(k => !k.EndsWith("-mask", StringComparison.Ordinal)).Select(k => (k, store.Read(k))), encoding);
    }
}

using TorchSharp;
using Vcmr.Checkpoints;
using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Inference;
using static TorchSharp.torch;

namespace Vcmr.Cli;

/// <summary>A first stage given on the command line (<c>--first-stage</c>): a retriever of the suite as a model file
/// (any format <see cref="ModelFiles"/> reads), run on the corpus read with its own kind's options; or ranklist
/// folders in CONQUER's format (LMDB, <see cref="CandidatesLmdb"/>), one per split, each holding that split's queries.</summary>
internal static class FirstStageFile
{
    /// <summary>True when <paramref name="paths"/> name ranklist folders (whose scores are given, not a retriever's raw ones).</summary>
    public static bool IsRanklist(IEnumerable<string> paths) => paths.Any(Directory.Exists);

    /// <summary>The candidates of each (split, top K) asked for, in order: computed by the one model file, or read from
    /// the ranklist folder holding that split's queries (all of its list; the pipeline keeps the top K).</summary>
    public static List<VideoCandidates> Candidates(IReadOnlyList<string> paths, ITvrCorpus corpus, TvrData data, Device device, TextWriter console,
        params (string Split, int TopK)[] runs)
    {
        var full = paths.Select(Path.GetFullPath).ToList();
        CheckExist(full);
        if (!IsRanklist(full))
        {
            if (full.Count != 1)
                throw new ArgumentException($"--first-stage: {full.Count} model files given; give one retriever's model file (or one ranklist folder per split)");
            return Model(full[0], corpus, device, console, runs);
        }
        if (full.FirstOrDefault(File.Exists) is { } file)
            throw new ArgumentException($"--first-stage {file}: is a file, but the other --first-stage is a ranklist folder; give one model file or ranklist folders");
        return [.. runs.Select(r => Ranklist(full, data, r.Split, console))];
    }

    /// <summary>The HERO ranklist folders <paramref name="release"/> ships for <paramref name="splits"/>, the default first
    /// stage of a second stage on CONQUER's release; a missing one is a <see cref="DataFormatException"/> naming each
    /// missing data.mdb and the --corpus folder <paramref name="corpus"/>.</summary>
    public static IReadOnlyList<string> ReleaseRanklists(ConquerRelease release, string corpus, params string[] splits)
    {
        var lists = splits.Select(release.Ranklist).ToList();
        var missing = lists.Select(ConquerRelease.StoreFile).Where(f => !File.Exists(f)).ToList();
        if (missing.Count > 0)
            throw new DataFormatException($"{corpus}: the CONQUER release has no first-stage ranklist for {string.Join(" and ", splits)}, missing " +
                $"{string.Join(", ", missing)} (the release ships HERO's there); or give --first-stage");
        return lists;
    }

    /// <summary>Throws naming --first-stage and the path unless every path is a file or folder.</summary>
    public static void CheckExist(IEnumerable<string> paths)
    {
        foreach (var path in paths.Where(p => !File.Exists(p) && !Directory.Exists(p)))
            throw new IOException($"--first-stage {Path.GetFullPath(path)}: does not exist");
    }

    private static List<VideoCandidates> Model(string path, ITvrCorpus corpus, Device device, TextWriter console, (string Split, int TopK)[] runs)
    {
        var loaded = ModelFiles.Load(path);
        using var retriever = loaded.Model;
        RetrieverStage stage;
        try
        {
            stage = AnyModel.Retriever(retriever);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--first-stage {path}: {e.Message}", e);
        }
        retriever.to(device).eval();
        console.WriteLine($"first stage: {path}, {ModelFiles.Summary(loaded.Spec)}");
        using var data = TvrData.Open(corpus, device, RunPresets.Features(loaded.Spec, corpus));
        return [.. runs.Select(r => stage.Retrieve(data, r.Split, r.TopK))];
    }

    // The one folder whose keys are the queries of the split (desc_ids are unique across TVR's splits; each split has
    // its own video indices, so a folder holds one split's lists, as CONQUER's release does).
    private static VideoCandidates Ranklist(IReadOnlyList<string> folders, TvrData data, string split, TextWriter console)
    {
        var video2Idx = data.Index.Video2Idx(split);
        var queries = data.Queries(split).Select(q => q.DescId).ToHashSet();
        DataFormatException? first = null;
        foreach (var folder in folders)
        {
            try
            {
                var ranklist = CandidatesLmdb.Read(folder, video2Idx, queries);
                if (ranklist.Count == 0) continue;
                console.WriteLine($"first stage: ranklist {folder} ({split}, {ranklist.Count} queries)");
                return ranklist;
            }
            catch (DataFormatException e)
            {
                first ??= e;
            }
        }
        throw new DataFormatException($"--first-stage: no ranklist folder given holds the lists of the {split} queries (give one folder per split" +
            $"{(first is null ? "" : $"; {first.Message}")})");
    }
}

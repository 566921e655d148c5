namespace Vcmr.Data;

/// <summary>How the files of a corpus folder are laid out (see data/README.md).</summary>
public enum CorpusLayout
{
    /// <summary>Told from the folder's contents (<see cref="CorpusFolder.Detect"/>).</summary>
    Auto,
    /// <summary>Every file in one folder, as <c>vcmr synth</c> writes it.</summary>
    Synthetic,
    /// <summary>TVR's release: the reference's data/ folder with its tvr_feature_release/ (HDF5 features) inside.</summary>
    Tvr,
    /// <summary>CONQUER's release: its tvr_feature_release/ folder (data/, LMDB feature stores, HERO ranklists).</summary>
    Conquer,
}

/// <summary>
/// A corpus folder as the command line takes it: a synthetic corpus (every file in one folder, as <c>vcmr synth</c>
/// writes it), the real TVR release (the reference's data/ folder with its tvr_feature_release/ inside) or CONQUER's
/// release (its tvr_feature_release/ folder, or the folder holding it), see data/README.md.
/// </summary>
public static class CorpusFolder
{
    /// <summary>The corpus in <paramref name="dir"/> after checking that the video index, the three feature stores and
    /// the annotations of <paramref name="splits"/> are there; a missing folder or file (each one named) or an unfinished
    /// synthetic corpus is a <see cref="DataFormatException"/>.</summary>
    public static ITvrCorpus Open(string dir, params string[] splits) => Open(dir, CorpusLayout.Auto, splits);

    /// <inheritdoc cref="Open(string, string[])"/>
    /// <param name="layout">the folder's layout; <see cref="CorpusLayout.Auto"/> tells it from the contents.</param>
    public static ITvrCorpus Open(string dir, CorpusLayout layout, params string[] splits)
    {
        string full = Path.GetFullPath(dir);
        if (File.Exists(full)) throw new DataFormatException($"{full}: is a file, not a corpus folder");
        if (!Directory.Exists(full)) throw new DataFormatException($"{full}: no such corpus folder");
        if (layout == CorpusLayout.Auto) layout = Detect(full);
        ITvrCorpus corpus = layout switch
        {
            CorpusLayout.Tvr => new TvrRelease(full),
            CorpusLayout.Conquer => new ConquerRelease(ConquerRoot(full) ?? full),
            _ => new SynthCorpus(full),
        };
        var missing = Files(corpus, splits).Where(f => !File.Exists(f)).ToList();
        if (missing.Count > 0)
            throw new DataFormatException($"{full}: not a complete {Describe(layout)}, missing {string.Join(", ", missing)}");
        if (corpus is SynthCorpus synth && File.Exists(synth.Manifest) && File.ReadAllText(synth.Manifest).Contains("\"Unfinished\"", StringComparison.Ordinal))
            throw new DataFormatException($"{synth.Manifest}: the synthetic corpus was not finished (its writer stopped); run vcmr synth again");
        return corpus;
    }

    /// <summary>The layout of <paramref name="dir"/>: CONQUER's release when the folder (or a tvr_feature_release/ inside
    /// it) has one of the release's own entries, TVR's when it holds a tvr_feature_release/ of another kind, else
    /// synthetic.</summary>
    public static CorpusLayout Detect(string dir) =>
        ConquerRoot(dir) is not null ? CorpusLayout.Conquer
        : Directory.Exists(Path.Combine(dir, "tvr_feature_release")) ? CorpusLayout.Tvr
        : CorpusLayout.Synthetic;

    /// <summary>Every file of <paramref name="corpus"/> a run on <paramref name="splits"/> reads (what no output may
    /// replace); an LMDB store is its data.mdb.</summary>
    public static IEnumerable<string> Files(ITvrCorpus corpus, IEnumerable<string> splits) =>
        [.. splits.Distinct().Select(corpus.Annotations), corpus.VideoIndexPath,
            .. new[] { corpus.VideoFeatures, corpus.SubtitleFeatures, corpus.QueryFeatures }.Select(p => corpus is ConquerRelease ? ConquerRelease.StoreFile(p) : p)];

    private static string Describe(CorpusLayout layout) => layout switch
    {
        CorpusLayout.Tvr => "TVR release (data/README.md, \"Real TVR features\")",
        CorpusLayout.Conquer => "CONQUER release (data/README.md, \"CONQUER's feature release\")",
        _ => "synthetic corpus (vcmr synth)",
    };

    /// <summary>The CONQUER release root in or at <paramref name="dir"/> (null: none): a folder with the release's
    /// sub_query_feature/ or video_feature/resnet_slowfast_1.5/, or a data/ with one of its own files (HERO ranklists,
    /// the selected training queries). A bare data/ is not enough: TVRetrieval's checkout has one too.</summary>
    private static string? ConquerRoot(string dir)
    {
        static bool IsRoot(string d)
        {
            var release = new ConquerRelease(d);
            return Directory.Exists(Path.Combine(d, "sub_query_feature")) || Directory.Exists(release.VideoFeatures)
                || File.Exists(release.Annotations("train")) || new[] { "train", "val", "test_public" }.Any(s => Directory.Exists(release.Ranklist(s)));
        }
        string inner = Path.Combine(dir, "tvr_feature_release");
        return IsRoot(dir) ? dir : IsRoot(inner) ? inner : null;
    }
}

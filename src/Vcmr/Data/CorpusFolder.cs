namespace Vcmr.Data;

/// <summary>
/// A corpus folder as the command line takes it: a synthetic corpus (every file in one folder, as <c>vcmr synth</c>
/// writes it) or the real TVR release (the reference's data/ folder with its tvr_feature_release/ inside, see
/// data/README.md), told apart by the tvr_feature_release folder.
/// </summary>
public static class CorpusFolder
{
    /// <summary>The corpus in <paramref name="dir"/> after checking that the video index, the three feature files and
    /// the annotations of <paramref name="splits"/> are there; a missing folder or file (each one named) or an unfinished
    /// synthetic corpus is a <see cref="DataFormatException"/>.</summary>
    public static ITvrCorpus Open(string dir, params string[] splits)
    {
        string full = Path.GetFullPath(dir);
        if (File.Exists(full)) throw new DataFormatException($"{full}: is a file, not a corpus folder");
        if (!Directory.Exists(full)) throw new DataFormatException($"{full}: no such corpus folder");
        bool release = Directory.Exists(Path.Combine(full, "tvr_feature_release"));
        ITvrCorpus corpus = release ? new TvrRelease(full) : new SynthCorpus(full);
        var missing = Files(corpus, splits).Where(f => !File.Exists(f)).ToList();
        if (missing.Count > 0)
            throw new DataFormatException($"{full}: not a complete {(release ? "TVR release (data/README.md, \"Real TVR features\")" : "synthetic corpus (vcmr synth)")}, " +
                $"missing {string.Join(", ", missing)}");
        if (corpus is SynthCorpus synth && File.Exists(synth.Manifest) && File.ReadAllText(synth.Manifest).Contains("\"Unfinished\"", StringComparison.Ordinal))
            throw new DataFormatException($"{synth.Manifest}: the synthetic corpus was not finished (its writer stopped); run vcmr synth again");
        return corpus;
    }

    /// <summary>Every file of <paramref name="corpus"/> a run on <paramref name="splits"/> reads (what no output may replace).</summary>
    public static IEnumerable<string> Files(ITvrCorpus corpus, IEnumerable<string> splits) =>
        [.. splits.Distinct().Select(corpus.Annotations), corpus.VideoIndexPath, corpus.VideoFeatures, corpus.SubtitleFeatures, corpus.QueryFeatures];
}

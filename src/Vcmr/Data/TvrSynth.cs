using System.Globalization;
using System.Text.Json;
using Vcmr.Runtime;

namespace Vcmr.Data;

/// <summary>Parameters of a synthetic TVR-format corpus; the manifest stores them so a matching corpus is reused.</summary>
public sealed record SynthOptions(
    int TrainVideos = 40,
    int ValVideos = 10,
    int TestVideos = 10,
    int QueriesPerVideo = 5,
    int VideoDim = 3072,
    int TextDim = 768,
    float Noise = 0.5f,
    double SpeechProbability = 0.7,
    int Seed = 2018)
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming the first option out of its range (checked before anything is written).</summary>
    public void Validate()
    {
        foreach (var (name, count) in new[] { (nameof(TrainVideos), TrainVideos), (nameof(ValVideos), ValVideos), (nameof(TestVideos), TestVideos) })
            if (count < 0) throw new ArgumentException($"SynthOptions.{name} = {count}: must be 0 or more");
        if (TrainVideos + ValVideos + TestVideos == 0) throw new ArgumentException("SynthOptions: TrainVideos, ValVideos and TestVideos are all 0: a corpus needs a video");
        if (QueriesPerVideo < 1) throw new ArgumentException($"SynthOptions.QueriesPerVideo = {QueriesPerVideo}: must be at least 1");
        if (VideoDim < 1) throw new ArgumentException($"SynthOptions.VideoDim = {VideoDim}: must be at least 1");
        if (TextDim < 1) throw new ArgumentException($"SynthOptions.TextDim = {TextDim}: must be at least 1");
        if (!(Noise >= 0) || float.IsInfinity(Noise)) throw new ArgumentException($"SynthOptions.Noise = {Noise}: must be a finite number, 0 or more");
        if (!(SpeechProbability is >= 0 and <= 1)) throw new ArgumentException($"SynthOptions.SpeechProbability = {SpeechProbability}: must be a probability in [0, 1]");
    }
}

/// <summary>File layout of a synthetic corpus (the names of the real release's files, all in one folder).</summary>
public sealed record SynthCorpus(string Dir) : ITvrCorpus
{
    public string Annotations(string split) => Path.Combine(Dir, $"tvr_{split}_release.jsonl");
    public string VideoIndexPath => Path.Combine(Dir, "tvr_video2dur_idx.json");
    public string VideoFeatures => Path.Combine(Dir, "video_feature.h5");
    public string SubtitleFeatures => Path.Combine(Dir, "sub_feature.h5");
    public string QueryFeatures => Path.Combine(Dir, "query_feature.h5");
    public string Subtitles => Path.Combine(Dir, "tvqa_preprocessed_subtitles.jsonl");
    public string Manifest => Path.Combine(Dir, "manifest.json");
    /// <summary>Every file the generator writes besides the manifest.</summary>
    public IEnumerable<string> Files => [.. SynthPlan.Splits.Select(Annotations), VideoIndexPath, Subtitles, VideoFeatures, SubtitleFeatures, QueryFeatures];
    /// <summary>The synthetic video features are raw (not pre-normalised), so the reference's default normalisation applies.</summary>
    public FeatureOptions FeatureOptions => new();
}

/// <summary>
/// Synthetic TVR corpus with planted structure: a video is a sequence of events; each event shows two visual
/// concepts (in the video features) and has one speaker talking about one topic (in the subtitle text and the
/// subtitle features of clips with speech). A query names its moment's visual concepts (type v), its speaker and
/// topic (t) or all of them (vt), so models can learn it and modality ablations show. Concept pools are small, so
/// distractor events reuse concepts. Features are concept directions plus Gaussian noise; query tokens carry the text
/// direction of the concept they name. Durations, moment lengths, types and query lengths follow TVR val.
/// Memory stays bounded at any size: the plan (no features) is made first, then features stream video by video.
/// </summary>
public static class TvrSynth
{
    // Bump when the generated content changes for the same options, so cached corpora are regenerated.
    private const int FormatVersion = 4;

    /// <summary>
    /// Writes the corpus into <paramref name="dir"/>, or reuses it when its manifest has the same options. A folder
    /// that holds files of the corpus's names but no manifest was not written here (a real release, say) and is
    /// refused with an <see cref="IOException"/> naming them, before anything is written.
    /// </summary>
    public static SynthCorpus Generate(string dir, SynthOptions options)
    {
        options.Validate();
        OutputTarget.CheckFolder(dir);
        var corpus = new SynthCorpus(dir);
        string manifest = JsonSerializer.Serialize(new { FormatVersion, Options = options });
        if (File.Exists(corpus.Manifest) && File.ReadAllText(corpus.Manifest) == manifest) return corpus;
        var foreign = corpus.Files.Where(File.Exists).ToList();
        if (!File.Exists(corpus.Manifest) && foreign.Count > 0)
            throw new IOException($"{dir}: holds {string.Join(", ", foreign.Select(Path.GetFileName))} but no manifest.json of a synthetic corpus, "
                + "so the generator would overwrite files it did not write (a real release?); give an empty folder or delete them");
        Directory.CreateDirectory(dir);
        // Until the final manifest: an unfinished one marks the files below as the generator's, about to change.
        AtomicFile.WriteAllText(corpus.Manifest, JsonSerializer.Serialize(new { FormatVersion, Options = options, Unfinished = true }));

        var videos = SynthPlan.Create(options, Seeding.Rng(options.Seed, "tvr-synth"));
        foreach (string split in SynthPlan.Splits)
            TvrAnnotations.Write(corpus.Annotations(split), videos.Where(v => v.Split == split).SelectMany(v => v.Queries).Select(q => q.Annotation));
        VideoIndex.Create(SynthPlan.Splits.ToDictionary(s => s,
            s => (IReadOnlyDictionary<string, VideoEntry>)videos.Where(v => v.Split == s).ToDictionary(v => v.VidName, v => v.Entry))).Write(corpus.VideoIndexPath);
        TvrSubtitles.Write(corpus.Subtitles, videos.Select(v => (v.VidName, v.Subtitles)));
        WriteFeatures(corpus, options, videos);
        AtomicFile.WriteAllText(corpus.Manifest, manifest); // last: a corpus without this manifest is unfinished
        return corpus;
    }

    private static void WriteFeatures(SynthCorpus corpus, SynthOptions options, List<SynthVideo> videos)
    {
        int vDim = options.VideoDim, tDim = options.TextDim;
        var concepts = Seeding.Rng(options.Seed, "tvr-synth-concepts");
        float[][] visualVideo = SynthSampling.Directions(concepts, SynthText.Visual.Length, vDim);
        // Text directions: one per concept id (visual, speakers, topics), then the filler word direction.
        float[][] text = SynthSampling.Directions(concepts, SynthText.ConceptCount + 1, tDim);
        float[] filler = text[^1];
        var rng = Seeding.Rng(options.Seed, "tvr-synth-features");
        // Per-entry noise sd = noise/sqrt(width), so a row's noise norm is ~noise whatever the width is.
        float vNoise = options.Noise / MathF.Sqrt(vDim), tNoise = options.Noise / MathF.Sqrt(tDim);

        var queries = videos.SelectMany(v => v.Queries).ToList();
        using var video = FeatureFileWriter.Create(corpus.VideoFeatures, videos.Select(v => (v.VidName, v.Clips, vDim)));
        using var sub = FeatureFileWriter.Create(corpus.SubtitleFeatures, videos.Select(v => (v.VidName, v.Clips, tDim)),
            videos.Select(v => (v.VidName, v.Clips)));
        using var query = FeatureFileWriter.Create(corpus.QueryFeatures,
            queries.Select(q => (Key(q), q.Tokens.Length, tDim)));
        foreach (var v in videos)
        {
            var vf = new float[v.Clips * vDim];
            var sf = new float[v.Clips * tDim];
            foreach (var e in v.Events)
                for (int c = e.Start; c <= e.End; c++)
                {
                    var row = vf.AsSpan(c * vDim, vDim);
                    foreach (int k in e.Visual) Add(row, visualVideo[k]);
                    SynthSampling.AddGaussian(rng, row, vNoise);
                    if (v.SpeechMask[c] == 0) continue; // clips without speech stay zero, as in the release
                    var subRow = sf.AsSpan(c * tDim, tDim);
                    Add(subRow, text[SynthText.SpeakerId(e.Speaker)]);
                    Add(subRow, text[SynthText.TopicId(e.Topic)]);
                    SynthSampling.AddGaussian(rng, subRow, tNoise);
                }
            video.Write(v.VidName, new FeatureMatrix(vf, v.Clips, vDim));
            sub.Write(v.VidName, new FeatureMatrix(sf, v.Clips, tDim));
            sub.WriteMask(v.VidName, v.SpeechMask);
            foreach (var q in v.Queries)
            {
                var tokens = new float[q.Tokens.Length * tDim];
                for (int t = 0; t < q.Tokens.Length; t++)
                {
                    var row = tokens.AsSpan(t * tDim, tDim);
                    Add(row, q.Tokens[t] == SynthText.Filler ? filler : text[q.Tokens[t]]);
                    SynthSampling.AddGaussian(rng, row, tNoise);
                }
                query.Write(Key(q), new FeatureMatrix(tokens, q.Tokens.Length, tDim));
            }
        }
        video.Commit();
        sub.Commit();
        query.Commit();
    }

    private static string Key(SynthQuery q) => q.Annotation.DescId.ToString(CultureInfo.InvariantCulture);

    private static void Add(Span<float> target, float[] v)
    {
        for (int i = 0; i < target.Length; i++) target[i] += v[i];
    }
}

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
    int Seed = 2018);

/// <summary>File layout of a synthetic corpus (the names of the real release).</summary>
public sealed record SynthCorpus(string Dir)
{
    public string Annotations(string split) => Path.Combine(Dir, $"tvr_{split}_release.jsonl");
    public string VideoIndexPath => Path.Combine(Dir, "tvr_video2dur_idx.json");
    public string VideoFeatures => Path.Combine(Dir, "video_feature.h5");
    public string SubtitleFeatures => Path.Combine(Dir, "sub_feature.h5");
    public string QueryFeatures => Path.Combine(Dir, "query_feature.h5");
    public string Manifest => Path.Combine(Dir, "manifest.json");
}

/// <summary>
/// Synthetic TVR corpus with planted structure: a video is a sequence of events; each event shows two visual
/// concepts (in the video features) and talks about one dialogue concept (in the subtitle features of clips with
/// speech). A query names its moment's visual concepts (type v), its dialogue concept (t) or both (vt), so models
/// can learn it and modality ablations show. Concept pools are small, so distractor events reuse concepts.
/// Features are concept directions plus Gaussian noise; query tokens carry the text direction of the concept they name.
/// </summary>
public static class TvrSynth
{
    private static readonly string[] Visual =
    [
        "red cup", "blue door", "green couch", "yellow taxi", "white dog", "black hat", "guitar", "laptop",
        "pizza box", "kitchen sink", "wine glass", "phone", "window", "staircase", "hospital bed", "coffee table",
    ];

    private static readonly string[] Dialogue =
    [
        "the wedding", "a new job", "the rent", "her sister", "the surgery", "a birthday party", "the case", "a date",
    ];

    private static readonly string[] Splits = ["train", "val", "test_public"];

    /// <summary>Writes the corpus into <paramref name="dir"/>, or reuses it when its manifest has the same options.</summary>
    public static SynthCorpus Generate(string dir, SynthOptions options)
    {
        var corpus = new SynthCorpus(dir);
        string manifest = JsonSerializer.Serialize(options);
        if (File.Exists(corpus.Manifest) && File.ReadAllText(corpus.Manifest) == manifest) return corpus;
        Directory.CreateDirectory(dir);
        if (File.Exists(corpus.Manifest)) File.Delete(corpus.Manifest); // files below are about to change

        var rng = Seeding.Rng(options.Seed, "tvr-synth");
        float[][] visualVideo = Directions(rng, Visual.Length, options.VideoDim);
        float[][] visualText = Directions(rng, Visual.Length, options.TextDim);
        float[][] dialogueText = Directions(rng, Dialogue.Length, options.TextDim);
        float[] filler = Directions(rng, 1, options.TextDim)[0];

        var video = new Dictionary<string, FeatureMatrix>();
        var sub = new Dictionary<string, FeatureMatrix>();
        var masks = new Dictionary<string, float[]>();
        var queryFeatures = new Dictionary<string, FeatureMatrix>();
        var index = new Dictionary<string, IReadOnlyDictionary<string, VideoEntry>>();
        int videoIdx = 0, descId = 0;
        int[] counts = [options.TrainVideos, options.ValVideos, options.TestVideos];
        for (int s = 0; s < Splits.Length; s++)
        {
            var entries = new Dictionary<string, VideoEntry>();
            var queries = new List<TvrQuery>();
            for (int v = 0; v < counts[s]; v++)
            {
                string vid = $"synth_{Splits[s]}_clip_{v:D5}";
                double duration = Math.Round(Math.Clamp(Normal(rng, 75.7, 20), 6, 272), 2);
                int clips = (int)Math.Ceiling(duration / ClipLabels.ClipLength);
                var events = Events(rng, clips);
                var vf = new float[clips * options.VideoDim];
                var sf = new float[clips * options.TextDim];
                var mask = new float[clips];
                foreach (var e in events)
                    for (int c = e.Start; c <= e.End; c++)
                    {
                        foreach (int k in e.Visual) Add(vf.AsSpan(c * options.VideoDim, options.VideoDim), visualVideo[k]);
                        if (rng.NextDouble() < options.SpeechProbability)
                        {
                            mask[c] = 1;
                            Add(sf.AsSpan(c * options.TextDim, options.TextDim), dialogueText[e.Dialogue]);
                        }
                    }
                AddNoise(rng, vf, options.VideoDim, options.Noise, null);
                AddNoise(rng, sf, options.TextDim, options.Noise, mask);
                video[vid] = new FeatureMatrix(vf, clips, options.VideoDim);
                sub[vid] = new FeatureMatrix(sf, clips, options.TextDim);
                masks[vid] = mask;
                entries[vid] = new VideoEntry(duration, videoIdx++);

                for (int q = 0; q < options.QueriesPerVideo; q++)
                {
                    var e = events[rng.Next(events.Count)];
                    double u = rng.NextDouble();
                    var type = u < 0.743 ? QueryType.V : u < 0.743 + 0.168 ? QueryType.VT : QueryType.T;
                    var (words, vectors) = QueryText(e, type, visualText, dialogueText, filler);
                    var tokens = new float[vectors.Count * options.TextDim];
                    for (int t = 0; t < vectors.Count; t++) Add(tokens.AsSpan(t * options.TextDim, options.TextDim), vectors[t]);
                    AddNoise(rng, tokens, options.TextDim, options.Noise, null);
                    queryFeatures[descId.ToString(System.Globalization.CultureInfo.InvariantCulture)] =
                        new FeatureMatrix(tokens, vectors.Count, options.TextDim);
                    double st = e.Start * ClipLabels.ClipLength, ed = Math.Min((e.End + 1) * ClipLabels.ClipLength, duration);
                    queries.Add(s == 2
                        ? new TvrQuery(descId++, words)
                        : new TvrQuery(descId++, words, vid, duration, Math.Round(st, 2), Math.Round(ed, 2), type));
                }
            }
            index[Splits[s]] = entries;
            TvrAnnotations.Write(corpus.Annotations(Splits[s]), queries);
        }
        VideoIndex.Create(index).Write(corpus.VideoIndexPath);
        FeatureStoreWriter.Write(corpus.VideoFeatures, video);
        FeatureStoreWriter.Write(corpus.SubtitleFeatures, sub, masks);
        FeatureStoreWriter.Write(corpus.QueryFeatures, queryFeatures);
        AtomicFile.WriteAllText(corpus.Manifest, manifest); // last: a corpus without a manifest is incomplete
        return corpus;
    }

    private sealed record Event(int Start, int End, int[] Visual, int Dialogue);

    // Events of geometric length (mean ~6 clips = 9 s, like TVR moments) tiling the video.
    private static List<Event> Events(Random rng, int clips)
    {
        var events = new List<Event>();
        for (int start = 0; start < clips;)
        {
            int length = 1;
            while (length < 40 && rng.NextDouble() > 1 / 6.0) length++;
            int end = Math.Min(start + length, clips) - 1;
            int a = rng.Next(Visual.Length), b = (a + 1 + rng.Next(Visual.Length - 1)) % Visual.Length;
            events.Add(new Event(start, end, [a, b], rng.Next(Dialogue.Length)));
            start = end + 1;
        }
        return events;
    }

    private static (string Text, List<float[]> Tokens) QueryText(Event e, QueryType type, float[][] visual, float[][] dialogue, float[] filler)
    {
        var words = new List<string>();
        var tokens = new List<float[]>();
        void Say(string text, float[] vector)
        {
            foreach (string w in text.Split(' ')) { words.Add(w); tokens.Add(vector); }
        }
        if (type != QueryType.T)
        {
            Say("someone is near the", filler);
            Say(Visual[e.Visual[0]], visual[e.Visual[0]]);
            Say("and the", filler);
            Say(Visual[e.Visual[1]], visual[e.Visual[1]]);
        }
        if (type != QueryType.V)
        {
            Say(type == QueryType.T ? "someone talks about" : "while talking about", filler);
            Say(Dialogue[e.Dialogue], dialogue[e.Dialogue]);
        }
        return (string.Join(' ', words) + ".", tokens);
    }

    private static float[][] Directions(Random rng, int n, int dim) =>
        Enumerable.Range(0, n).Select(_ =>
        {
            var v = new float[dim];
            for (int i = 0; i < dim; i++) v[i] = (float)Normal(rng, 0, 1);
            return new FeatureMatrix(v, 1, dim).L2NormalizeRows().Data;
        }).ToArray();

    private static void Add(Span<float> target, float[] v)
    {
        for (int i = 0; i < target.Length; i++) target[i] += v[i];
    }

    // Per-entry noise sd = noise/sqrt(width), so a row's noise norm is ~noise whatever D is; masked-out rows stay zero.
    private static void AddNoise(Random rng, float[] data, int width, float noise, float[]? rowMask)
    {
        float scale = noise / MathF.Sqrt(width);
        for (int i = 0; i < data.Length; i++)
            if (rowMask == null || rowMask[i / width] == 1) data[i] += scale * (float)Normal(rng, 0, 1);
    }

    private static double Normal(Random rng, double mean, double sd) =>
        mean + sd * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}

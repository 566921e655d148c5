namespace Vcmr.Data;

/// <summary>An event: clips [Start, End] showing two visual concepts, where one speaker talks about one topic; its
/// moment [MomentStart, MomentEnd] (s) lies on exactly those clips.</summary>
internal sealed record SynthEvent(int Start, int End, int[] Visual, int Speaker, int Topic, double MomentStart, double MomentEnd);

/// <summary>A query: its annotation and the concept tag of each token (see <see cref="SynthText"/>).</summary>
internal sealed record SynthQuery(TvrQuery Annotation, int[] Tokens);

internal sealed record SynthVideo(string Split, string VidName, VideoEntry Entry, int Clips, IReadOnlyList<SynthEvent> Events,
    float[] SpeechMask, IReadOnlyList<SubtitleLine> Subtitles, IReadOnlyList<SynthQuery> Queries);

/// <summary>
/// Everything about a synthetic corpus except its feature values: durations, events, speech, subtitle lines and
/// queries. It is small (no features), so the generator can declare every HDF5 dataset before streaming the values.
/// </summary>
internal static class SynthPlan
{
    public static readonly string[] Splits = ["train", "val", "test_public"];

    public static List<SynthVideo> Create(SynthOptions options, Random rng)
    {
        var videos = new List<SynthVideo>();
        int[] counts = [options.TrainVideos, options.ValVideos, options.TestVideos];
        int videoIdx = 0, descId = 0;
        for (int s = 0; s < Splits.Length; s++)
            for (int v = 0; v < counts[s]; v++)
            {
                string vid = $"synth_{Splits[s]}_clip_{v:D5}";
                double duration = SynthSampling.Duration(rng);
                int clips = (int)Math.Ceiling(duration / ClipLabels.ClipLength);
                var events = Events(rng, clips, duration, Cast(rng));
                var speech = new float[clips];
                for (int c = 0; c < clips; c++) speech[c] = rng.NextDouble() < options.SpeechProbability ? 1 : 0;
                var spoken = events.Where(e => speech.AsSpan(e.Start, e.End - e.Start + 1).Contains(1f)).ToList();
                var heard = spoken.Select(e => e.Speaker).Distinct().ToList();
                var queries = new List<SynthQuery>();
                for (int q = 0; q < options.QueriesPerVideo; q++)
                    queries.Add(Query(rng, descId++, vid, duration, events, spoken, heard, withGroundTruth: s != 2));
                videos.Add(new SynthVideo(Splits[s], vid, new VideoEntry(duration, videoIdx++), clips, events, speech,
                    Subtitles(rng, events, speech, duration), queries));
            }
        return videos;
    }

    /// <summary>Characters who speak in one video (a scene of a show has a few).</summary>
    public const int CastSize = 3;

    private static int[] Cast(Random rng)
    {
        var speakers = Enumerable.Range(0, SynthText.Speakers.Length).ToArray();
        rng.Shuffle(speakers);
        return speakers[..CastSize];
    }

    // Events tile the video; each has a log-normal moment length (TVR's), covers the clips that moment touches, and
    // draws its concepts from small pools, so other events of the corpus reuse them as distractors; its speaker is
    // one of the video's cast.
    private static List<SynthEvent> Events(Random rng, int clips, double duration, int[] cast)
    {
        var events = new List<SynthEvent>();
        for (int start = 0; start < clips;)
        {
            double startSeconds = start * ClipLabels.ClipLength;
            double length = SynthSampling.MomentLength(rng);
            int n = Math.Min((int)Math.Ceiling(length / ClipLabels.ClipLength), clips - start);
            double available = Math.Min(n * ClipLabels.ClipLength, duration - startSeconds);
            length = Math.Min(length, available);
            // Slack < 1.5 s, so the moment starts in clip `start` and ends in clip start + n - 1.
            double st = Math.Round(startSeconds + rng.NextDouble() * (available - length), 2);
            double ed = Math.Round(Math.Min(st + length, startSeconds + available), 2);
            st = Math.Clamp(st, startSeconds, startSeconds + ClipLabels.ClipLength - 0.01);
            double edMax = startSeconds + available;
            ed = Math.Clamp(ed, Math.Min(Math.Max(st, (start + n - 1) * ClipLabels.ClipLength + 0.01), edMax), edMax);
            int a = rng.Next(SynthText.Visual.Length), b = (a + 1 + rng.Next(SynthText.Visual.Length - 1)) % SynthText.Visual.Length;
            events.Add(new SynthEvent(start, start + n - 1, [a, b], cast[rng.Next(cast.Length)], rng.Next(SynthText.Topics.Length), st, ed));
            start += n;
        }
        return events;
    }

    // The type follows TVR val's mix; t and vt queries are about an event with speech (else their text would not be in
    // the subtitles), falling back to v when the video has none. A v query names a character heard in the video.
    // spoken: the events with speech; heard: their speakers.
    private static SynthQuery Query(Random rng, int descId, string vid, double duration, List<SynthEvent> events,
        List<SynthEvent> spoken, List<int> heard, bool withGroundTruth)
    {
        double u = rng.NextDouble();
        var type = u < 0.743 ? QueryType.V : u < 0.743 + 0.168 ? QueryType.VT : QueryType.T;
        var candidates = type == QueryType.V ? events : spoken;
        if (candidates.Count == 0) (type, candidates) = (QueryType.V, events);
        var e = candidates[rng.Next(candidates.Count)];
        int? subject = heard.Count > 0 ? heard[rng.Next(heard.Count)] : null;
        var (text, tokens) = SynthText.Query(rng, type, e.Visual, subject, e.Speaker, e.Topic);
        var annotation = withGroundTruth
            ? new TvrQuery(descId, text, vid, duration, e.MomentStart, e.MomentEnd, type)
            : new TvrQuery(descId, text);
        return new SynthQuery(annotation, tokens);
    }

    // Runs of speech clips inside an event become sentences of at most two clips, the event's speaker on its topic;
    // their times are chosen so the reference's range(floor(start/1.5), ceil(end/1.5)) gives back exactly those clips.
    private static List<SubtitleLine> Subtitles(Random rng, List<SynthEvent> events, float[] speech, double duration)
    {
        var lines = new List<SubtitleLine>();
        foreach (var e in events)
            for (int c = e.Start; c <= e.End;)
            {
                if (speech[c] == 0) { c++; continue; }
                int last = c + 1 <= e.End && speech[c + 1] == 1 && rng.NextDouble() < 0.5 ? c + 1 : c;
                double first = c * ClipLabels.ClipLength, firstEnd = Math.Min(first + ClipLabels.ClipLength, duration);
                double lastStart = last * ClipLabels.ClipLength, lastEnd = Math.Min(lastStart + ClipLabels.ClipLength, duration);
                double start = Math.Round(first + 0.25 * (firstEnd - first) * rng.NextDouble(), 3);
                double end = Math.Round(lastStart + (lastEnd - lastStart) * (0.6 + 0.4 * rng.NextDouble()), 3);
                lines.Add(new SubtitleLine(SynthText.SubtitleLine(rng, e.Speaker, e.Topic), start, Math.Max(end, lastStart + 0.001)));
                c = last + 1;
            }
        return lines;
    }
}

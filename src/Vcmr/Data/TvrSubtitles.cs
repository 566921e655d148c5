using System.Text.Json;
using static Vcmr.Data.JsonFields;

namespace Vcmr.Data;

/// <summary>One subtitle sentence: cleaned text (e.g. " Chase : That's all this is?") and its time span in seconds.</summary>
public sealed record SubtitleLine(string Text, double Start, double End)
{
    /// <summary>The clips the reference pools this sentence into: range(floor(start/1.5), ceil(end/1.5)).</summary>
    public (int First, int EndExclusive) Clips =>
        ((int)Math.Floor(Start / ClipLabels.ClipLength), (int)Math.Ceiling(End / ClipLabels.ClipLength));
}

/// <summary>
/// tvqa_preprocessed_subtitles.jsonl: one line per video, <c>{"vid_name": str, "sub": [{"text", "start", "end"}, ...]}</c>
/// in .srt order. Strict: malformed lines, missing keys, <c>end &lt; start</c>, negative times and duplicate videos
/// are errors naming the file and line.
/// </summary>
public static class TvrSubtitles
{
    public static IReadOnlyDictionary<string, IReadOnlyList<SubtitleLine>> Read(string path)
    {
        var videos = new Dictionary<string, IReadOnlyList<SubtitleLine>>();
        var lineOf = new Dictionary<string, int>();
        foreach (var (line, lineNumber, where) in Lines(path, "subtitle"))
        {
            var (vid, lines) = Parse(line, where);
            if (lineOf.TryGetValue(vid, out int first))
                throw new DataFormatException($"{where}: vid_name '{vid}' is a duplicate of line {first}");
            lineOf[vid] = lineNumber;
            videos[vid] = lines;
        }
        return videos;
    }

    private static (string VidName, List<SubtitleLine> Lines) Parse(string line, string where)
    {
        return ReadObject(line, where, o =>
        {
            string vidName = GetString(o, "vid_name", where);
            var sub = Get(o, "sub", where);
            if (sub.ValueKind != JsonValueKind.Array) throw Invalid("sub", sub, where, "an array of {text, start, end}");
            var lines = new List<SubtitleLine>();
            int i = 0;
            foreach (var s in sub.EnumerateArray())
            {
                string at = $"{where}: {vidName} sub[{i++}]";
                if (s.ValueKind != JsonValueKind.Object) throw new DataFormatException($"{at}: expected an object {{text, start, end}}, got {Shown(s)}");
                string text = GetString(s, "text", at);
                double st = GetNumber(s, "start", at), ed = GetNumber(s, "end", at);
                if (st < 0 || ed < st) throw new DataFormatException($"{at}: span [{st}, {ed}] is negative or ends before it starts");
                lines.Add(new SubtitleLine(text, st, ed));
            }
            return (vidName, lines);
        });
    }

    /// <summary>The reference's subtitle clip mask: 1 where some sentence covers the clip, over <paramref name="clips"/> clips.</summary>
    public static float[] ClipMask(IEnumerable<SubtitleLine> lines, int clips)
    {
        var mask = new float[clips];
        foreach (var line in lines)
        {
            var (first, end) = line.Clips;
            for (int c = Math.Max(first, 0); c < Math.Min(end, clips); c++) mask[c] = 1;
        }
        return mask;
    }

    /// <summary>Writes the release layout (vid_name, then sub), one video per line, atomically.</summary>
    public static void Write(string path, IEnumerable<(string VidName, IReadOnlyList<SubtitleLine> Lines)> videos)
    {
        AtomicFile.WriteStream(path, stream =>
        {
            var newline = new byte[] { (byte)'\n' };
            foreach (var (vid, lines) in videos)
            {
                using (var json = new Utf8JsonWriter(stream))
                {
                    json.WriteStartObject();
                    json.WriteString("vid_name", vid);
                    json.WriteStartArray("sub");
                    foreach (var line in lines)
                    {
                        json.WriteStartObject();
                        json.WriteString("text", line.Text);
                        json.WriteNumber("start", line.Start);
                        json.WriteNumber("end", line.End);
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                stream.Write(newline);
            }
        });
    }
}

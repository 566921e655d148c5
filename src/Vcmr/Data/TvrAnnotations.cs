using System.Text.Json;
using static Vcmr.Data.JsonFields;

namespace Vcmr.Data;

/// <summary>
/// Reads and writes TVR annotation jsonl files (tvr_{train,val,test_public}_release.jsonl). Strict: a malformed
/// line, a missing field, a moment outside [0, duration], <c>ed &lt; st</c>, a duplicate desc_id or (when a video
/// list is given) an unknown video is an error naming the file and line.
/// </summary>
public static class TvrAnnotations
{
    /// <param name="videos">The split's videos (from tvr_video2dur_idx.json); null skips the unknown-video check.</param>
    public static IReadOnlyList<TvrQuery> Read(string path, IReadOnlyDictionary<string, VideoEntry>? videos = null)
    {
        var queries = new List<TvrQuery>();
        var lineOf = new Dictionary<int, int>();
        foreach (var (line, lineNumber, where) in Lines(path, "annotation"))
        {
            TvrQuery q = Parse(line, where);
            if (lineOf.TryGetValue(q.DescId, out int first))
                throw new DataFormatException($"{where}: desc_id {q.DescId} is a duplicate of line {first}");
            lineOf[q.DescId] = lineNumber;
            if (videos != null && q.VidName != null && !videos.ContainsKey(q.VidName))
                throw new DataFormatException($"{where}: vid_name '{q.VidName}' is not in the split's video index");
            queries.Add(q);
        }
        return queries;
    }

    /// <summary>Parses one line; <paramref name="where"/> ("file:line") prefixes every error. desc_id may be written
    /// as an integral float (5.0), which the official eval.py also matches to 5.</summary>
    public static TvrQuery Parse(string line, string where)
    {
        return ReadObject(line, where, o =>
        {
            int descId = GetInt(o, "desc_id", where);
            string desc = GetString(o, "desc", where);
            if (!o.TryGetProperty("vid_name", out _))
                return new TvrQuery(descId, desc); // test_public: no ground truth
            string vidName = GetString(o, "vid_name", where);
            double duration = GetNumber(o, "duration", where);
            var ts = Get(o, "ts", where); // values may be ints in the release
            if (ts.ValueKind != JsonValueKind.Array || ts.GetArrayLength() != 2
                || !TryNumber(ts[0], out double st) || !TryNumber(ts[1], out double ed))
                throw Invalid("ts", ts, where, "[start, end] in seconds (two numbers)");
            var typeElement = Get(o, "type", where);
            QueryType type = (typeElement.ValueKind == JsonValueKind.String ? typeElement.GetString() : null) switch
            {
                "v" => QueryType.V, "t" => QueryType.T, "vt" => QueryType.VT,
                _ => throw Invalid("type", typeElement, where, "one of \"v\", \"t\", \"vt\""),
            };
            if (ed < st) throw new DataFormatException($"{where}: desc_id {descId}: ts [{st}, {ed}] ends before it starts");
            if (!(duration > 0)) throw new DataFormatException($"{where}: desc_id {descId}: duration {duration} is not positive");
            if (st < 0 || ed > duration)
                throw new DataFormatException($"{where}: desc_id {descId}: ts [{st}, {ed}] is outside the video [0, {duration}]");
            return new TvrQuery(descId, desc, vidName, duration, st, ed, type);
        });
    }

    /// <summary>Writes queries in the release layout (field order as the release), atomically.</summary>
    public static void Write(string path, IEnumerable<TvrQuery> queries)
    {
        AtomicFile.WriteStream(path, stream =>
        {
            var newline = new byte[] { (byte)'\n' };
            foreach (var q in queries)
            {
                using (var json = new Utf8JsonWriter(stream))
                {
                    json.WriteStartObject();
                    if (q.HasGroundTruth)
                    {
                        json.WriteString("vid_name", q.VidName);
                        json.WriteNumber("duration", q.Duration!.Value);
                        json.WriteStartArray("ts");
                        json.WriteNumberValue(q.Start!.Value);
                        json.WriteNumberValue(q.End!.Value);
                        json.WriteEndArray();
                    }
                    json.WriteString("desc", q.Desc);
                    if (q.Type is { } type) json.WriteString("type", TypeName(type));
                    json.WriteNumber("desc_id", q.DescId);
                    json.WriteEndObject();
                }
                stream.Write(newline);
            }
        });
    }

    /// <summary>The release's spelling of a query type: v, t or vt.</summary>
    public static string TypeName(QueryType type) => type switch
    {
        QueryType.V => "v", QueryType.T => "t", _ => "vt",
    };
}

using System.Text.Json;
using Vcmr.Data;

namespace Vcmr.Inference;

/// <summary>
/// Reads and writes the TVR submission JSON (<c>{"video2idx", "VCMR", "SVMR", "VR"}</c>, rows
/// <c>[video_idx, st, ed, score]</c>). Bad rows are collected per task and reported together: the first few desc_ids
/// and the count, so one bad model output does not need one run per error.
/// <para>
/// What the official eval.py scores is read where its meaning is unambiguous: integral floats for video indices and
/// desc_ids (20092.0, what numpy's tolist() writes); Python's NaN, Infinity and -Infinity literals for the score,
/// which eval.py ignores, as it ignores any values after [video_idx, st, ed] (a row of three values gets a NaN
/// score). A UTF-8 byte-order mark is skipped too (eval.py's json.load rejects one, for no reason a user can see). Where the suite stays stricter, the message says what eval.py would have
/// done instead (a fractional or string video index, a non-finite or reversed span: eval.py silently counts the
/// prediction as a miss).
/// </para>
/// </summary>
public static partial class SubmissionJson
{
    public static readonly string[] TaskKeys = ["VCMR", "SVMR", "VR"];
    private const int ShownIds = 5;

    /// <summary>
    /// Streams the file: one query object is parsed at a time from a refilled buffer (see <see cref="JsonFeed"/>),
    /// so memory holds the predictions, not a DOM of the whole 100 MB file. Keys may come in any order; other
    /// top-level keys are skipped.
    /// </summary>
    public static Submission Read(string path)
    {
        DataFormatException.RequireFile(path, "submission");
        if (new FileInfo(path).Length == 0) throw new DataFormatException($"{path}: the file is empty (expected a submission {{\"video2idx\", \"VCMR\", \"SVMR\", \"VR\"}})");
        using var stream = new PythonLiteralStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan));
        try
        {
            return Read(new JsonFeed(stream), path);
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{path}: not valid JSON ({e.Message})", e);
        }
    }

    private static Submission Read(JsonFeed feed, string path)
    {
        var reader = feed.Start();
        if (!feed.Read(ref reader) || reader.TokenType != JsonTokenType.StartObject) throw new DataFormatException($"{path}: expected a JSON object");
        Dictionary<string, int>? video2Idx = null;
        var tasks = new List<QueryPredictions>?[TaskKeys.Length];
        // a file that ends inside the object makes the reader throw, so the loop stops only at the closing brace
        while (feed.Read(ref reader) && reader.TokenType != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            int task = Array.IndexOf(TaskKeys, key);
            if (task >= 0)
            {
                tasks[task] = ReadTask(feed, ref reader, $"{path}: key {key}");
                continue;
            }
            using var value = feed.ReadValue(ref reader);
            if (key == "video2idx") video2Idx = ReadVideo2Idx(value.RootElement, path);
        }
        if (feed.Read(ref reader)) throw new DataFormatException($"{path}: not valid JSON (content after the closing brace)");
        if (video2Idx == null) throw new DataFormatException($"{path}: key video2idx: missing");
        if (tasks.All(t => t == null))
            throw new DataFormatException($"{path}: none of the keys VCMR, SVMR, VR is present (eval.py would write an empty result)");
        return new Submission(video2Idx, tasks[0], tasks[1], tasks[2]);
    }

    private static Dictionary<string, int> ReadVideo2Idx(JsonElement v2i, string path)
    {
        if (v2i.ValueKind != JsonValueKind.Object)
            throw new DataFormatException($"{path}: key video2idx: expected an object {{vid_name: video_idx}}, got {JsonFields.Shown(v2i)}");
        var video2Idx = new Dictionary<string, int>();
        foreach (var p in v2i.EnumerateObject())
            video2Idx[p.Name] = JsonFields.TryInt(p.Value, out int idx) ? idx
                : throw new DataFormatException($"{path}: key video2idx/{p.Name}: expected an integer video index, got {JsonFields.Shown(p.Value)}"
                    + " (eval.py would compare it with the predicted indices as a number and count no prediction on this video as correct)");
        return video2Idx;
    }

    /// <summary>
    /// Reads the task's array one query object at a time, straight from the tokens. A query cut by the end of the
    /// buffer is re-read from its first byte after a refill, so each query is parsed once in the common case.
    /// </summary>
    private static List<QueryPredictions> ReadTask(JsonFeed feed, ref Utf8JsonReader reader, string where)
    {
        if (!feed.Read(ref reader)) throw new DataFormatException($"{where}: the file ends before the value");
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new DataFormatException($"{where}: expected an array of queries [{{desc_id, desc, predictions}}, ...], got {TokenKind(reader.TokenType)}");
        var result = new List<QueryPredictions>();
        var bad = new List<string>();
        var rows = new List<Prediction>(TvrMaxRows);
        while (true)
        {
            var state = reader.CurrentState;
            long consumed = reader.BytesConsumed;
            var outcome = QueryReader.TryRead(ref reader, feed, result.Count + bad.Count + 1, rows, out var query, out string? error);
            if (outcome == QueryReader.Outcome.EndOfArray) break;
            if (outcome == QueryReader.Outcome.NeedMoreData)
            {
                reader = feed.Refill(consumed, state);
                continue;
            }
            if (query != null) result.Add(query);
            else bad.Add(error!);
        }
        if (bad.Count > 0) throw new DataFormatException($"{where}: {bad.Count} malformed queries, first: {string.Join(", ", bad.Take(ShownIds))}");
        return result;
    }

    private static string TokenKind(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => "null",
    };

    /// <summary>The official evaluation reads 100 rows per query; most files have exactly that many.</summary>
    private const int TvrMaxRows = 100;

    /// <summary>
    /// Checks a task's queries against the ground-truth desc_ids (the official evaluation requires equal sets):
    /// missing, unknown, duplicate ids and empty prediction lists are reported together.
    /// </summary>
    public static void Validate(IReadOnlyList<QueryPredictions> task, IReadOnlyCollection<int> gtDescIds, string where)
    {
        var gt = gtDescIds as IReadOnlySet<int> ?? gtDescIds.ToHashSet();
        var seen = new HashSet<int>();
        var unknown = new List<int>(); var duplicate = new List<int>(); var empty = new List<int>();
        foreach (var q in task)
        {
            if (!seen.Add(q.DescId)) duplicate.Add(q.DescId);
            if (!gt.Contains(q.DescId)) unknown.Add(q.DescId);
            if (q.Predictions.Count == 0) empty.Add(q.DescId);
        }
        var missing = gtDescIds.Where(id => !seen.Contains(id)).ToList();
        var problems = new List<string>();
        void Add(string what, List<int> ids)
        {
            if (ids.Count > 0) problems.Add($"{ids.Count} {what} desc_ids (first: {string.Join(", ", ids.Take(ShownIds))})");
        }
        Add("missing", missing);
        Add("unknown", unknown);
        Add("duplicate", duplicate);
        Add("empty-prediction", empty);
        if (problems.Count == 0) return;
        var evalPy = new List<string>();
        if (missing.Count > 0 || unknown.Count > 0) evalPy.Add("stops: desc_ids in predictions and ground_truth must match");
        if (duplicate.Count > 0) evalPy.Add("silently keeps the last of duplicate desc_ids");
        if (empty.Count > 0) evalPy.Add("fails on an empty prediction list");
        throw new DataFormatException($"{where}: {string.Join("; ", problems)} (eval.py {string.Join("; ", evalPy)})");
    }

    /// <summary>Writes the submission atomically; absent tasks are omitted (test_public has no SVMR).</summary>
    public static void Write(string path, Submission submission) => AtomicFile.WriteStream(path, stream =>
    {
        using var w = new Utf8JsonWriter(stream);
        w.WriteStartObject();
        w.WriteStartObject("video2idx");
        foreach (var (name, idx) in submission.Video2Idx) w.WriteNumber(name, idx);
        w.WriteEndObject();
        IReadOnlyList<QueryPredictions>?[] tasks = [submission.Vcmr, submission.Svmr, submission.Vr];
        for (int t = 0; t < TaskKeys.Length; t++)
        {
            if (tasks[t] is not { } task) continue;
            w.WriteStartArray(TaskKeys[t]);
            foreach (var q in task)
            {
                w.WriteStartObject();
                w.WriteNumber("desc_id", q.DescId);
                w.WriteString("desc", q.Desc);
                w.WriteStartArray("predictions");
                foreach (var p in q.Predictions)
                {
                    w.WriteStartArray();
                    w.WriteNumberValue(p.VideoIdx);
                    WriteNumber(w, p.Start);
                    WriteNumber(w, p.End);
                    WriteNumber(w, p.Score);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    });

    // NaN and infinities as Python's json.dump writes them (JSON has no such numbers); Read takes them back.
    private static void WriteNumber(Utf8JsonWriter w, double x)
    {
        if (double.IsFinite(x)) w.WriteNumberValue(x);
        else w.WriteRawValue(Evaluation.PythonFormat.Repr(x), skipInputValidation: true);
    }
}

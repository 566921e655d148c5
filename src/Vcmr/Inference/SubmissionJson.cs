using System.Text.Json;
using Vcmr.Data;

namespace Vcmr.Inference;

/// <summary>
/// Reads and writes the TVR submission JSON (<c>{"video2idx", "VCMR", "SVMR", "VR"}</c>, rows
/// <c>[video_idx, st, ed, score]</c>). Bad rows are collected per task and reported together: the first few desc_ids
/// and the count, so one bad model output does not need one run per error.
/// </summary>
public static class SubmissionJson
{
    public static readonly string[] TaskKeys = ["VCMR", "SVMR", "VR"];
    private const int ShownIds = 5;

    public static Submission Read(string path)
    {
        JsonDocument doc;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            doc = JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{path}: not valid JSON ({e.Message})", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new DataFormatException($"{path}: expected a JSON object");
            if (!root.TryGetProperty("video2idx", out var v2i) || v2i.ValueKind != JsonValueKind.Object)
                throw new DataFormatException($"{path}: key video2idx: missing or not an object");
            var video2Idx = new Dictionary<string, int>();
            foreach (var p in v2i.EnumerateObject())
                video2Idx[p.Name] = p.Value.TryGetInt32(out int idx) ? idx
                    : throw new DataFormatException($"{path}: key video2idx/{p.Name}: {p.Value.GetRawText()} is not an integer");
            var tasks = TaskKeys.Select(k => root.TryGetProperty(k, out var t) ? ReadTask(t, $"{path}: key {k}") : null).ToArray();
            if (tasks.All(t => t == null)) throw new DataFormatException($"{path}: none of the keys VCMR, SVMR, VR is present");
            return new Submission(video2Idx, tasks[0], tasks[1], tasks[2]);
        }
    }

    private static List<QueryPredictions> ReadTask(JsonElement task, string where)
    {
        if (task.ValueKind != JsonValueKind.Array) throw new DataFormatException($"{where}: expected an array of queries");
        var result = new List<QueryPredictions>(task.GetArrayLength());
        var bad = new List<string>();
        int position = 0;
        foreach (var q in task.EnumerateArray())
        {
            position++;
            if (q.ValueKind != JsonValueKind.Object || !q.TryGetProperty("desc_id", out var idEl) || !idEl.TryGetInt32(out int descId))
            {
                bad.Add($"entry {position} (no integer desc_id)");
                continue;
            }
            string desc = q.TryGetProperty("desc", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
            if (!q.TryGetProperty("predictions", out var rows) || rows.ValueKind != JsonValueKind.Array)
            {
                bad.Add($"desc_id {descId} (no predictions array)");
                continue;
            }
            var preds = new List<Prediction>(rows.GetArrayLength());
            string? error = null;
            int r = 0;
            foreach (var row in rows.EnumerateArray())
            {
                if (!TryRow(row, out var p)) { error = $"desc_id {descId} (row {r}: {row.GetRawText()})"; break; }
                preds.Add(p);
                r++;
            }
            if (error != null) bad.Add(error);
            else result.Add(new QueryPredictions(descId, desc, preds));
        }
        if (bad.Count > 0) throw new DataFormatException($"{where}: {bad.Count} malformed queries, first: {string.Join(", ", bad.Take(ShownIds))}");
        return result;
    }

    // Rows may carry ints for times (e.g. 0 in VR rows); "NaN" strings and non-finite values are rejected.
    private static bool TryRow(JsonElement row, out Prediction p)
    {
        p = default;
        if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != 4) return false;
        foreach (var x in row.EnumerateArray()) if (x.ValueKind != JsonValueKind.Number) return false;
        if (!row[0].TryGetInt32(out int video)) return false;
        double st = row[1].GetDouble(), ed = row[2].GetDouble(), score = row[3].GetDouble();
        if (!double.IsFinite(st) || !double.IsFinite(ed) || !double.IsFinite(score) || ed < st) return false;
        p = new Prediction(video, st, ed, score);
        return true;
    }

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
        if (problems.Count > 0) throw new DataFormatException($"{where}: {string.Join("; ", problems)}");
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
                    w.WriteNumberValue(p.Start);
                    w.WriteNumberValue(p.End);
                    w.WriteNumberValue(p.Score);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    });
}

using System.Text.Json;
using Vcmr.Data;

namespace Vcmr.Inference;

public static partial class SubmissionJson
{
    /// <summary>
    /// One <c>{"desc_id", "desc", "predictions"}</c> object parsed from reader tokens, keys in any order (the last of
    /// a repeated key wins, as in a DOM). Problems are reported in this priority: no integer desc_id, then no
    /// predictions array, then the first bad row with its raw JSON text and what is wrong with it.
    /// </summary>
    private static class QueryReader
    {
        public enum Outcome { Parsed, EndOfArray, NeedMoreData }

        public static Outcome TryRead(ref Utf8JsonReader reader, JsonFeed feed, int position, List<Prediction> rows,
            out QueryPredictions? query, out string? error)
        {
            (query, error) = (null, null);
            if (!reader.Read()) return More(feed);
            if (reader.TokenType == JsonTokenType.EndArray) return Outcome.EndOfArray;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                if (!reader.TrySkip()) return More(feed);
                error = $"entry {position} (not an object {{desc_id, desc, predictions}})";
                return Outcome.Parsed;
            }
            int? descId = null;
            string? badDescId = null;
            string desc = "";
            bool hasRows = false;
            (int Row, string Raw, string Reason)? badRow = null;
            while (true)
            {
                if (!reader.Read()) return More(feed);
                if (reader.TokenType == JsonTokenType.EndObject) break;
                string? key = reader.ValueTextEquals("desc_id"u8) ? "desc_id" : reader.ValueTextEquals("desc"u8) ? "desc"
                    : reader.ValueTextEquals("predictions"u8) ? "predictions" : null;
                if (!reader.Read()) return More(feed);
                switch (key)
                {
                    case "desc_id":
                        long start = reader.TokenStartIndex;
                        (descId, badDescId) = (TryInt(ref reader, out int id) ? id : null, null);
                        if (descId != null) break;
                        if (!reader.TrySkip()) return More(feed);
                        badDescId = feed.Text(start, reader.BytesConsumed);
                        break;
                    case "desc":
                        desc = reader.TokenType == JsonTokenType.String ? reader.GetString()! : "";
                        break;
                    case "predictions" when reader.TokenType == JsonTokenType.StartArray:
                        if (!TryRows(ref reader, feed, rows, out badRow)) return More(feed);
                        hasRows = true;
                        continue;
                    case "predictions":
                        hasRows = false;
                        break;
                }
                if (!reader.TrySkip()) return More(feed);
            }
            if (descId is not { } d)
                error = badDescId == null ? $"entry {position} (no desc_id)"
                    : $"entry {position} (desc_id {badDescId} is not an integer; eval.py would match no ground-truth query to it)";
            else if (!hasRows) error = $"desc_id {d} (no predictions array)";
            else if (badRow is { } b) error = $"desc_id {d} (row {b.Row}: {b.Raw}: {b.Reason})";
            else query = new QueryPredictions(d, desc, rows.ToArray());
            return Outcome.Parsed;
        }

        /// <summary>Fails only for want of data: at the end of a file the reader throws instead.</summary>
        private static Outcome More(JsonFeed feed) =>
            feed.Final ? throw new JsonException("the file ends inside a query") : Outcome.NeedMoreData;

        /// <summary>Reads the rows of the predictions array (the reader is on its '['), noting the first bad row.</summary>
        private static bool TryRows(ref Utf8JsonReader reader, JsonFeed feed, List<Prediction> rows, out (int Row, string Raw, string Reason)? badRow)
        {
            rows.Clear();
            badRow = null;
            for (int r = 0; ; r++)
            {
                if (!reader.Read()) return false;
                if (reader.TokenType == JsonTokenType.EndArray) return true;
                long start = reader.TokenStartIndex;
                if (!TryRow(ref reader, out var p, out bool complete, out string? reason))
                {
                    if (!complete) return false;
                    badRow ??= (r, feed.Text(start, reader.BytesConsumed), reason!);
                }
                else rows.Add(p);
            }
        }

        // Rows are [video_idx, st, ed, score, ...]: eval.py reads the first three values, so the score may be missing,
        // NaN or anything else, and values after it are ignored. The video index must be integral (20092.0 is fine);
        // st and ed finite numbers with st <= ed (times may be ints: 0 in VR rows).
        private static bool TryRow(ref Utf8JsonReader reader, out Prediction p, out bool complete, out string? reason)
        {
            p = default;
            complete = true;
            reason = null;
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                complete = reader.TrySkip();
                reason = "not an array [video_idx, st, ed, score]";
                return false;
            }
            int video = 0, n = 0;
            Span<double> x = stackalloc double[3];
            x[2] = double.NaN;
            while (true)
            {
                if (!reader.Read()) return complete = false;
                if (reader.TokenType == JsonTokenType.EndArray) break;
                if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject && !reader.TrySkip()) return complete = false;
                if (reason == null && n < 4)
                {
                    bool number = TryNumber(ref reader, out double value);
                    if (n == 0 && !(number && JsonFields.IsInt(value, out video)))
                        reason = number ? $"video_idx {value} is not an integer (eval.py would compare it as float32 and match no video)"
                            : "video_idx is not a number (eval.py's numpy would parse a numeric string; write a number)";
                    else if (n is 1 or 2 && !(number && double.IsFinite(value)))
                        reason = $"{(n == 1 ? "st" : "ed")} is {(number ? value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "not a number")}"
                            + " (eval.py would count this prediction as a miss)";
                    else if (n > 0) x[n - 1] = number ? value : double.NaN; // the score may be anything: eval.py ignores it
                }
                n++;
            }
            if (reason == null && n < 3) reason = $"{n} values; expected [video_idx, st, ed, score]";
            if (reason == null && x[1] < x[0]) reason = "ed < st (eval.py would score it IoU 0, a miss)";
            if (reason != null) return false;
            p = new Prediction(video, x[0], x[1], x[2]);
            return true;
        }

        /// <summary>A number token, or one of the strings "NaN", "Infinity", "-Infinity" (Python's literals, see
        /// <see cref="PythonLiteralStream"/>); false for anything else, without throwing.</summary>
        private static bool TryNumber(ref Utf8JsonReader reader, out double value)
        {
            value = 0;
            if (reader.TokenType == JsonTokenType.Number) return reader.TryGetDouble(out value);
            if (reader.TokenType != JsonTokenType.String) return false;
            value = reader.ValueTextEquals("NaN"u8) ? double.NaN : reader.ValueTextEquals("Infinity"u8) ? double.PositiveInfinity
                : reader.ValueTextEquals("-Infinity"u8) ? double.NegativeInfinity : 0;
            return value != 0;
        }

        private static bool TryInt(ref Utf8JsonReader reader, out int value)
        {
            value = 0;
            return reader.TokenType == JsonTokenType.Number && (reader.TryGetInt32(out value) || reader.TryGetDouble(out double x) && JsonFields.IsInt(x, out value));
        }
    }
}

using System.Text.Json;

namespace Vcmr.Inference;

public static partial class SubmissionJson
{
    /// <summary>
    /// One <c>{"desc_id", "desc", "predictions"}</c> object parsed from reader tokens, keys in any order (the last of
    /// a repeated key wins, as in a DOM). Problems are reported with the same words as before, in the same priority:
    /// no integer desc_id, then no predictions array, then the first bad row with its raw JSON text.
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
                error = $"entry {position} (no integer desc_id)";
                return Outcome.Parsed;
            }
            int? descId = null;
            string desc = "";
            bool hasRows = false;
            (int Row, string Raw)? badRow = null;
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
                        descId = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int id) ? id : null;
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
            if (descId is not { } d) error = $"entry {position} (no integer desc_id)";
            else if (!hasRows) error = $"desc_id {d} (no predictions array)";
            else if (badRow is { } b) error = $"desc_id {d} (row {b.Row}: {b.Raw})";
            else query = new QueryPredictions(d, desc, rows.ToArray());
            return Outcome.Parsed;
        }

        /// <summary>Fails only for want of data: at the end of a file the reader throws instead.</summary>
        private static Outcome More(JsonFeed feed) =>
            feed.Final ? throw new JsonException("the file ends inside a query") : Outcome.NeedMoreData;

        /// <summary>Reads the rows of the predictions array (the reader is on its '['), noting the first bad row.</summary>
        private static bool TryRows(ref Utf8JsonReader reader, JsonFeed feed, List<Prediction> rows, out (int Row, string Raw)? badRow)
        {
            rows.Clear();
            badRow = null;
            for (int r = 0; ; r++)
            {
                if (!reader.Read()) return false;
                if (reader.TokenType == JsonTokenType.EndArray) return true;
                long start = reader.TokenStartIndex;
                if (!TryRow(ref reader, out var p, out bool complete))
                {
                    if (!complete) return false;
                    badRow ??= (r, feed.Text(start, reader.BytesConsumed));
                }
                else rows.Add(p);
            }
        }

        // Rows are [video_idx, st, ed, score]; times may be ints (0 in VR rows); strings such as "NaN", values out of
        // the double range, ed < st and anything other than four numbers are rejected.
        private static bool TryRow(ref Utf8JsonReader reader, out Prediction p, out bool complete)
        {
            p = default;
            complete = true;
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                complete = reader.TrySkip();
                return false;
            }
            int video = 0, n = 0;
            Span<double> x = stackalloc double[3];
            bool ok = true;
            while (true)
            {
                if (!reader.Read()) return complete = false;
                if (reader.TokenType == JsonTokenType.EndArray) break;
                if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject && !reader.TrySkip()) return complete = false;
                ok &= reader.TokenType == JsonTokenType.Number && n < 4
                    && (n == 0 ? reader.TryGetInt32(out video) : reader.TryGetDouble(out x[n - 1]) && double.IsFinite(x[n - 1]));
                n++;
            }
            if (!ok || n != 4 || x[1] < x[0]) return false;
            p = new Prediction(video, x[0], x[1], x[2]);
            return true;
        }
    }
}

using System.Text.Json;

namespace Vcmr.Inference;

public static partial class SubmissionJson
{
    /// <summary>
    /// Feeds a <see cref="Utf8JsonReader"/> from a stream through one buffer that is compacted and refilled (and
    /// doubled only when a single value does not fit), so whole values can be parsed one at a time.
    /// </summary>
    private sealed class JsonFeed(Stream stream)
    {
        private byte[] buffer = new byte[1 << 16];
        private int length;
        private bool final;

        /// <summary>True once the stream is exhausted: the reader then holds the rest of the file.</summary>
        public bool Final => final;

        public Utf8JsonReader Start() => Refill(0, default);

        /// <summary>The UTF-8 text between two positions of the current reader (for error messages).</summary>
        public string Text(long start, long end) => System.Text.Encoding.UTF8.GetString(buffer, (int)start, (int)(end - start));

        /// <summary>The next token, refilling as needed; false at the end of the input.</summary>
        public bool Read(ref Utf8JsonReader reader)
        {
            while (!reader.Read())
            {
                if (final) return false;
                reader = Refill(reader.BytesConsumed, reader.CurrentState);
            }
            return true;
        }

        /// <summary>
        /// The value after a property name, complete, as its own document. Incomplete input at the end of the file
        /// surfaces as ParseValue's JsonException.
        /// </summary>
        public JsonDocument ReadValue(ref Utf8JsonReader reader)
        {
            while (true)
            {
                var state = reader.CurrentState;
                long consumed = reader.BytesConsumed;
                var probe = reader;
                if (final || (probe.Read() && probe.TrySkip())) return JsonDocument.ParseValue(ref reader);
                reader = Refill(consumed, state); // parse from the value's first byte once all of it is buffered
            }
        }

        /// <summary>Keeps the bytes from <paramref name="consumed"/> on, tops the buffer up from the stream.</summary>
        public Utf8JsonReader Refill(long consumed, JsonReaderState state)
        {
            int keep = length - (int)consumed;
            Buffer.BlockCopy(buffer, (int)consumed, buffer, 0, keep);
            if (keep == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            length = keep;
            while (length < buffer.Length)
            {
                int n = stream.Read(buffer, length, buffer.Length - length);
                if (n == 0)
                {
                    final = true;
                    break;
                }
                length += n;
            }
            return new Utf8JsonReader(buffer.AsSpan(0, length), final, state);
        }
    }
}

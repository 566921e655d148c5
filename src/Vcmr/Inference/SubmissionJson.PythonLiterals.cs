using System.Buffers;

namespace Vcmr.Inference;

public static partial class SubmissionJson
{
    /// <summary>
    /// What Python's json.dump writes and JSON does not allow, made readable: a leading UTF-8 byte-order mark is
    /// dropped, and the bare literals <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c> outside strings become the
    /// strings "NaN", "Infinity" and "-Infinity" (the row reader takes those as the numbers; eval.py's numpy does the
    /// same with such strings). Outside strings, valid JSON has no 'N' or 'I', so any other word starting with one of
    /// them is passed through unchanged and stays a syntax error.
    /// </summary>
    private sealed class PythonLiteralStream(Stream inner) : Stream
    {
        private static readonly string[] Literals = ["NaN", "Infinity", "-Infinity"];
        private static readonly SearchValues<byte> OutsideStrings = SearchValues.Create("\"-NI"u8);
        private const int LongestLiteral = 9;

        private readonly byte[] _in = new byte[1 << 16];
        // A read expands at most 3 bytes ("NaN") to 5, plus a word and a '-' carried over from the previous read.
        private readonly byte[] _out = new byte[2 * (1 << 16) + 2 * LongestLiteral];
        private int _outPos, _outLen;
        private readonly List<byte> _word = new(LongestLiteral + 1);
        private bool _started, _inString, _escaped, _minus, _ended;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (_outPos == _outLen && !_ended) Fill();
            int n = Math.Min(buffer.Length, _outLen - _outPos);
            _out.AsSpan(_outPos, n).CopyTo(buffer);
            _outPos += n;
            return n;
        }

        private void Fill()
        {
            _outPos = _outLen = 0;
            int n = inner.Read(_in);
            if (n == 0)
            {
                EndWord();
                if (_minus) Emit((byte)'-');
                _ended = true;
                return;
            }
            var span = _in.AsSpan(0, n);
            if (!_started)
            {
                _started = true;
                if (span.StartsWith("\uFEFF"u8)) span = span[3..];
            }
            Translate(span);
        }

        private void Translate(ReadOnlySpan<byte> s)
        {
            int i = 0;
            while (i < s.Length)
            {
                if (_inString)
                {
                    if (_escaped)
                    {
                        Emit(s[i++]);
                        _escaped = false;
                        continue;
                    }
                    int j = s[i..].IndexOfAny((byte)'"', (byte)'\\');
                    if (j < 0)
                    {
                        Emit(s[i..]);
                        return;
                    }
                    Emit(s.Slice(i, j + 1));
                    if (s[i + j] == '\\') _escaped = true;
                    else _inString = false;
                    i += j + 1;
                    continue;
                }
                if (_word.Count > 0)
                {
                    if (char.IsAsciiLetter((char)s[i]) && _word.Count <= LongestLiteral) _word.Add(s[i++]);
                    else EndWord(); // s[i] is read again below
                    continue;
                }
                if (_minus)
                {
                    _minus = false;
                    if (s[i] == 'I') _word.Add((byte)'-');
                    else Emit((byte)'-');
                }
                int k = s[i..].IndexOfAny(OutsideStrings);
                if (k < 0)
                {
                    Emit(s[i..]);
                    return;
                }
                Emit(s.Slice(i, k));
                byte b = s[i + k];
                i += k + 1;
                if (b == '"')
                {
                    Emit(b);
                    _inString = true;
                }
                else if (b == '-') _minus = true; // decided by the next byte: -Infinity or a number
                else _word.Add(b);
            }
        }

        // A finished word: a literal is quoted, anything else passes through as it was.
        private void EndWord()
        {
            if (_word.Count == 0) return;
            bool literal = Literals.Contains(System.Text.Encoding.ASCII.GetString(_word.ToArray()));
            if (literal) Emit((byte)'"');
            foreach (byte w in _word) Emit(w);
            if (literal) Emit((byte)'"');
            _word.Clear();
        }

        private void Emit(byte b) => _out[_outLen++] = b;

        private void Emit(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_out.AsSpan(_outLen));
            _outLen += bytes.Length;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
